"""Find samples that do not belong: another domain (a photo among digits, noise, a blank), or a row far
outside the others, judged on the whole feature vector, not one property at a time.

Two views of the same matrix (see `recipe_dash.analyzers._models.model_input`, labels not used):
isolation forest (how few random splits isolate a sample) and the mean distance to the k nearest
neighbours in a reference sample. Each view's raw score becomes a robust z-score (median 0, IQR
scale: `_robust.robust_z`) and the outlier score is their mean, so a sample must look odd to both to rank first.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from recipe_dash.analyzers._models import EmbeddingSource, ModelInput, check_embedding, model_input
from recipe_dash.analyzers._per_sample import MAX_ROWS, keep_worst, score_histogram
from recipe_dash.analyzers._robust import robust_z
from recipe_dash.analyzers.base import CheckDetails, Result
from recipe_dash.analyzers.findings import findings_frame
from recipe_dash.evidence import Verdict
from recipe_dash.io.dataset import Dataset
from recipe_dash.validation import check_number, check_seed

VIEWS = ("isolation_forest", "knn_distance")


@dataclass(frozen=True, kw_only=True)
class Details(CheckDetails):
    views: tuple[str, ...]
    threshold: float  # combined robust z-score at which a sample is flagged
    source: str  # what the samples were described by: "image", "table" or "embedding"
    excluded_columns: pd.DataFrame  # column, reason
    # sample_id, label, split, scored, outlier_score, score, one column per view, is_outlier, why;
    # the max_score_rows highest scores
    scores: pd.DataFrame = field(default_factory=pd.DataFrame)
    score_histogram: pd.DataFrame = field(default_factory=pd.DataFrame)  # left, right, count, flagged


_STRONG = 3.0  # a named feature this many robust standard deviations from the median is worth naming


def analyze(
    dataset: Dataset,
    features: pd.DataFrame,
    *,
    embedding: EmbeddingSource | None = None,
    threshold: float = 5.0,
    n_neighbors: int = 10,
    max_reference: int = 5_000,
    n_estimators: int = 200,
    max_share: float = 0.05,
    max_score_rows: int = MAX_ROWS,
    seed: int = 0,
) -> Result:
    """Score every sample; flag those whose combined robust z-score reaches `threshold`.

    At most `max_share` of the samples are flagged (the highest first): more than that is a second
    population, not outliers. The kNN view compares with at most `max_reference` sampled rows.
    `details.scores` keeps the `max_score_rows` highest scores; the histogram covers all.
    """
    check_embedding(embedding)
    check_number("threshold", threshold, low=0, low_open=True, why="a robust z-score")
    check_number("n_neighbors", n_neighbors, low=1, integer=True)
    check_number(
        "max_reference", max_reference, low=n_neighbors + 1, integer=True, why="n_neighbors + 1 rows to compare with"
    )
    check_number("n_estimators", n_estimators, low=1, integer=True, why="trees in the isolation forest")
    check_number("max_share", max_share, low=0, high=1, low_open=True, why="a share of the samples")
    check_number("max_score_rows", max_score_rows, low=0, integer=True)
    check_seed(seed)
    inputs = model_input(dataset, features, embedding=embedding)  # leaking columns kept out, as for label noise
    n_rows = len(inputs.matrix)
    details = Details(views=VIEWS, threshold=threshold, source=inputs.source, excluded_columns=inputs.excluded)
    min_rows = max(2 * n_neighbors, 20)
    if n_rows < min_rows or inputs.matrix.shape[1] == 0:
        reason = (
            f"only {n_rows} sample(s) have a feature vector; outlier scores need at least {min_rows}."
            if n_rows < min_rows
            else "no column is left to describe the samples."
        )
        summary = f"Outliers not measured: {reason}"
        return Result("outliers", "not_measured", summary, findings_frame(), replace(details, skipped=reason))
    balanced = _balance_blocks(inputs)
    rng = np.random.default_rng(seed)
    views = np.column_stack(
        [
            robust_z(_isolation_scores(balanced, n_estimators=n_estimators, seed=seed)),
            robust_z(np.log(_knn_distances(balanced, n_neighbors=n_neighbors, max_reference=max_reference, rng=rng))),
        ]
    )
    combined = views.mean(axis=1)
    flagged = combined >= threshold
    cap = max(1, int(max_share * n_rows))
    if flagged.sum() > cap:
        flagged &= combined >= np.sort(combined)[-cap]
    why = np.full(n_rows, None, dtype=object)
    why[flagged] = [_explain(inputs, int(row), views[row]) for row in np.flatnonzero(flagged)]
    probability = 1.0 / (1.0 + np.exp(-(combined - threshold)))  # 0.5 at the threshold, near 1 well above it
    scores = _scores(dataset, inputs, combined=combined, probability=probability, views=views, flagged=flagged, why=why)
    details = replace(
        details,
        scores=keep_worst(scores, "outlier_score", high_is_bad=True, limit=max_score_rows),
        score_histogram=score_histogram(scores["outlier_score"].to_numpy(), scores["is_outlier"].to_numpy()),
    )
    hits = scores[scores["is_outlier"]].sort_values("outlier_score", ascending=False, kind="stable")
    findings = findings_frame(
        sample_id=hits["sample_id"].to_numpy(),
        issue_type="outlier",
        score=hits["score"].to_numpy(),
        group=None,
        detail=hits["why"].to_numpy(),
    )
    verdict: Verdict = "warn" if len(findings) else "pass"
    return Result("outliers", verdict, _summary(len(findings), n_rows, hits), findings, details)


def _balance_blocks(inputs: ModelInput) -> np.ndarray:
    """Images: the many shape numbers (gradient histograms) weigh as much together as the few named statistics
    (brightness, contrast, blur, colour), so a photo among digits stands out by its statistics as much as an
    odd shape does by its strokes. Tables and embeddings, all named or all unnamed, are unchanged."""
    named = inputs.named
    if named.all() or not named.any():
        return inputs.matrix
    spread = inputs.matrix.var(axis=0)
    weights = np.ones(len(named), dtype=np.float32)
    weights[~named] = np.sqrt(spread[named].sum() / max(float(spread[~named].sum()), 1e-12))
    return inputs.matrix * weights


def _isolation_scores(matrix: np.ndarray, *, n_estimators: int, seed: int) -> np.ndarray:
    # sklearn takes about a second to import and only the model-based checks need it
    from sklearn.ensemble import IsolationForest

    forest = IsolationForest(n_estimators=n_estimators, max_samples=min(256, len(matrix)), random_state=seed)
    return np.asarray(-forest.fit(matrix).score_samples(matrix))  # higher = easier to isolate


def _knn_distances(matrix: np.ndarray, *, n_neighbors: int, max_reference: int, rng: np.random.Generator) -> np.ndarray:
    """Mean distance to the k nearest other samples of a reference sample (self-matches skipped)."""
    # sklearn takes about a second to import and only the model-based checks need it
    from sklearn.neighbors import NearestNeighbors

    n_rows = len(matrix)
    reference = np.sort(rng.choice(n_rows, size=min(n_rows, max_reference), replace=False))
    index = NearestNeighbors(n_neighbors=n_neighbors + 1, algorithm="brute").fit(matrix[reference])
    with threadpool_limits(1, user_api="blas"):  # sklearn runs chunks in parallel; nested BLAS threads slow it
        distances, neighbours = index.kneighbors(matrix)
    is_self = reference[neighbours] == np.arange(n_rows)[:, None]
    # Drop the sample itself where it is in the reference set, else the farthest of the k + 1.
    drop = np.where(is_self.any(axis=1), is_self.argmax(axis=1), n_neighbors)
    keep = np.ones_like(is_self)
    keep[np.arange(n_rows), drop] = False
    mean = distances[keep].reshape(n_rows, n_neighbors).mean(axis=1)
    return np.asarray(np.maximum(mean, 1e-9))


def _explain(inputs: ModelInput, row: int, view_z: np.ndarray) -> str:
    """Which view found it, and which named features are far from typical (matrix values are robust z)."""
    leading = VIEWS[int(np.argmax(view_z))].replace("_", " ")
    values = inputs.matrix[row]
    named = np.flatnonzero(inputs.named & (np.abs(values) >= _STRONG))
    top = named[np.argsort(-np.abs(values[named]))][:3]
    parts = [f"{inputs.feature_names[i]} {values[i]:+.1f} sd" for i in top]
    features = f"unusual {', '.join(parts)}" if parts else "an unusual overall pattern, no single property extreme"
    return f"Far from the other samples ({leading} z={view_z.max():.1f}, other view z={view_z.min():.1f}); {features}."


def _scores(
    dataset: Dataset,
    inputs: ModelInput,
    *,
    combined: np.ndarray,
    probability: np.ndarray,
    views: np.ndarray,
    flagged: np.ndarray,
    why: np.ndarray,
) -> pd.DataFrame:
    """One row per sample (arrays are per matrix row); unscored samples (no feature vector) get NaN."""
    frame = dataset.samples[["sample_id", "label", "split"]].reset_index(drop=True)

    def spread(values: np.ndarray, fill: object) -> np.ndarray:
        out = np.full(len(frame), fill, dtype=values.dtype if fill is not None else object)
        out[inputs.rows] = values
        return out

    columns = {"scored": inputs.rows, "outlier_score": spread(combined, np.nan), "score": spread(probability, np.nan)}
    columns |= {view: spread(views[:, i], np.nan) for i, view in enumerate(VIEWS)}
    columns |= {"is_outlier": spread(flagged, False), "why": pd.array(spread(why, None), dtype="string")}
    return frame.assign(**columns)


def _summary(n_flagged: int, n_rows: int, hits: pd.DataFrame) -> str:
    if not n_flagged:
        return f"No sample stands out among the {n_rows:,} scored: nothing looks like it comes from another source."
    return (
        f"{n_flagged:,} of {n_rows:,} sample(s) look like they come from elsewhere (worst: "
        f"'{hits['sample_id'].iloc[0]}'); look at them first and drop or fix those that do not belong."
    )
