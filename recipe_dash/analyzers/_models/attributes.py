"""Columns and image properties in the forms the model-based checks share: numbers and codes.

A table column holds numbers, text, or numbers with junk ("n/a", "#VALUE!"); an image property is
a width or a file format. Every check here wants the same two views of such an attribute: numeric
values with NaN for anything unusable (for scaling, histograms and drift), and a small integer code
per sample (a quantile bin or a category, with one code for "missing") for lookups and rates.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from recipe_dash.analyzers._robust import robust_location_scale
from recipe_dash.io.columns import as_numeric
from recipe_dash.io.dataset import Dataset
from recipe_dash.io.tabular import SPLIT_COLUMN

MISSING = "(missing)"
OTHER = "(other)"
# Image properties a model should not need to tell classes apart (issue #5's nuisance attributes).
IMAGE_NUISANCE = ("width", "height", "aspect_ratio", "format", "file_bytes", "brightness", "mode")
# Every per-image property worth a histogram: the nuisance ones plus pixel statistics.
IMAGE_PROPERTIES = (*IMAGE_NUISANCE, "contrast", "blur", "mean_r", "mean_g", "mean_b")


@dataclass(frozen=True)
class Attribute:
    """One column or image property, as numbers (if numeric) and as per-sample codes."""

    name: str
    kind: Literal["numeric", "categorical"]
    values: np.ndarray | None  # float64, NaN when missing, unparseable or infinite; None for categorical
    codes: np.ndarray  # int32 per sample: quantile bin or category index into `categories`
    categories: tuple[str, ...]  # what each code means; MISSING and OTHER included when they occur
    n_distinct: int  # distinct non-missing values before binning
    n_missing: int

    @property
    def is_constant(self) -> bool:
        return self.n_distinct <= 1


def table_attributes(dataset: Dataset, *, max_codes: int = 20) -> list[Attribute]:
    """Every column of a table except the label and split columns, in file order."""
    table = dataset.table
    skip = {str(dataset.label_column)}
    return [
        attribute(str(name), table.iloc[:, position], max_codes=max_codes)
        for position, name in enumerate(table.columns)
        if str(name) not in skip and str(name).lower() != SPLIT_COLUMN
    ]


def image_attributes(
    features: pd.DataFrame, *, names: tuple[str, ...] = IMAGE_NUISANCE, max_codes: int = 20
) -> list[Attribute]:
    """Per-image properties from the feature pass (default: the nuisance ones); aspect_ratio is width / height."""
    width = features["width"].astype("Float64")
    height = features["height"].astype("Float64")
    aspect = (width / height.where(height > 0)).round(3)
    return [
        attribute(name, aspect if name == "aspect_ratio" else features[name], max_codes=max_codes) for name in names
    ]


def attribute(name: str, column: pd.Series, *, max_codes: int = 20) -> Attribute:
    """Read a column as numeric when most of its cells are numbers, else as categories.

    Numeric: up to `max_codes` quantile bins (or one code per value when there are few values).
    Categorical: the `max_codes - 1` most frequent values, the rest as OTHER.
    """
    numeric = as_numeric(column) if not _is_categorical(column) else None
    if numeric is not None:
        values = numeric.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        values[~np.isfinite(values)] = np.nan
        codes, categories, n_distinct = _bin(values, max_codes)
        return Attribute(name, "numeric", values, codes, categories, n_distinct, int(np.isnan(values).sum()))
    text = column.astype("string")
    codes, categories, n_distinct = _categorize(text, max_codes)
    return Attribute(name, "categorical", None, codes, categories, n_distinct, int(text.isna().sum()))


def model_columns(attr: Attribute) -> tuple[np.ndarray, list[str]]:
    """The attribute as model inputs: numeric as robust z-scores (median 0, IQR-based scale, so the outliers
    we look for do not squash everyone else) with missing cells at the median plus an indicator;
    categorical as 0/1 per code (the frequent values, OTHER and MISSING)."""
    if attr.kind == "categorical":
        names = [f"{attr.name} is missing" if c == MISSING else f"{attr.name} = {c}" for c in attr.categories]
        return np.eye(len(attr.categories))[attr.codes], names
    assert attr.values is not None
    missing = np.isnan(attr.values)
    median, scale = robust_location_scale(attr.values[~missing])
    scaled = np.where(missing, 0.0, (attr.values - median) / scale)
    if not missing.any():
        return scaled[:, None], [attr.name]
    return np.column_stack([scaled, missing.astype(np.float64)]), [attr.name, f"{attr.name} is missing"]


def _is_categorical(column: pd.Series) -> bool:
    return bool(pd.api.types.is_bool_dtype(column) or isinstance(column.dtype, pd.CategoricalDtype))


def _bin(values: np.ndarray, max_codes: int) -> tuple[np.ndarray, tuple[str, ...], int]:
    finite = values[~np.isnan(values)]
    distinct = np.unique(finite)
    if len(distinct) <= max_codes:
        codes = np.searchsorted(distinct, values).astype(np.int32)
        categories = [_number(v) for v in distinct]
    else:
        # Interior quantile edges; ties collapse, so a lumpy column gets fewer, honest bins.
        edges = np.unique(np.quantile(finite, np.linspace(0, 1, max_codes + 1)[1:-1]))
        codes = np.searchsorted(edges, values, side="right").astype(np.int32)
        bounds = [finite.min(), *edges, finite.max()]
        categories = [f"{_number(lo)} to {_number(hi)}" for lo, hi in itertools.pairwise(bounds)]
    missing = np.isnan(values)
    if missing.any():
        codes[missing] = len(categories)
        categories.append(MISSING)
    return codes, tuple(categories), len(distinct)


def _categorize(text: pd.Series, max_codes: int) -> tuple[np.ndarray, tuple[str, ...], int]:
    counts = text.value_counts(dropna=True)
    kept = [str(v) for v in (counts.index[: max_codes - 1] if len(counts) > max_codes else counts.index)]
    index = {value: i for i, value in enumerate(kept)}
    codes = text.map(index).to_numpy(dtype=np.float64, na_value=np.nan)
    categories = list(kept)
    has_other = len(counts) > len(kept)
    if has_other:
        codes[np.isnan(codes) & text.notna().to_numpy()] = len(categories)
        categories.append(OTHER)
    missing = text.isna().to_numpy()
    if missing.any():
        codes[missing] = len(categories)
        categories.append(MISSING)
    return codes.astype(np.int32), tuple(categories), len(counts)


def _number(value: float) -> str:
    return f"{value:.4g}"
