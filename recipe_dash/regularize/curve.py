"""Would more data help? The validation metric against the share of the training split a model saw.

The verdict reads the curve's last doubling (e.g. 50% -> 100%): the gain in the validation metric per
doubling of the training set, with a 95% interval from the two runs' paired predictions on the same
validation samples. A gain surely above zero is "more data would likely help"; one surely under
FLAT_GAIN per doubling is "flat"; anything between says the validation set cannot tell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from recipe_dash.regularize.groups import Group, MemberState
from recipe_dash.regularize.paired import Difference, aligned, paired_difference, predicted_classes
from recipe_dash.training.artifacts import read_val_predictions

MIN_GAIN = 0.005  # 0.5 points per doubling: less is not worth collecting data for, even when certain
FLAT_GAIN = 0.01  # an interval wholly under 1 point per doubling is a flat curve
OVERFIT_GAP = 0.05  # train minus validation metric above this at 100%: the model overfits
POINT_COLUMNS = [
    "label",
    "fraction",
    "n_train",
    "status",
    "val",
    "val_low",
    "val_high",
    "train",
    "gap",
    "val_loss",
    "train_loss",
    "best_epoch",
    "run_id",
]


@dataclass(frozen=True)
class LearningCurve:
    points: pd.DataFrame  # POINT_COLUMNS, one row per fraction, smallest first; metrics NaN until finished
    metric: str  # "accuracy", or "balanced_accuracy" when the classes are imbalanced
    conclusion: str  # "more_data", "flat", "unclear" or "not_measured"
    summary: str  # one paragraph the user can act on
    slope: Difference | None  # metric gain per doubling of the training set at the top of the curve


def learning_curve(group: Group) -> LearningCurve:
    members = sorted(group.members, key=lambda m: m.value or 0.0)
    metric = primary_metric(members)
    points = pd.DataFrame([_point(m, metric) for m in members], columns=POINT_COLUMNS)
    done = [m for m in members if m.final is not None]
    top = members[-1] if members else None
    if len(done) < 3 or top is None or top.final is None:
        finished = f"{len(done)} of {len(members)} runs finished"
        why = "; the largest fraction is not among them" if done and (top is None or top.final is None) else ""
        return LearningCurve(
            points,
            metric,
            "not_measured",
            f"Not measured yet: the verdict needs 3 finished runs including the largest fraction ({finished}{why}).",
            None,
        )
    below = done[-2]
    slope = _slope(top, below, metric)
    top_point = points.iloc[-1]
    gap = float(top_point["gap"])
    if slope is None:
        return LearningCurve(
            points, metric, "not_measured", "Not measured: the runs kept no validation predictions to compare.", None
        )
    name = metric.replace("_", " ")
    per = f"{_pp(slope.value)} per doubling of the training set (95% interval {_pp(slope.low)} to {_pp(slope.high)})"
    if slope.low > 0 and slope.value >= MIN_GAIN:
        conclusion = "more_data"
        summary = (
            f"More data would likely help: validation {name} still climbs at {top.label} of the training set, by "
            f"{per}. Collect more labelled data first; until then, augmentation imitates it."
        )
    elif slope.high < FLAT_GAIN:
        conclusion = "flat"
        if gap > OVERFIT_GAP:
            advice = (
                f"The model overfits (train {name} {gap * 100:.1f} points above validation): regularize it, "
                "as the regularizer sweep compares."
            )
        else:
            advice = (
                f"Training and validation agree (gap {round(gap * 100, 1) + 0.0:.1f} points): the model does not "
                "overfit, so regularizing will not help; what is left is the model's capacity (a bigger model, "
                "better inputs) or noise in the labels (the Label quality page)."
            )
        summary = f"The curve is flat, {per}: more data of the same kind would likely not help much. {advice}"
    else:
        conclusion = "unclear"
        summary = (
            f"Unclear: the last doubling changed validation {name} by {per}, an interval that holds both a real "
            "gain and none. A larger validation set (or more seeds) would tell."
        )
    return LearningCurve(points, metric, conclusion, summary + _undertrained(top), slope)


def primary_metric(members: list[MemberState] | tuple[MemberState, ...]) -> str:
    """The metric to read first, as the runs chose it: balanced accuracy when validation is imbalanced."""
    for member in members:
        metrics = member.summary.get("metrics")
        if metrics and metrics.get("primary") in ("accuracy", "balanced_accuracy"):
            return str(metrics["primary"])
    return "accuracy"


def _point(member: MemberState, metric: str) -> dict[str, object]:
    final = member.final or {}
    table = {row["metric"]: row for row in (member.summary.get("metrics") or {}).get("table", [])}
    row = table.get(metric, {}) if final else {}
    train, val = final.get("train", {}), final.get("val", {})
    return {
        "label": member.label,
        "fraction": member.value,
        "n_train": member.summary.get("n_train"),
        "status": member.status,
        "val": val.get(metric, math.nan),
        "val_low": row.get("low", math.nan),
        "val_high": row.get("high", math.nan),
        "train": train.get(metric, math.nan),
        "gap": train.get(metric, math.nan) - val.get(metric, math.nan),
        "val_loss": val.get("loss", math.nan),
        "train_loss": train.get("loss", math.nan),
        "best_epoch": member.summary.get("best_epoch"),
        "run_id": member.run_id,
    }


def _undertrained(top: MemberState) -> str:
    """A caveat when the largest run still improved on its last epoch: every point had the same step budget,
    so the curve then says what this budget buys, not what the data could give."""
    epochs, best = top.config.get("epochs"), top.summary.get("best_epoch")
    if not epochs or best is None or best < epochs:
        return ""
    return (
        f" Caveat: the {top.label} run was still improving at its last epoch ({best} of {epochs}); raise the base "
        "run's epochs for a curve of what the data can give rather than what this budget buys."
    )


def _slope(top: MemberState, below: MemberState, metric: str) -> Difference | None:
    """Gain from `below` to `top` in the metric, per doubling of the training share."""
    if top.run_id is None or below.run_id is None:
        return None
    a, b = read_val_predictions(top.run_id), read_val_predictions(below.run_id)
    if a is None or b is None or not aligned(a, b):
        return None
    doublings = math.log2((top.value or 1.0) / (below.value or 1.0))
    if doublings <= 0:
        return None
    gain = paired_difference(predicted_classes(a), predicted_classes(b), a.labels, metric)
    return gain.scaled(1 / doublings)


def _pp(value: float) -> str:
    return f"{value * 100:+.1f} points"
