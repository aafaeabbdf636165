"""Plotly figure builders for the pages; each takes frames from a `Result.details` and returns a figure."""

from __future__ import annotations

from recipe_dash.plots.data_checks import (
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

__all__ = [
    "class_noise_bar",
    "drift_bar",
    "histogram_by_group",
    "label_quality_histogram",
    "label_rates_bar",
    "local_global_bar",
    "noise_matrix_heatmap",
    "outlier_score_histogram",
    "outlier_views_scatter",
    "predictive_power_bar",
]
