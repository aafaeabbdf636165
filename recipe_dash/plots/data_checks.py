"""Plotly figures for the model-based data pages, built from the analyzers' `Result.details` only.

Pages call these and pass the figure to `st.plotly_chart`; nothing here reads files or runs models.
Every table argument is a frame of a check's typed `Details`; none is changed here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

_VERDICT_COLOURS = {"leak": "#d62728", "bias": "#ff7f0e", "ok": "#1f77b4"}
_FLAG_COLOURS = {True: "#d62728", False: "#1f77b4"}


def noise_matrix_heatmap(joint: pd.DataFrame) -> go.Figure:
    """Rows: given label; columns: estimated true label; cells: share of the row's samples (label_noise)."""
    long = joint
    order = list(dict.fromkeys(long["given_label"]))
    square = long.pivot(index="given_label", columns="true_label", values="share_of_given").loc[order, order]
    rows = square.to_numpy(dtype=float)
    fig = go.Figure(
        go.Heatmap(
            z=rows,
            x=order,
            y=order,
            colorscale="Reds",
            zmin=0,
            zmax=1,
            text=np.vectorize(lambda v: f"{v:.0%}" if v >= 0.005 else "")(rows),
            texttemplate="%{text}",
            hovertemplate="given %{y}, true %{x}: %{z:.1%}<extra></extra>",
        )
    )
    fig.update_layout(
        title="Estimated true label for each given label",
        xaxis_title="true label (estimated)",
        yaxis_title="given label",
        yaxis_autorange="reversed",
    )
    fig.update_xaxes(type="category")  # class names like "0".."9": every tick, not a numeric scale
    fig.update_yaxes(type="category")
    return fig


def class_noise_bar(class_noise: pd.DataFrame) -> go.Figure:
    """Estimated share of mislabelled samples per given class (label_noise `class_noise`)."""
    fig = px.bar(
        class_noise,
        x="label",
        y="noise_rate",
        hover_data=["n_samples", "n_flagged", "mostly_confused_with"],
        labels={"noise_rate": "estimated noise rate", "label": "given label"},
    )
    fig.update_yaxes(tickformat=".0%")
    fig.update_xaxes(type="category")
    fig.update_layout(title="Estimated label noise per class")
    return fig


def label_quality_histogram(histogram: pd.DataFrame) -> go.Figure:
    """Label quality (probability of the given label) over all scored samples, flagged ones in red
    (label_noise `quality_histogram`)."""
    fig = _stacked_histogram(histogram, "flagged", "kept")
    fig.update_layout(title="Label quality", xaxis_title="label quality (out-of-fold probability of the given label)")
    return fig


def outlier_views_scatter(scores: pd.DataFrame) -> go.Figure:
    """The two outlier views against each other; flagged samples in red, hover shows id and why.

    Axes span the bulk of the samples (robust range); the few beyond it are drawn on the edge as open
    diamonds with their true values on hover, so one extreme sample cannot squash the rest into a dot.
    """
    frame = scores
    scored = frame[frame["scored"]].assign(flagged=lambda f: f["is_outlier"].map({True: "outlier", False: "typical"}))
    views = ["isolation_forest", "knn_distance"]
    shown, beyond = clip_to_view(scored, views)
    fig = px.scatter(
        shown.assign(
            where=np.where(beyond, "beyond the axes (drawn at the edge)", "within the axes"),
            **{f"{v} (value)": scored[v] for v in views},
        ),
        x="isolation_forest",
        y="knn_distance",
        color="flagged",
        symbol="where" if beyond.any() else None,  # the legend names the edge only when something sits on it
        symbol_map={"within the axes": "circle", "beyond the axes (drawn at the edge)": "diamond-open"},
        hover_data={"sample_id": True, "label": True, "split": True, "outlier_score": ":.2f", "where": False}
        | {f"{v} (value)": ":.3g" for v in views},
        color_discrete_map={"outlier": _FLAG_COLOURS[True], "typical": _FLAG_COLOURS[False]},
        labels={"isolation_forest": "isolation forest (robust z)", "knn_distance": "kNN distance (robust z)"},
    )
    clipped = f" ({int(beyond.sum()):,} beyond the axes, at the edge)" if beyond.any() else ""
    fig.update_layout(
        title=f"Outlier scores: two views{clipped}",
        legend={"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0},  # beside it, it squeezed a half-width plot
    )
    return fig


def clip_to_view(frame: pd.DataFrame, columns: list[str], *, share: float = 0.01) -> tuple[pd.DataFrame, np.ndarray]:
    """Values clipped to a robust view, the `share` quantiles each side widened by three times their span,
    and which rows were moved. Ordinary tails and real outliers (a robust z of 15 among values of -3..3)
    stay where they are; only values far enough to squash everything else (a z of 10^6) go to the edge."""
    shown = frame.copy()
    moved = np.zeros(len(frame), dtype=bool)
    for column in columns:
        values = frame[column].astype(float)
        finite = values[np.isfinite(values)]
        if finite.empty:
            continue
        low, high = np.quantile(finite, [share, 1 - share])
        pad = 3 * (high - low) or 1.0
        low, high = low - pad, high + pad
        moved |= ((values < low) | (values > high)).to_numpy()
        shown[column] = values.clip(low, high)
    return shown, moved


def outlier_score_histogram(histogram: pd.DataFrame, *, threshold: float) -> go.Figure:
    """Combined outlier scores of all samples with the flagging threshold (outliers `score_histogram`)."""
    fig = _stacked_histogram(histogram, "outlier", "typical")
    _marker_line(fig, threshold, "threshold", line_dash="dash", line_color=_FLAG_COLOURS[True])
    fig.update_yaxes(type="log", dtick=1)  # ticks at 1, 10, 100 only; minor labels read as noise
    fig.update_layout(title="Outlier scores", xaxis_title="outlier score (mean robust z of both views)")
    return fig


def predictive_power_bar(power: pd.DataFrame, *, leak_threshold: float) -> go.Figure:
    """Balanced accuracy of each attribute alone, with chance and the near-perfect bar (biases; a table leak is
    judged against the other columns too, so it can sit left of the bar)."""
    frame = power
    ordered = frame.sort_values("balanced_accuracy", kind="stable")
    fig = px.bar(
        ordered,
        x="balanced_accuracy",
        y="attribute",
        color="verdict",
        orientation="h",
        color_discrete_map=_VERDICT_COLOURS,
        hover_data=["skill", "n_codes", "n_samples"],
        labels={"balanced_accuracy": "balanced accuracy of this attribute alone (cross-validated)"},
    )
    chance = float(frame["chance"].iloc[0]) if len(frame) else 0.0
    _marker_line(fig, chance, "chance", side="left", line_dash="dot")
    _marker_line(
        fig, leak_threshold, "near-perfect", side="right", line_dash="dash", line_color=_VERDICT_COLOURS["leak"]
    )
    fig.update_layout(
        title="How well each attribute alone predicts the label",
        xaxis_range=[0, 1],
        height=max(300, 22 * len(frame) + 120),
    )
    return fig


def label_rates_bar(label_rates: pd.DataFrame, attribute: str) -> go.Figure:
    """Share of each label among the samples with each value of `attribute` (stacked to 100%)."""
    rates = label_rates
    rows = rates[rates["attribute"] == attribute]
    fig = px.bar(
        rows,
        x="value",
        y="share",
        color="label",
        hover_data=["count"],
        labels={"share": "share of samples", "value": attribute},
    )
    fig.update_yaxes(tickformat=".0%")
    fig.update_layout(title=f"Labels per value of '{attribute}'", barmode="stack")
    return fig


def histogram_by_group(histograms: pd.DataFrame, attribute: str, *, by: str = "label") -> go.Figure:
    """One attribute's histogram per class (`by="label"`) or per split, as shares so sizes compare.

    Numeric bins sit on a numeric axis at their centres (readable ticks, true spacing); categories
    keep their names.
    """
    frame = histograms
    rows = frame[(frame["attribute"] == attribute) & (frame["by"] == by)]
    numeric = rows["left"].notna().all() and len(rows) > 0
    x = "centre" if numeric else "bin_label"
    rows = rows.assign(centre=(rows["left"] + rows["right"]) / 2) if numeric else rows
    labels = {x: attribute, "share": "share of the group", "group": by}
    if numeric:  # one step line per group: ten classes stay readable where grouped bars become a barcode
        fig = px.line(
            rows, x=x, y="share", color="group", line_shape="hvh", hover_data=["bin_label", "count"], labels=labels
        )
    else:
        fig = px.bar(
            rows, x=x, y="share", color="group", barmode="group", hover_data=["bin_label", "count"], labels=labels
        )
        # a few distinct widths (16, 17, ..., 14000) are names: on a numeric axis one panorama leaves it empty
        fig.update_xaxes(type="category")
    fig.update_yaxes(tickformat=".0%")
    fig.update_layout(title=f"'{attribute}' by {by}")
    return fig


def drift_bar(drift: pd.DataFrame, *, psi_warn: float, psi_fail: float) -> go.Figure:
    """PSI per attribute and split against the reference split, with the warn and fail lines."""
    frame = drift
    ordered = frame.sort_values("psi", kind="stable")
    fig = px.bar(
        ordered,
        x="psi",
        y="attribute",
        color="split",
        orientation="h",
        barmode="group",
        hover_data=["ks", "p_value", "verdict"],
        labels={"psi": "population stability index (PSI)"},
    )
    _marker_line(fig, psi_warn, f"moderate {psi_warn:g}", side="left", line_dash="dot")
    _marker_line(
        fig, psi_fail, f"major {psi_fail:g}", side="right", line_dash="dash", line_color=_VERDICT_COLOURS["leak"]
    )
    reference = frame["reference"].iloc[0] if len(frame) else "reference"
    fig.update_layout(title=f"Drift from '{reference}'", height=max(300, 22 * frame["attribute"].nunique() + 120))
    return fig


def local_global_bar(accuracies: pd.DataFrame) -> go.Figure:
    """Balanced accuracy of the same model on the whole image, a downscaled one and patches."""
    frame = accuracies
    fig = px.bar(
        frame,
        x="input",
        y="balanced_accuracy",
        text_auto=".0%",
        labels={"balanced_accuracy": "balanced accuracy (cross-validated)", "input": "model input"},
    )
    fig.add_hline(y=float(frame["chance"].iloc[0]), line_dash="dot", annotation_text="chance")
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    fig.update_layout(title="Local patches vs the whole image")
    return fig


def _stacked_histogram(histogram: pd.DataFrame, flagged_name: str, kept_name: str) -> go.Figure:
    """Bars from precomputed bins (left, right, count, flagged): kept below, flagged on top in red."""
    centres = (histogram["left"] + histogram["right"]) / 2
    widths = histogram["right"] - histogram["left"]
    fig = go.Figure(
        [
            go.Bar(
                x=centres,
                y=histogram["count"] - histogram["flagged"],
                width=widths,
                name=kept_name,
                marker_color=_FLAG_COLOURS[False],
            ),
            go.Bar(
                x=centres, y=histogram["flagged"], width=widths, name=flagged_name, marker_color=_FLAG_COLOURS[True]
            ),
        ]
    )
    fig.update_layout(barmode="stack", yaxis_title="samples")
    return fig


def _marker_line(fig: go.Figure, x: float, text: str, *, side: str = "center", **line: Any) -> None:
    """A vertical reference line named above the plot area (inside it, the name sits on the top bar and cannot
    be read); two close lines name themselves on either side (`side="left"` ends the text at the line)."""
    position = {"left": "top left", "right": "top right", "center": "top"}[side]
    fig.add_vline(x=x, annotation_text=text, annotation_position=position, annotation_yanchor="bottom", **line)
    fig.update_layout(margin={"t": 90})
