"""Plotly figures of a study, drawn by optuna.visualization (no Streamlit here), dressed like our other charts.

Each returns None while the study has too little to draw (no completed trial; importance needs two),
so a page says what is missing instead of showing an empty frame.
"""

from __future__ import annotations

import warnings

import optuna
import plotly.graph_objects as go
from optuna.trial import TrialState
from optuna.visualization import (
    plot_intermediate_values,
    plot_optimization_history,
    plot_parallel_coordinate,
    plot_param_importances,
)

_MARGIN = dict(l=10, r=10, t=40, b=10)


def history_figure(study: optuna.Study, target: str) -> go.Figure | None:
    """Every completed trial's value (`target` names it) in trial order, with the best so far."""
    if not _completed(study):
        return None
    return _dressed(plot_optimization_history(study, target_name=target), "Optimization history")


def parallel_figure(study: optuna.Study, target: str) -> go.Figure | None:
    """One line per completed trial through its parameters, coloured by its value."""
    if not _completed(study):
        return None
    figure = _dressed(plot_parallel_coordinate(study, target_name=target), "Parallel coordinates")
    return figure.update_layout(margin=dict(_MARGIN, l=60, t=70))  # room for the first axis' ticks and the titles


def importance_figure(study: optuna.Study, target: str) -> go.Figure | None:
    """How much each parameter decides the value (Optuna's default evaluator, PED-ANOVA)."""
    if _completed(study) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        figure = plot_param_importances(study, target_name=target)
    return _dressed(figure, f"Parameter importance for the {target}")


def intermediate_figure(study: optuna.Study, target: str, last_epochs: int = 1) -> go.Figure | None:
    """Each trial's value epoch by epoch (with `last_epochs` > 1, the mean of that many epochs up to each):
    where pruned trials stopped, and where running ones are."""
    if not any(t.intermediate_values for t in study.get_trials(deepcopy=False)):
        return None
    figure = plot_intermediate_values(study)
    epochs = max(max(t.intermediate_values, default=1) for t in study.get_trials(deepcopy=False))
    figure.update_xaxes(title_text="epoch", tick0=1, dtick=max(1, round(epochs / 10)))  # whole epochs only
    figure.update_yaxes(title_text=target)
    mean = f" (at each epoch, the mean of the last {last_epochs})" if last_epochs > 1 else ""
    return _dressed(figure, f"{target.capitalize()} per epoch, every trial{mean}")


def _completed(study: optuna.Study) -> int:
    return len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))


def _dressed(figure: go.Figure, title: str) -> go.Figure:
    figure.update_layout(
        title=dict(text=title, font=dict(size=14)), height=380, margin=_MARGIN, legend=dict(orientation="h", y=-0.25)
    )
    return figure
