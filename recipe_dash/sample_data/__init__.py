"""Deterministic sample datasets with planted problems and an exact answer key.

The dashboard ships these so a first-time user sees every analyzer fire, and
the analyzer tests score precision/recall against the manifests written here.
Nothing is downloaded: all content comes from data bundled with scikit-learn.
"""

from __future__ import annotations

from pathlib import Path

from recipe_dash.sample_data._manifest import load_manifest, write_manifest
from recipe_dash.sample_data.digits import make_digits
from recipe_dash.sample_data.table import make_table

__all__ = ["load_manifest", "make_all", "make_digits", "make_table", "write_manifest"]

DIGITS_DIR = "digits"
TABLE_FILE = "breast_cancer.csv"


def make_all(out_dir: Path) -> None:
    """Write both datasets and their manifests under ``out_dir`` (seed 0)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_manifest(make_digits(out_dir / DIGITS_DIR), out_dir / "digits.manifest.json")
    write_manifest(make_table(out_dir / TABLE_FILE), out_dir / "breast_cancer.manifest.json")
