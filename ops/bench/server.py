"""The API as the benchmarks run it: one uvicorn process (settings from ``ORION_*``).

``python -m ops.bench.server --port N [--run-projections]``. Access logging is off (a log line
per request would be measured too); everything else is ``create_app`` as production builds it.
"""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn

from interfaces.api.app import create_app
from interfaces.bootstrap import bootstrap, freeze_start_up_objects
from interfaces.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--run-projections", action="store_true")
    parser.add_argument(
        "--switch-interval", type=float, help="sys.setswitchinterval (seconds), to study the GIL"
    )
    args = parser.parse_args()
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    settings = Settings()
    logging.basicConfig(level=settings.log_level)
    orion = bootstrap(settings)
    app = create_app(orion, run_projections=args.run_projections)
    freeze_start_up_objects()  # as `orion serve` does
    try:
        uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
    finally:
        orion.close()


if __name__ == "__main__":
    main()
