"""Command line: ``python -m tools.demo LANDING_DIR [--scale S] [--seed N] [--end-date YYYY-MM-DD]
[--config-dir DIR]`` (``crmlake demo`` is the same with the settings' default folders)."""

from __future__ import annotations

import argparse
import logging
from datetime import date
from pathlib import Path

from . import generate


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.demo", description=__doc__)
    parser.add_argument("landing_dir", type=Path)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="rows grow linearly with it (default 1)"
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--end-date", type=date.fromisoformat, default=date(2026, 10, 31))
    parser.add_argument("--config-dir", type=Path, help="also write the demo's business settings here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    generate(args.landing_dir, scale=args.scale, seed=args.seed, end_date=args.end_date,
             config_dir=args.config_dir)


if __name__ == "__main__":
    main()
