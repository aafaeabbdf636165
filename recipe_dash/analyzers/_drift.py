"""Is one split's distribution of an attribute different from the reference split's, and by how much?

Effect size is the population stability index (PSI) over the reference's decile bins (or the
categories), with one bin for missing values; the KS statistic is added for numbers. PSI alone
is biased upwards on small splits (about (bins - 1) * (1/n_ref + 1/n_other) with no drift at all),
so a shift also needs a chi-square test on the same bins to reject "same distribution".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recipe_dash.analyzers._models.attributes import MISSING, Attribute

_FLOOR = 1e-4  # share given to an empty bin, so PSI stays finite
_DECILES = np.linspace(0, 1, 11)[1:-1]


@dataclass(frozen=True)
class Shift:
    """How `other` differs from `reference` for one attribute."""

    psi: float
    ks: float  # NaN for categorical attributes or when a side has no numbers
    p_value: float  # chi-square test of equal bin shares; 1.0 when there is nothing to compare
    missing_reference: float  # share of missing values
    missing_other: float


def shift(attr: Attribute, reference: np.ndarray, other: np.ndarray) -> Shift:
    """Compare the samples selected by the boolean masks `reference` and `other`."""
    from scipy import stats  # half a second to import; only the distribution checks need it

    if attr.values is not None:
        values = attr.values
        ref_values, other_values = values[reference], values[other]
        ref_finite, other_finite = ref_values[~np.isnan(ref_values)], other_values[~np.isnan(other_values)]
        edges = np.unique(np.quantile(ref_finite, _DECILES)) if len(ref_finite) else np.array([])
        ref_codes, other_codes = _bins(ref_values, edges), _bins(other_values, edges)
        n_codes = len(edges) + 2  # bins, plus one for missing
        ks = (
            float(stats.ks_2samp(ref_finite, other_finite).statistic)
            if len(ref_finite) and len(other_finite)
            else float("nan")
        )
        missing = (float(np.isnan(ref_values).mean()), float(np.isnan(other_values).mean()))
    else:
        ref_codes, other_codes = attr.codes[reference], attr.codes[other]
        n_codes = len(attr.categories)
        ks = float("nan")
        missing = _missing_shares(attr, reference, other)
    ref_counts = np.bincount(ref_codes, minlength=n_codes)
    other_counts = np.bincount(other_codes, minlength=n_codes)
    return Shift(_psi(ref_counts, other_counts), ks, _chi2_p(ref_counts, other_counts), *missing)


def _bins(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    codes = np.searchsorted(edges, values, side="right")
    codes[np.isnan(values)] = len(edges) + 1
    return codes


def _missing_shares(attr: Attribute, reference: np.ndarray, other: np.ndarray) -> tuple[float, float]:
    if MISSING not in attr.categories:
        return 0.0, 0.0
    code = attr.categories.index(MISSING)
    return float((attr.codes[reference] == code).mean()), float((attr.codes[other] == code).mean())


def _psi(ref_counts: np.ndarray, other_counts: np.ndarray) -> float:
    if ref_counts.sum() == 0 or other_counts.sum() == 0:
        return 0.0
    p = np.maximum(ref_counts / ref_counts.sum(), _FLOOR)
    q = np.maximum(other_counts / other_counts.sum(), _FLOOR)
    return float(np.sum((q - p) * np.log(q / p)))


def _chi2_p(ref_counts: np.ndarray, other_counts: np.ndarray) -> float:
    from scipy import stats  # half a second to import; only the distribution checks need it

    table = np.vstack([ref_counts, other_counts])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return 1.0
    return float(stats.chi2_contingency(table).pvalue)
