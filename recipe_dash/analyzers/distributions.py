"""Show how every feature is distributed per class and per split, and flag train/test drift.

Histograms let a person see what separates classes (and what should not); drift between the
training split and the others means a model is evaluated on data unlike what it learned from.
Attributes: every table column but label and split; for images, size, format, file size and the
pixel statistics (brightness, contrast, blur, channel means).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from recipe_dash.analyzers._drift import shift
from recipe_dash.analyzers._models import Attribute, image_attributes, table_attributes
from recipe_dash.analyzers._models.attributes import IMAGE_PROPERTIES, MISSING
from recipe_dash.analyzers.base import CheckDetails, Result
from recipe_dash.analyzers.findings import findings_frame
from recipe_dash.evidence import Verdict
from recipe_dash.io.dataset import DEFAULT_SPLIT, Dataset
from recipe_dash.validation import check_number, check_order

# `beyond`: how many of the bin's values lie outside the 0.5-99.5 percentile range (only the end bins have any).
HISTOGRAM_COLUMNS = ("attribute", "by", "group", "bin", "bin_label", "left", "right", "count", "share", "beyond")
DRIFT_COLUMNS = (
    "attribute",
    "kind",
    "reference",
    "split",
    "psi",
    "ks",
    "p_value",
    "missing_reference",
    "missing_split",
    "verdict",
)
UNLABELLED = "(unlabelled)"


@dataclass(frozen=True, kw_only=True)
class Details(CheckDetails):
    attributes: tuple[str, ...]  # the features histogrammed, in order
    histograms: pd.DataFrame  # HISTOGRAM_COLUMNS
    psi_warn: float
    psi_fail: float
    drift: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(DRIFT_COLUMNS)))
    drift_skipped: str | None = None  # why drift was not measured (a single split)


def analyze(
    dataset: Dataset,
    features: pd.DataFrame,
    *,
    n_bins: int = 30,
    psi_warn: float = 0.1,
    psi_fail: float = 0.25,
    alpha: float = 0.001,
) -> Result:
    """Histograms by class and split; a split whose PSI vs the reference reaches `psi_warn` (and whose
    chi-square p-value is below `alpha`) drifts, and `psi_fail` or more is a major shift."""
    check_number("n_bins", n_bins, low=2, integer=True, why="bins of a numeric histogram")
    check_number("psi_warn", psi_warn, low=0, low_open=True, why="a population stability index")
    check_number("psi_fail", psi_fail, low=0, low_open=True, why="a population stability index")
    check_order("psi_warn", psi_warn, "psi_fail", psi_fail)
    check_number("alpha", alpha, low=0, high=1, low_open=True, high_open=True, why="a significance level")
    attributes = (
        table_attributes(dataset) if dataset.kind == "table" else image_attributes(features, names=IMAGE_PROPERTIES)
    )
    attributes = [a for a in attributes if a.n_missing < len(a.codes)]
    details = Details(
        attributes=tuple(a.name for a in attributes),
        histograms=histograms(attributes, dataset.samples, n_bins=n_bins),
        psi_warn=psi_warn,
        psi_fail=psi_fail,
    )
    splits = dataset.samples["split"].to_numpy(dtype=object)
    present = list(dataset.splits)
    if len(present) < 2:
        reason = f"there is one split ('{present[0]}'); drift compares a training split with a test split."
        details = replace(details, drift_skipped=reason)
        return Result(
            "distributions",
            "not_measured",
            f"Drift not measured: {reason} The histograms by class are ready.",
            findings_frame(),
            details,
        )
    reference = DEFAULT_SPLIT if DEFAULT_SPLIT in present else present[0]
    drift = _drift_table(
        attributes,
        splits,
        reference,
        [s for s in present if s != reference],
        psi_warn=psi_warn,
        psi_fail=psi_fail,
        alpha=alpha,
    )
    details = replace(details, drift=drift)
    shifted = drift[drift["verdict"] != "stable"].sort_values("psi", ascending=False, kind="stable")
    findings = findings_frame(
        sample_id=[None] * len(shifted),
        issue_type="drift",
        score=(shifted["psi"] / (2 * psi_fail)).clip(0, 1).to_numpy(),
        group=("column:" + shifted["attribute"] + " split:" + shifted["split"]).to_numpy(),
        detail=[
            f"'{a}' is distributed differently in '{s}' than in '{r}' (PSI {p:.2f}"
            + (f", KS {k:.2f}" if k == k else "")
            + f"): {v}."
            for a, s, r, p, k, v in zip(
                shifted["attribute"],
                shifted["split"],
                shifted["reference"],
                shifted["psi"],
                shifted["ks"],
                shifted["verdict"],
                strict=True,
            )
        ],
    )
    verdict: Verdict = "fail" if (drift["verdict"] == "major shift").any() else "warn" if len(shifted) else "pass"
    return Result("distributions", verdict, _summary(shifted, reference, psi_warn), findings, details)


def histograms(attributes: list[Attribute], samples: pd.DataFrame, *, n_bins: int = 30) -> pd.DataFrame:
    """Counts per (attribute, by = 'label' | 'split', group, bin) with bins shared by all groups.

    Numbers get `n_bins` equal-width bins over the 0.5-99.5 percentile range (values beyond fall in
    the end bins, labelled "below"/"and above" and counted in `beyond`, so one wild value cannot squash
    the picture and the page can say how many were clipped); categories keep their own values.
    Missing values are not counted.
    """
    groupings = {
        "label": samples["label"].fillna(UNLABELLED).to_numpy(dtype=object),
        "split": samples["split"].to_numpy(dtype=object),
    }
    frames = []
    for attr in attributes:
        bins, labels, left, right, outside = _binned(attr, n_bins)
        present = bins >= 0
        for by, groups in groupings.items():
            codes, names = pd.factorize(groups[present], sort=True)
            counts = np.bincount(codes * len(labels) + bins[present], minlength=len(names) * len(labels))
            counts = counts.reshape(len(names), len(labels))
            beyond = np.bincount(
                codes[outside[present]] * len(labels) + bins[present][outside[present]],
                minlength=len(names) * len(labels),
            )
            shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
            frames.append(
                pd.DataFrame(
                    {
                        "attribute": attr.name,
                        "by": by,
                        "group": np.repeat(np.asarray(names, dtype=object), len(labels)),
                        "bin": np.tile(np.arange(len(labels)), len(names)),
                        "bin_label": np.tile(labels, len(names)),
                        "left": np.tile(left, len(names)),
                        "right": np.tile(right, len(names)),
                        "count": counts.ravel(),
                        "share": shares.ravel(),
                        "beyond": beyond,
                    }
                )
            )
    if not frames:
        return pd.DataFrame(columns=list(HISTOGRAM_COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(HISTOGRAM_COLUMNS)]


def _binned(attr: Attribute, n_bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(bin per sample, -1 if missing; bin labels; left and right edges, NaN for categories; whether each
    sample lies beyond the binned range).

    Categories, and numbers with few distinct values (already one code per value), keep their codes.
    """
    values = attr.values
    if values is None or attr.n_distinct == len(attr.categories) - (MISSING in attr.categories):
        bins = np.where(attr.codes == _missing_code(attr), -1, attr.codes)
        nan = np.full(len(attr.categories), np.nan)
        return bins, np.asarray(attr.categories, dtype=object), nan, nan, np.zeros(len(bins), dtype=bool)
    finite = values[~np.isnan(values)]
    low, high = np.quantile(finite, [0.005, 0.995])
    if high <= low:
        low, high = low - 0.5, high + 0.5
    edges = np.linspace(low, high, n_bins + 1)
    bins = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, n_bins - 1)
    bins[np.isnan(values)] = -1
    labels = np.asarray([f"{a:.4g} to {b:.4g}" for a, b in itertools.pairwise(edges)], dtype=object)
    below, above = values < low, values > high  # NaN compares False: never beyond
    if below.any():
        labels[0] = f"below {edges[1]:.4g} (incl. {below.sum():,} beyond {low:.4g})"
    if above.any():
        labels[-1] = f"{edges[-2]:.4g} and above (incl. {above.sum():,} beyond {high:.4g})"
    return bins, labels, edges[:-1], edges[1:], below | above


def clipped_count(histograms: pd.DataFrame, attribute: str) -> int:
    """Values of `attribute` counted in an end bin although they lie beyond the binned range (0 for results
    stored before `beyond` existed)."""
    if "beyond" not in histograms:
        return 0
    rows = histograms[(histograms["attribute"] == attribute) & (histograms["by"] == "split")]
    return int(rows["beyond"].sum())


def default_attribute(histograms: pd.DataFrame) -> str | None:
    """The feature a page shows first: the one that tells the most about the label (mutual information of its
    bins and the label), so the page opens on a picture with something in it: a constant width, a column of one
    value or a row id that is spread evenly over every class never opens it. With one class, the feature whose
    values spread most over their bins."""
    if histograms.empty:
        return None
    by_label = histograms[histograms["by"] == "label"]
    joint = by_label.groupby(["attribute", "group", "bin"], sort=False)["count"].sum().astype(float)
    total = joint.groupby(level="attribute", sort=False).transform("sum").clip(lower=1)
    p_joint = joint / total
    p_group = p_joint.groupby(level=["attribute", "group"], sort=False).transform("sum")
    p_bin = p_joint.groupby(level=["attribute", "bin"], sort=False).transform("sum")
    ratio = (p_joint / (p_group * p_bin)).where(p_joint > 0, 1.0)
    information = (p_joint * np.log(ratio)).groupby(level="attribute", sort=False).sum()
    if information.max() > 1e-12:
        return str(information.idxmax())
    overall = histograms[histograms["by"] == "split"].groupby(["attribute", "bin"], sort=False)["count"].sum()
    shares = overall / overall.groupby(level="attribute").transform("sum").clip(lower=1)
    entropy = (-(shares * np.log(shares.where(shares > 0, 1.0)))).groupby(level="attribute", sort=False).sum()
    return str(entropy.idxmax())


def _missing_code(attr: Attribute) -> int:
    return attr.categories.index(MISSING) if MISSING in attr.categories else -1


def _drift_table(
    attributes: list[Attribute],
    splits: np.ndarray,
    reference: str,
    others: list[str],
    *,
    psi_warn: float,
    psi_fail: float,
    alpha: float,
) -> pd.DataFrame:
    rows = []
    is_reference = splits == reference
    for attr in attributes:
        for other in others:
            result = shift(attr, is_reference, splits == other)
            significant = result.p_value < alpha
            verdict = (
                "major shift"
                if significant and result.psi >= psi_fail
                else "moderate shift"
                if significant and result.psi >= psi_warn
                else "stable"
            )
            rows.append(
                (
                    attr.name,
                    attr.kind,
                    reference,
                    other,
                    result.psi,
                    result.ks,
                    result.p_value,
                    result.missing_reference,
                    result.missing_other,
                    verdict,
                )
            )
    frame = pd.DataFrame(rows, columns=list(DRIFT_COLUMNS))
    return frame.sort_values("psi", ascending=False, kind="stable").reset_index(drop=True)


def _summary(shifted: pd.DataFrame, reference: str, psi_warn: float) -> str:
    if shifted.empty:
        return (
            f"No feature drifts between '{reference}' and the other split(s): no difference is both large "
            f"(PSI at least {psi_warn:g}) and statistically significant."
        )
    top = shifted.iloc[0]
    return (
        f"{shifted['attribute'].nunique()} feature(s) are distributed differently outside '{reference}' "
        f"(largest: '{top['attribute']}' in '{top['split']}', PSI {top['psi']:.2f}); the test scores will not "
        "reflect training conditions: re-split at random or collect matching data."
    )
