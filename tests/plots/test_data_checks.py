"""The figures draw what the analyzers found: rows of the noise heatmap add up, the leak is red.

Details go through the store's JSON conversion first, as a page reading a stored result sees them.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from recipe_dash.analyzers import biases, distributions, label_noise, local_global, outliers
from recipe_dash.analyzers.base import CheckDetails, Result
from recipe_dash.plots import (
    class_noise_bar,
    drift_bar,
    histogram_by_group,
    label_quality_histogram,
    label_rates_bar,
    local_global_bar,
    noise_matrix_heatmap,
    outlier_score_histogram,
    outlier_views_scatter,
    predictive_power_bar,
)
from recipe_dash.plots.data_checks import clip_to_view
from tests.analyzers._planted import Planted


def stored(result: Result) -> CheckDetails:
    """The details as a page gets them back from the store: through JSON."""
    return type(result.details).from_json(json.loads(json.dumps(result.details.to_json())))


def test_label_noise_figures(table: Planted) -> None:
    result = label_noise.analyze(table.dataset, table.features)
    details = stored(result)
    heatmap = noise_matrix_heatmap(details.joint)
    z = np.asarray(heatmap.data[0].z)
    assert np.allclose(z.sum(axis=1), 1.0)
    assert list(heatmap.data[0].y) == ["benign", "malignant"]
    assert list(class_noise_bar(details.class_noise).data[0].x) == ["benign", "malignant"]
    quality = label_quality_histogram(details.quality_histogram)
    kept, flagged = quality.data
    assert sum(flagged.y) == len(result.findings)
    assert sum(kept.y) + sum(flagged.y) == details.n_scored


def test_outlier_figures(table: Planted) -> None:
    result = outliers.analyze(table.dataset, table.features)
    details = stored(result)
    scatter = outlier_views_scatter(details.scores)
    flagged = [trace for trace in scatter.data if trace.name.startswith("outlier")]
    assert sum(len(trace.x) for trace in flagged) == len(result.findings)
    histogram = outlier_score_histogram(details.score_histogram, threshold=details.threshold)
    assert histogram.layout.shapes[0].x0 == details.threshold
    assert sum(histogram.data[1].y) == len(result.findings)


def test_one_extreme_sample_does_not_squash_the_outlier_scatter() -> None:
    rng = np.random.default_rng(0)
    scores = pd.DataFrame(
        {
            "sample_id": [str(i) for i in range(500)],
            "label": "a",
            "split": "train",
            "scored": True,
            "isolation_forest": rng.normal(size=500),
            "knn_distance": rng.normal(size=500),
            "is_outlier": False,
        }
    )
    scores.loc[0, ["isolation_forest", "knn_distance", "is_outlier"]] = [1e6, 5e5, True]  # one sample far away
    scores["outlier_score"] = scores[["isolation_forest", "knn_distance"]].mean(axis=1)
    figure = outlier_views_scatter(scores)
    xs = np.concatenate([np.asarray(trace.x, dtype=float) for trace in figure.data])
    assert xs.max() < 20 and len(xs) == 500  # every sample drawn, the one at 10^6 at the edge of the view
    assert "1 beyond the axes" in figure.layout.title.text
    _, moved = clip_to_view(scores, ["isolation_forest"])
    assert moved.sum() == 1  # ordinary tails stay where they are


def test_bias_figures(table: Planted) -> None:
    details = stored(biases.analyze(table.dataset, table.features))
    bar = predictive_power_bar(details.predictive_power, leak_threshold=details.leak_threshold)
    leak = next(trace for trace in bar.data if trace.name == "leak")
    assert sorted(leak.y) == ["billing_code", "intake_score"]
    rates = label_rates_bar(details.label_rates, "notes")
    assert {trace.name for trace in rates.data} == {"benign", "malignant"}


def test_distribution_figures(table: Planted) -> None:
    details = stored(distributions.analyze(table.dataset, table.features))
    by_split = histogram_by_group(details.histograms, "mean radius", by="split")
    assert {trace.name for trace in by_split.data} == {"train", "test"}
    drift = drift_bar(details.drift, psi_warn=details.psi_warn, psi_fail=details.psi_fail)
    assert set(drift.data[0].y) == set(details.drift["attribute"])


def test_local_global_figure(digits: Planted) -> None:
    details = stored(local_global.analyze(digits.dataset, digits.features))
    figure = local_global_bar(details.accuracies)
    assert list(figure.data[0].y) == details.accuracies["balanced_accuracy"].tolist()


def test_a_few_distinct_numbers_are_bars_on_a_category_axis_so_one_panorama_cannot_empty_the_plot() -> None:
    widths = ["16", "17", "18", "14000"]
    histograms = pd.DataFrame(
        {
            "attribute": "width",
            "by": "label",
            "group": "cat",
            "bin": range(4),
            "bin_label": widths,
            "left": np.nan,
            "right": np.nan,
            "count": [700, 700, 700, 1],
            "share": [0.33, 0.33, 0.33, 0.0005],
            "beyond": 0,
        }
    )
    figure = histogram_by_group(histograms, "width")
    assert figure.layout.xaxis.type == "category"  # evenly spaced bars, not four slivers on a 0-14,000 axis
    assert list(figure.data[0].x) == widths
