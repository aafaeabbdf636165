"""Figures of the Regularize step: the learning curve, runs against their reference, the ensemble, and the
first layer's weights. Runs' curves are overlaid with `curves_figure` (plots/training.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

_MARGIN = dict(l=10, r=10, t=40, b=10)
_TRAIN, _VAL, _GAP = "#636efa", "#ef553b", "rgba(239, 85, 59, 0.12)"


def learning_curve_figure(points: pd.DataFrame, metric: str) -> go.Figure:
    """Validation (with its 95% interval) and training metric against training samples (log axis); the gap
    between them shaded, each point named by its fraction."""
    name = metric.replace("_", " ")
    done = points.dropna(subset=["val"]).sort_values("n_train")
    figure = go.Figure()
    if not done.empty:
        x = done["n_train"].tolist()
        figure.add_trace(
            go.Scatter(
                x=x + x[::-1],
                y=done["train"].tolist() + done["val"].tolist()[::-1],
                fill="toself",
                fillcolor=_GAP,
                line=dict(width=0),
                hoverinfo="skip",
                name="train/validation gap",
            )
        )
        figure.add_trace(
            go.Scatter(
                x=x, y=done["train"], mode="lines+markers", name=f"training {name} (eval mode)", line=dict(color=_TRAIN)
            )
        )
        figure.add_trace(
            go.Scatter(
                x=x,
                y=done["val"],
                mode="lines+markers+text",
                text=done["label"],
                textposition="bottom center",
                name=f"validation {name}",
                line=dict(color=_VAL, width=3),
                error_y=dict(
                    type="data",
                    symmetric=False,
                    array=(done["val_high"] - done["val"]).clip(lower=0),
                    arrayminus=(done["val"] - done["val_low"]).clip(lower=0),
                ),
            )
        )
    figure.update_xaxes(type="log", title_text="training samples (log scale)")
    figure.update_yaxes(title_text=name, tickformat=".0%")
    figure.update_layout(height=400, margin=_MARGIN, legend=dict(orientation="h", y=-0.25))
    return figure


def comparison_figure(table: pd.DataFrame, metric: str) -> go.Figure:
    """Each run's final training and validation metric (eval mode) side by side, and its train/validation gap,
    the reference's gap dashed across."""
    name = metric.replace("_", " ")
    done = table[table["status"] == "done"]
    figure = make_subplots(
        rows=1, cols=2, subplot_titles=(f"final {name}", "train - validation gap"), horizontal_spacing=0.12
    )
    figure.add_trace(go.Bar(x=done["label"], y=done["train"], name="training (eval mode)", marker_color=_TRAIN), 1, 1)
    figure.add_trace(go.Bar(x=done["label"], y=done["val"], name="validation", marker_color=_VAL), 1, 1)
    colours = ["#7f7f7f" if i == 0 else "#00a087" for i in range(len(done))]
    figure.add_trace(
        go.Bar(
            x=done["label"],
            y=done["gap"],
            name="gap",
            marker_color=colours,
            showlegend=False,
            text=[f"{g * 100:.1f}" for g in done["gap"]],
            textposition="outside",
        ),
        1,
        2,
    )
    if len(table) and table["status"].iloc[0] == "done":
        figure.add_hline(y=float(table["gap"].iloc[0]), line_dash="dash", line_color="#7f7f7f", row=1, col=2)
    figure.update_yaxes(tickformat=".0%", col=1)
    figure.update_yaxes(tickformat=".1~%", col=2, rangemode="tozero")  # gaps of a few points: no "3%, 3%" ticks
    figure.update_layout(height=400, margin=_MARGIN, barmode="group", legend=dict(orientation="h", y=-0.3))
    return figure


def ensemble_figure(members: pd.DataFrame, ensemble: float | None, metric: str) -> go.Figure:
    """Each member's validation metric and the ensemble's, the best single member dashed across."""
    done = members.dropna(subset=["val"])
    labels = [*done["label"], *(["ensemble"] if ensemble is not None else [])]
    values = [*done["val"], *([ensemble] if ensemble is not None else [])]
    colours = ["#7f7f7f"] * len(done) + (["#00a087"] if ensemble is not None else [])
    figure = go.Figure(
        go.Bar(x=labels, y=values, marker_color=colours, text=[f"{v:.1%}" for v in values], textposition="inside")
    )  # inside: a label above its bar would sit on the dashed line when the two are within a point
    if not done.empty:
        figure.add_hline(
            y=float(done["val"].max()),
            line_dash="dash",
            annotation_text="best single model",
            annotation_position="top left",
        )
    low = min(values) if values else 0.0
    figure.update_yaxes(
        title_text=f"validation {metric.replace('_', ' ')}", tickformat=".0%", range=[max(0.0, low - 0.1), 1.02]
    )
    figure.update_layout(height=360, margin=_MARGIN)
    return figure


def first_layer_figure(kind: str, picture: np.ndarray, *, feature_names: list[str] | None = None) -> go.Figure:
    """A mosaic of filters (grey = 0, lighter positive) or a units x features heatmap (blue negative, red
    positive)."""
    if kind == "images":
        figure = px.imshow(picture)
        figure.update_xaxes(visible=False)
        figure.update_yaxes(visible=False)
        side = max(240, min(640, 8 * picture.shape[0]))
        figure.update_layout(height=side, margin=dict(l=0, r=0, t=0, b=0))
        return figure
    limit = float(np.abs(picture).max()) or 1.0
    x: list[Any] | None = list(feature_names) if feature_names and len(feature_names) == picture.shape[1] else None
    figure = go.Figure(
        go.Heatmap(z=picture, x=x, colorscale="RdBu_r", zmin=-limit, zmax=limit, colorbar=dict(title="weight"))
    )
    figure.update_yaxes(title_text="unit", autorange="reversed")
    figure.update_layout(height=max(300, min(700, 12 * picture.shape[0])), margin=_MARGIN)
    return figure
