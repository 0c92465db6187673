"""Run Orion's benchmarks on PostgreSQL and write their figures to ``ops/bench/RESULTS.md``.

    .venv/bin/python -m ops.bench.run                      # everything, default sizes (~10 min)
    .venv/bin/python -m ops.bench.run --quick              # small sizes, a minute or two
    .venv/bin/python -m ops.bench.run --only search --products 20000

Every figure is a ratio against a baseline measured in the same run (the machines are noisy).
The database (``--database-url``) is dropped and created again by each benchmark.

Only a run of every benchmark at the default sizes or larger replaces ``ops/bench/RESULTS.md``;
other runs write ``var/bench/RESULTS-partial.md`` (or ``--results PATH``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ops.bench import freshness, rebuild, report, search, writes
from ops.bench.common import DEFAULT_DATABASE_URL, LOG_DIR, REPO_ROOT, log

BENCHMARKS = ("writes", "rebuild", "search", "freshness")
DEFAULTS = {
    "events": 100_000,
    "products": 100_000,
    "writes": 3_000,
    "clients": 8,
    "search_samples": 400,
    "ryw_samples": 200,
}
QUICK = {
    "events": 10_000,
    "products": 10_000,
    "writes": 600,
    "clients": 8,
    "search_samples": 120,
    "ryw_samples": 60,
}
RESULTS_MD = Path(__file__).with_name("RESULTS.md")


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m ops.bench.run", description=__doc__.split("\n")[0])
    p.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help="PostgreSQL database to drop and create (default: %(default)s)",
    )
    p.add_argument(
        "--only",
        default=",".join(BENCHMARKS),
        help=f"comma-separated subset of: {', '.join(BENCHMARKS)}",
    )
    p.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    p.add_argument("--events", type=int, help="events in the log to rebuild (100,000)")
    p.add_argument("--products", type=int, help="published products to search (100,000)")
    p.add_argument("--writes", type=int, help="products to POST, and to save raw (3,000)")
    p.add_argument("--clients", type=int, help="concurrent HTTP clients / raw threads (8)")
    p.add_argument("--search-samples", type=int, help="search queries per level (400)")
    p.add_argument("--ryw-samples", type=int, help="read-your-writes commands per mode (200)")
    p.add_argument("--rebuild-rounds", type=int, default=1, help="rebuilds per projection (1)")
    p.add_argument(
        "--ryw-modes",
        default="in_process,separate_process",
        help="in_process and/or separate_process (both)",
    )
    p.add_argument("--results", type=Path, help="where to write the Markdown report")
    p.add_argument("--no-write", action="store_true", help="print figures, write no report")
    args = p.parse_args(argv)  # fmt: skip
    sizes = QUICK if args.quick else DEFAULTS
    for key, value in sizes.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.only = tuple(b.strip() for b in args.only.split(",") if b.strip())
    unknown = set(args.only) - set(BENCHMARKS)
    if unknown:
        p.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    if "freshness" in args.only and "search" not in args.only:
        # Read-your-writes runs on the shop the search benchmark loads.
        args.only = (*args.only, "search")
    args.ryw_modes = tuple(m.strip() for m in args.ryw_modes.split(",") if m.strip())
    return args


def full_size(args: argparse.Namespace) -> bool:
    return set(args.only) == set(BENCHMARKS) and all(
        getattr(args, key) >= value for key, value in DEFAULTS.items() if key != "clients"
    )


def machine() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_before": [round(x, 2) for x in load],
    }


def revision() -> dict[str, Any]:
    """The commit measured, and the files changed beside it (outside ops/bench/)."""

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return ""

    changed = [
        line[3:]
        for line in git("status", "--porcelain", "--untracked-files=no").splitlines()
        if not line[3:].startswith("ops/bench/")
    ]
    return {"commit": git("rev-parse", "--short", "HEAD").strip(), "changed": changed}


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    command = ".venv/bin/python -m ops.bench.run" + (
        " " + shlex.join(sys.argv[1:] if argv is None else argv)
        if (sys.argv[1:] if argv is None else argv)
        else ""
    )
    started = time.perf_counter()
    results: dict[str, Any] = {
        "command": command,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "revision": revision(),
        "database": args.database_url,
        "sizes": {k: getattr(args, k) for k in DEFAULTS},
    }
    url = args.database_url
    order = [b for b in BENCHMARKS if b in args.only]
    for name in order:
        bench_started = time.perf_counter()
        if name == "writes":
            results["writes"] = writes.run(url, writes=args.writes, clients=args.clients)
        elif name == "rebuild":
            results["rebuild"] = rebuild.run(url, events=args.events, rounds=args.rebuild_rounds)
        elif name == "search":
            results["search"] = search.run(url, products=args.products, samples=args.search_samples)
        elif name == "freshness":
            results["freshness"] = freshness.run(
                url, samples=args.ryw_samples, modes=args.ryw_modes
            )
        results.setdefault("seconds", {})[name] = round(time.perf_counter() - bench_started, 1)
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    results["machine"]["load_after"] = [round(x, 2) for x in os.getloadavg()]
    log(f"all done in {results['total_seconds']:.0f}s")

    LOG_DIR.mkdir(parents=True, exist_ok=True)
    (LOG_DIR / "results.json").write_text(json.dumps(results, indent=2, default=str))
    markdown = report.render(results)
    print(markdown)
    if not args.no_write:
        target = args.results or (RESULTS_MD if full_size(args) else LOG_DIR / "RESULTS-partial.md")
        report.write(target, markdown)
        shown = target.relative_to(REPO_ROOT) if target.is_relative_to(REPO_ROOT) else target
        log(f"figures written to {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
