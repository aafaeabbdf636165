"""The Browse page's figures."""

from __future__ import annotations

import plotly.express as px
import plotly.graph_objects as go

from recipe_dash.io import Dataset


def class_count_chart(dataset: Dataset) -> go.Figure:
    """Bars per class, one colour per split, so imbalance and split skew show at a glance."""
    data = dataset.class_counts()
    figure = px.bar(
        data,
        x="label",
        y="count",
        color="split",
        barmode="group",
        category_orders={"label": list(dataset.class_names), "split": list(dataset.splits)},
        labels={"label": "class", "count": "samples"},
        text_auto=True,
    )
    figure.update_xaxes(type="category")
    figure.update_layout(margin=dict(l=10, r=10, t=30, b=10), height=320, legend_title_text="split")
    return figure
