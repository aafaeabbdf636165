"""The one dataset type every loader returns, so analyzers and pages never branch on file formats."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from PIL import Image

from recipe_dash.io.image_file import open_image
from recipe_dash.io.names import name_path
from recipe_dash.io.table_file import SkippedRow, read_table

Kind = Literal["image", "table"]
DEFAULT_SPLIT = "train"  # the split of samples in a dataset that has no split folders or column
SAMPLE_COLUMNS = ("sample_id", "label", "split")


_DIGITS = re.compile(r"\d+")


def natural_key(text: str) -> str:
    """Sort '2' before '10' and 'class_2' before 'class_10', as people expect (digit runs zero-padded)."""
    return _DIGITS.sub(lambda match: match.group().zfill(20), text.lower())


def sorted_classes(labels: Iterable[object]) -> tuple[str, ...]:
    """Distinct labels in natural order (distinct first: a million labels hold a handful of classes)."""
    values = labels if isinstance(labels, pd.Series) else pd.Series(list(labels), dtype=object)
    return tuple(sorted({str(v) for v in values.dropna().unique()}, key=natural_key))


@dataclass(frozen=True)
class Dataset:
    """A loaded dataset: who the samples are, their labels and splits; content is read on demand.

    `samples` has one row per sample with `sample_id` (image: path relative to `root` with `/`;
    table: 0-based data-row index in the file, as a string), `label` (string, missing as NA) and
    `split`; image datasets add `path` (absolute) and `bytes`.
    """

    kind: Kind
    name: str
    source: Path  # what the user pointed at: folder, zip, CSV or Parquet file
    root: Path  # image folder (extracted, for a zip) or the table file itself
    samples: pd.DataFrame
    class_names: tuple[str, ...]
    label_column: str | None = None
    # Things skipped or odd at load time, one sentence each (e.g. non-image files); never fatal.
    load_notes: tuple[str, ...] = ()
    read_options: dict[str, str] = field(default_factory=dict)  # table: encoding and delimiter used
    # Table: data rows left out because the file's layout broke there (the corruption check reports them).
    skipped_rows: tuple[SkippedRow, ...] = ()

    @property
    def n_samples(self) -> int:
        return len(self.samples)

    @property
    def sample_ids(self) -> pd.Series:
        return self.samples["sample_id"]

    @property
    def labels(self) -> pd.Series:
        return self.samples["label"]

    @property
    def splits(self) -> tuple[str, ...]:
        return tuple(sorted(self.samples["split"].unique(), key=natural_key))

    def class_counts(self) -> pd.DataFrame:
        """Samples per (split, label) with a label, classes in natural order.

        Counted on factorized codes (a groupby on a million text labels is several times slower).
        """
        split_codes, split_names = pd.factorize(self.samples["split"])
        label_codes, label_names = pd.factorize(self.samples["label"])  # a missing label is -1
        labelled = label_codes >= 0
        pairs = split_codes[labelled] * len(label_names) + label_codes[labelled]
        count = np.bincount(pairs, minlength=len(split_names) * len(label_names))
        counts = pd.DataFrame(
            {
                "split": np.repeat(np.asarray(split_names, dtype=object), len(label_names)),
                "label": np.tile(np.asarray(label_names, dtype=object), len(split_names)),
                "count": count,
            }
        ).astype({"split": "string", "label": "string"})
        counts = counts[counts["count"] > 0]
        rank = counts["label"].map({name: i for i, name in enumerate(self.class_names)})
        return counts.assign(rank=rank).sort_values(["split", "rank"]).drop(columns="rank").reset_index(drop=True)

    def image_path(self, sample_id: str) -> Path:
        """Absolute path of an image sample (ids are `name_text` of the relative path, see io/names.py)."""
        if self.kind != "image":
            raise TypeError("image_path is for image datasets")
        return self.root / name_path(sample_id)

    def open_image(self, sample_id: str) -> Image.Image:
        """Decode one image, refusing decompression bombs and files that are not images."""
        return open_image(self.image_path(sample_id))

    @cached_property
    def table(self) -> pd.DataFrame:
        """The whole table, read once (columns as in the file, label included)."""
        if self.kind != "table":
            raise TypeError("table is for tabular datasets")
        return read_table(self.root, **self.read_options)

    def row(self, sample_id: str) -> pd.Series:
        """A table sample's row; the table's index is the data-row number in the file, which is the id."""
        return self.table.loc[int(sample_id)]
