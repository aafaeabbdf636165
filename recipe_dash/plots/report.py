"""The figures of each check's evidence, as the exported report shows them (the pages lay out the same ones)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from recipe_dash.io import Dataset
from recipe_dash.plots.browse import class_count_chart
from recipe_dash.plots.data_checks import (
    class_noise_bar,
    drift_bar,
    local_global_bar,
    noise_matrix_heatmap,
    outlier_score_histogram,
    predictive_power_bar,
)


def check_figures(check: str, details: Any, dataset: Dataset) -> list[go.Figure]:
    """The headline figures of one check's typed details; none for a check that did not run fully."""
    if details.skipped:
        return []
    if check == "imbalance":
        return [class_count_chart(dataset)]
    if check == "label_noise" and not details.joint.empty:
        return [noise_matrix_heatmap(details.joint), class_noise_bar(details.class_noise)]
    if check == "outliers" and not details.score_histogram.empty:
        return [outlier_score_histogram(details.score_histogram, threshold=details.threshold)]
    if check == "biases" and not details.predictive_power.empty:
        return [predictive_power_bar(details.predictive_power, leak_threshold=details.leak_threshold)]
    if check == "distributions" and not details.drift.empty:
        return [drift_bar(details.drift, psi_warn=details.psi_warn, psi_fail=details.psi_fail)]
    if check == "local_global" and not details.accuracies.empty:
        return [local_global_bar(details.accuracies)]
    return []
