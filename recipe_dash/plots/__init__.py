"""Every plotly figure the pages show, built from frames of a check's details or a run's metrics."""

from __future__ import annotations

from recipe_dash.plots.browse import class_count_chart
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
from recipe_dash.plots.regularize import (
    comparison_figure,
    ensemble_figure,
    first_layer_figure,
    learning_curve_figure,
)
from recipe_dash.plots.training import (
    batch_images,
    before_after_figure,
    curves_figure,
    dependency_figure,
    gradient_figure,
    line_figure,
    lr_figure,
    model_check_figure,
    prediction_dynamics_figure,
    signals_figure,
)
from recipe_dash.plots.tuning import history_figure, importance_figure, intermediate_figure, parallel_figure

__all__ = [
    "batch_images",
    "before_after_figure",
    "class_count_chart",
    "class_noise_bar",
    "comparison_figure",
    "curves_figure",
    "dependency_figure",
    "drift_bar",
    "ensemble_figure",
    "first_layer_figure",
    "gradient_figure",
    "histogram_by_group",
    "history_figure",
    "importance_figure",
    "intermediate_figure",
    "label_quality_histogram",
    "label_rates_bar",
    "learning_curve_figure",
    "line_figure",
    "local_global_bar",
    "lr_figure",
    "model_check_figure",
    "noise_matrix_heatmap",
    "outlier_score_histogram",
    "outlier_views_scatter",
    "parallel_figure",
    "prediction_dynamics_figure",
    "predictive_power_bar",
    "signals_figure",
]
