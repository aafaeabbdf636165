"""Regenerate the bundled sample datasets and their ground-truth manifests.

Usage: python scripts/make_sample_data.py [--out sample_data]

Thin wrapper around ``recipe_dash.sample_data.make_all`` so the shipped data
can always be rebuilt byte-for-byte from code (tests check they never drift).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from recipe_dash.sample_data import make_all

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "sample_data"


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and write the datasets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output folder (default: the repo's sample_data/)"
    )
    args = parser.parse_args(argv)
    make_all(args.out)
    print(f"wrote sample datasets to {args.out}")


if __name__ == "__main__":
    main()
