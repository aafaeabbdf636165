"""Plotly figures of the training workbench (no Streamlit here): curves, LR finder, check evidence."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

_MARGIN = dict(l=10, r=10, t=40, b=10)
_SMOOTH_POINTS = 25  # training curves: centred rolling mean over this many steps (batch losses are noisy)
_X_TITLES = {"step": "step", "epoch": "epoch", "wall_time": "seconds since the run started"}
_REFERENCE_COLOURS = ("#636363", "#111111")  # majority class (dotted), linear model (dash-dot): apart from runs


def curves_figure(
    metrics: pd.DataFrame,
    labels: dict[int, str],
    *,
    references: dict[int, list[dict[str, Any]]] | None = None,
    x: str = "step",
    log_loss: bool = False,
) -> go.Figure:
    """Loss and accuracy of runs of any kinds on one chart: train (smoothed steps) solid, validation dashed,
    one colour per run; a baseline run's reference lines (majority class, linear model) dotted, flat.

    `x` is "step", "epoch" or "wall_time": an overfit run takes one step per epoch, so steps or seconds
    put it beside a normal run where epochs would not.
    """
    figure = make_subplots(rows=1, cols=2, subplot_titles=("loss", "accuracy"), horizontal_spacing=0.08)
    colours = px.colors.qualitative.Plotly
    for i, (run_id, label) in enumerate(labels.items()):
        colour = colours[i % len(colours)]
        rows = metrics[metrics["run_id"] == run_id]
        train, val = rows[rows["split"] == "train"], rows[rows["split"] == "val"]
        window = max(1, min(_SMOOTH_POINTS, len(train) // 10 or 1))
        for col, column in ((1, "loss"), (2, "accuracy")):
            smoothed = train[column].rolling(window, center=True, min_periods=1).mean()  # centred: no lag
            for split, points, y, dash in (("train", train, smoothed, None), ("validation", val, val[column], "dash")):
                figure.add_trace(
                    go.Scatter(
                        x=points[x],
                        y=y,
                        mode="lines" if split == "train" else "lines+markers",
                        line=dict(color=colour, dash=dash),
                        name=f"{label} · {split}",
                        legendgroup=label,
                        showlegend=col == 1,
                    ),
                    row=1,
                    col=col,
                )
    span = [metrics[x].min(), metrics[x].max()] if len(metrics) else [0, 1]
    for run_id, lines in (references or {}).items():
        for j, line in enumerate(lines):
            name = f"{labels.get(run_id, f'run {run_id}')} · {line['name']}"
            for col, value in ((1, line["val_loss"]), (2, line["val_accuracy"])):
                figure.add_trace(
                    go.Scatter(
                        x=span,
                        y=[value, value],
                        mode="lines",
                        line=dict(color=_REFERENCE_COLOURS[j % 2], dash=("dot", "dashdot")[j % 2], width=2),
                        name=name,
                        legendgroup=name,
                        showlegend=col == 1,
                        hovertemplate=f"{line['name']}: %{{y:.3f}}<extra></extra>",
                    ),
                    row=1,
                    col=col,
                )
    figure.update_xaxes(title_text=_X_TITLES[x])
    if log_loss:
        figure.update_yaxes(type="log", col=1)
    else:
        figure.update_yaxes(rangemode="tozero", col=1)
    figure.update_yaxes(range=[0, 1.02], tickformat=".0%", col=2)
    figure.update_layout(height=420, margin=_MARGIN, legend=dict(orientation="h", y=-0.2))
    return figure


def lr_figure(
    lrs: list[float],
    losses: list[float],
    smoothed: list[float],
    suggested: float | None,
    *,
    span: tuple[float, float] | None = None,
) -> go.Figure:
    """Loss against an exponentially rising learning rate (log axis), the suggestion (once there is one) and
    3e-4 marked; a partial curve is drawn on the whole ramp's `span`, so it grows left to right."""
    upper = 1.5 * max(smoothed[:5]) if smoothed else 1.0  # the blow-up at the end would flatten the rest
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=lrs, y=losses, mode="markers", name="batch loss", marker=dict(size=4, opacity=0.4)))
    figure.add_trace(go.Scatter(x=lrs, y=smoothed, mode="lines", name="smoothed"))
    marks = [(3e-4, "Adam's default 3e-4", "dot")]
    if suggested is not None:
        marks.insert(0, (suggested, f"suggested {suggested:.1e}", "dash"))
    for x, name, dash in marks:
        figure.add_trace(go.Scatter(x=[x, x], y=[0, upper], mode="lines", name=name, line=dict(dash=dash, width=2)))
    figure.update_xaxes(type="log", title_text="learning rate")
    if span is not None:
        figure.update_xaxes(range=[np.log10(span[0]), np.log10(span[1])])
    figure.update_yaxes(title_text="training loss", range=[0, upper])
    figure.update_layout(height=360, margin=_MARGIN)
    return figure


def line_figure(values: list[float], *, title: str, y_title: str = "loss") -> go.Figure:
    figure = go.Figure(go.Scatter(y=values, mode="lines"))
    figure.update_layout(title=title, height=260, margin=_MARGIN, xaxis_title="step", yaxis_title=y_title)
    return figure


def gradient_figure(parameters: list[dict[str, Any]]) -> go.Figure:
    """Gradient norm per parameter (log scale); frozen, dead and unused ones marked."""
    frame = pd.DataFrame(parameters)
    frame["shown"] = frame["grad_norm"].where(frame["grad_norm"] > 0, np.nan)
    figure = px.bar(
        frame,
        x="parameter",
        y="shown",
        color="status",
        log_y=True,
        color_discrete_map={"ok": "#2a9d8f", "frozen": "#e76f51", "dead": "#e63946", "unused": "#f4a261"},
    )
    figure.update_layout(height=300, margin=_MARGIN, yaxis_title="gradient norm", xaxis_title=None)
    return figure


def dependency_figure(matrix: list[list[float]]) -> go.Figure:
    """|d loss_i / d input_j|: only the diagonal may be non-zero."""
    values = np.asarray(matrix, dtype=float)
    figure = go.Figure(
        go.Heatmap(z=np.log10(values + 1e-12), colorscale="Viridis", colorbar=dict(title="log10 |grad|"))
    )
    figure.update_layout(
        height=320,
        margin=_MARGIN,
        xaxis_title="input of sample j",
        yaxis_title="loss of sample i",
        yaxis_autorange="reversed",
    )
    return figure


def model_check_figure(name: str, details: dict[str, Any]) -> go.Figure | None:
    """The evidence plot of a model check (`CheckResult.details`), None for checks without one or no details."""
    if not details:
        return None
    if name == "init_well":
        return before_after_figure(details)
    if name in ("overfit_one_batch", "decreasing_loss"):
        title = "one small batch" if name == "overfit_one_batch" else "short training"
        return line_figure(details["losses"], title=title)
    if name == "gradient_flow":
        return gradient_figure(details["parameters"])
    if name == "batch_independence":
        return dependency_figure(details["dependency"])
    return None


def before_after_figure(details: dict[str, Any]) -> go.Figure:
    names = ["at init", "bias = log priors", "priors' entropy"]
    values = [details.get("before"), details.get("after"), details.get("prior_entropy")]
    figure = go.Figure(go.Bar(x=names, y=values, text=[f"{v:.3f}" if v is not None else "" for v in values]))
    figure.update_layout(height=260, margin=_MARGIN, yaxis_title="loss")
    return figure


def signals_figure(table: pd.DataFrame) -> go.Figure:
    """Validation accuracy after each feature group is switched on, in order."""
    figure = go.Figure(
        go.Scatter(
            x=table["added"],
            y=table["val_accuracy"],
            mode="lines+markers+text",
            text=[f"{v:.1%}" for v in table["val_accuracy"]],
            textposition="top center",
        )
    )
    figure.update_layout(
        height=320,
        margin=_MARGIN,
        yaxis_title="validation accuracy",
        xaxis_title="feature group added",
        yaxis_tickformat=".0%",
    )
    return figure


def prediction_dynamics_figure(frame: pd.DataFrame) -> go.Figure:
    """Tracked samples (rows) by epoch (columns): colour = probability of the true class, text = prediction."""
    frame = frame.assign(
        row=frame["sample_id"].astype(str) + " (" + frame["label"].astype(str) + ")",
        p_true=np.exp(-frame["loss"].astype(float)),
    )
    z = frame.pivot(index="row", columns="epoch", values="p_true")
    text = frame.pivot(index="row", columns="epoch", values="predicted").reindex_like(z).astype(str)
    figure = go.Figure(
        go.Heatmap(
            z=z.to_numpy(),
            x=[str(c) for c in z.columns],
            y=list(z.index),
            text=text.to_numpy(),
            texttemplate="%{text}",
            zmin=0,
            zmax=1,
            colorscale="RdYlGn",
            colorbar=dict(title="p(true)"),
        )
    )
    figure.update_layout(
        height=max(300, 28 * len(z) + 80), margin=_MARGIN, xaxis_title="epoch", yaxis_autorange="reversed"
    )
    return figure


def batch_images(x: np.ndarray) -> tuple[list[np.ndarray], str]:
    """A batch (N, C, H, W) as displayable images, and how its values were mapped to pixels.

    Values already in [0, 1] are shown as they are; others (standardized inputs) are mapped from the
    batch's min..max, which the caption says, so what you see is still exactly what the net got.
    """
    low, high = float(x.min()), float(x.max())
    if low >= 0.0 and high <= 1.0:
        scaled, how = x, "values in [0, 1] shown as they are"
    else:
        scaled, how = (x - low) / max(high - low, 1e-12), f"values {low:.2f}..{high:.2f} mapped to black..white"
    images = [np.clip(img.transpose(1, 2, 0) * 255, 0, 255).astype(np.uint8) for img in scaled]
    return [img[:, :, 0] if img.shape[2] == 1 else img for img in images], how
