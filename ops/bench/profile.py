"""Profile what the benchmarks measure, to find out why a figure misses its target.

    .venv/bin/python -m ops.bench.profile rebuild catalog [--events 100000] [--reuse]
    .venv/bin/python -m ops.bench.profile post [--seconds 12] [--gil]

``rebuild``: cProfile of one projection's rebuild (on a fresh log like the rebuild benchmark's,
or with ``--reuse`` on the database as it is). ``post``: py-spy (``pip install py-spy``) samples
the API process while clients POST products; prints the frames with the most samples (with
``--gil``, only samples of the thread holding the GIL: where the server's CPU goes).
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ops.bench import data, rebuild, writes
from ops.bench.common import (
    DEFAULT_DATABASE_URL,
    Latencies,
    api_server,
    log,
    open_orion,
    reset_database,
    vacuum_analyze,
)


def profile_rebuild(url: str, name: str, events: int, reuse: bool, top: int) -> None:
    if not reuse:
        reset_database(url)
        orion = open_orion(url)
        data.mixed_log(orion, events)
        orion.projections.run_until_caught_up(timeout=1800)
        orion.close()
        vacuum_analyze(url)
    orion = open_orion(url)
    try:
        profiler = cProfile.Profile()
        profiler.enable()
        seconds = rebuild.rebuild(orion, [name])
        profiler.disable()
        log(f"rebuild {name}: {seconds:.2f}s under cProfile")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)
    finally:
        orion.close()


def summarise_collapsed(path: Path, top: int) -> None:
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        total += n
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    print(f"{total} samples\n-- inclusive")
    for frame, n in inclusive.most_common(top):
        print(f"{n / total:6.1%}  {frame[:150]}")
    print("-- own")
    for frame, n in own.most_common(top // 2):
        print(f"{n / total:6.1%}  {frame[:150]}")


def profile_post(url: str, seconds: float, gil: bool, top: int) -> None:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        raise SystemExit("py-spy is not installed: .venv/bin/pip install py-spy")
    reset_database(url)
    orion = open_orion(url)
    try:
        store_id = data.register_store(orion, "profile")
        with api_server(url, run_projections=False) as base:
            port = base.rsplit(":", 1)[1]
            found = subprocess.check_output(["pgrep", "-f", f"ops.bench.server --port {port}"])
            pid = found.split()[0].decode()
            writes.http_posts(base, store_id, writes.bodies(50, "warm", 1), 8, Latencies())
            out = Path(tempfile.mkdtemp()) / "post.collapsed"
            argv = [spy, "record", "-p", pid, "-d", str(int(seconds)), "-r", "200", "-f", "raw"]
            argv += ["-o", str(out), "--nonblocking", *(["--gil"] if gil else [])]
            recorder = subprocess.Popen(argv)
            started, n = time.monotonic(), 0
            while time.monotonic() - started < seconds:
                writes.http_posts(base, store_id, writes.bodies(400, f"p{n}", n), 8, Latencies())
                n += 1
            recorder.wait()
        summarise_collapsed(out, top)
    finally:
        orion.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m ops.bench.profile")
    parser.add_argument("what", choices=("rebuild", "post"))
    parser.add_argument("projection", nargs="?", default="catalog")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="rebuild: keep the database")
    parser.add_argument("--seconds", type=float, default=12)
    parser.add_argument("--gil", action="store_true", help="post: only GIL-holding samples")
    parser.add_argument("--top", type=int, default=45)
    args = parser.parse_args()
    if args.what == "rebuild":
        profile_rebuild(args.database_url, args.projection, args.events, args.reuse, args.top)
    else:
        profile_post(args.database_url, args.seconds, args.gil, args.top)


if __name__ == "__main__":
    main()
