"""The layers' edges hold.

Routes call a service or a query (``projections/<ctx>/queries.py``) and shape the answer: no
module of the API reaches for the platform, which would hand it aggregates to read, the clock
and the write path. What a route needs of them is a service's method, or the app's own
(``Orion.clock``, ``Orion.head``).
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
API = ROOT / "interfaces" / "api"


def platform_reads(source: str) -> list[tuple[int, str]]:
    """(line, code) of every ``<something>.platform`` in a module's source."""
    return [
        (node.lineno, ast.get_source_segment(source, node) or "platform")
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and node.attr == "platform"
    ]


def test_the_walk_finds_a_read_through_the_platform() -> None:
    route = (
        "def get_rate(orion, store_id):\n"
        "    rates = orion.platform.find(ShippingRates, store_id)\n"
        "    platform = 'not an attribute'\n"
        "    return getattr(rates, 'platform', platform)\n"
    )
    assert platform_reads(route) == [(2, "orion.platform")]


def test_no_api_module_reads_through_the_platform() -> None:
    modules = sorted(API.rglob("*.py"))
    assert len(modules) > 20, "the API's modules are where this test looks for them"
    found = [
        f"{module.relative_to(ROOT)}:{line}: {code}"
        for module in modules
        for line, code in platform_reads(module.read_text(encoding="utf-8"))
    ]
    assert found == [], "a route calls a service or a query, never the platform:\n" + "\n".join(
        found
    )


def test_imports_point_down_the_layers(tmp_path: Path) -> None:
    """The import-linter contracts of ``pyproject.toml``: interfaces, then adapters and workers,
    then application and projections, then the domain; siblings never import each other."""
    code, output = _lint_imports(ROOT / "pyproject.toml", tmp_path)
    assert code == 0, output


def test_the_contracts_catch_an_import_that_points_up(tmp_path: Path) -> None:
    """The same contracts over a copy of the tree whose domain imports the API."""
    copy = tmp_path / "tree"
    for package in ("domain", "application", "projections", "adapters", "workers", "interfaces"):
        shutil.copytree(
            ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    (copy / "domain" / "up.py").write_text("import interfaces.api.app\n", encoding="utf-8")
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    code, output = _lint_imports(copy / "pyproject.toml", tmp_path)
    assert code != 0 and "domain.up -> interfaces.api.app" in output, output


def _lint_imports(config: Path, scratch: Path) -> tuple[int, str]:
    command = [
        sys.executable,
        "-c",
        "from importlinter.cli import lint_imports_command; lint_imports_command()",
        str(config),
        "--no-cache",
    ]
    done = subprocess.run(
        command,
        cwd=config.parent,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(config.parent)},
    )
    return done.returncode, done.stdout + done.stderr
