"""Runs of a group against its reference: the regularizer sweep (which setting shrinks the train/validation
gap, which raises the validation metric) and pretraining (does the user's start beat a random one).

Final scores are the eval-mode ones every run records at its end (no dropout, no augmentation), so a
regularizer's noise never passes for a smaller gap. Differences from the reference come with a 95%
interval from paired validation predictions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from recipe_dash.regularize.curve import primary_metric
from recipe_dash.regularize.groups import Group, MemberState
from recipe_dash.regularize.paired import Difference, aligned, paired_difference, predicted_classes
from recipe_dash.store import Store
from recipe_dash.training.artifacts import ValPredictions, read_val_predictions
from recipe_dash.training.runs import metrics_frame

COMPARE_COLUMNS = [
    "label",
    "knob",
    "status",
    "train",
    "val",
    "gap",
    "val_change",
    "val_change_low",
    "val_change_high",
    "gap_change",
    "val_loss",
    "best_epoch",
    "run_id",
]


@dataclass(frozen=True)
class Comparison:
    table: pd.DataFrame  # COMPARE_COLUMNS, the reference first; changes are against the reference
    metric: str
    summary: str
    warnings: tuple[str, ...]  # from the runs (dropout beside BatchNorm)


def compare_to_reference(group: Group) -> Comparison:
    """Every member's final train and validation metric, gap, and change from the reference run."""
    metric = primary_metric(group.members)
    reference = group.reference()
    base = _predictions(reference)
    rows = []
    for member in sorted(group.members, key=lambda m: m is not reference):
        final = member.final or {}
        train, val = final.get("train", {}).get(metric, math.nan), final.get("val", {}).get(metric, math.nan)
        change = _change(member, base, metric) if member is not reference else None
        rows.append(
            {
                "label": member.label,
                "knob": member.knob,
                "status": member.status,
                "train": train,
                "val": val,
                "gap": train - val,
                "val_change": change.value if change else math.nan,
                "val_change_low": change.low if change else math.nan,
                "val_change_high": change.high if change else math.nan,
                "gap_change": math.nan,
                "val_loss": final.get("val", {}).get("loss", math.nan),
                "best_epoch": member.summary.get("best_epoch"),
                "run_id": member.run_id,
            }
        )
    table = pd.DataFrame(rows, columns=COMPARE_COLUMNS)
    if len(table) and table["status"].iloc[0] == "done":
        table["gap_change"] = table["gap"] - table["gap"].iloc[0]
    warnings = tuple(dict.fromkeys(w for m in group.members for w in m.summary.get("warnings", [])))
    return Comparison(table, metric, _sweep_summary(table, metric), warnings)


def curve_frame(store: Store, group: Group, *, eval_train: bool = True) -> tuple[pd.DataFrame, dict[int, str]]:
    """The members' curves for one overlay, with their labels by run id. `eval_train` draws training as the
    end-of-epoch eval-mode pass (split "train_eval", comparable with validation), instead of the noisy
    per-step losses a regularizer inflates."""
    labels = {m.run_id: m.label for m in group.members if m.run_id is not None}
    metrics = metrics_frame(store, list(labels))
    if eval_train:
        metrics = metrics[metrics["split"] != "train"].replace({"split": {"train_eval": "train"}})
    return metrics.reset_index(drop=True), labels


def pretrain_summary(store: Store, group: Group) -> str:
    """Where each run started (its first batch's loss) and where it ended (validation metric)."""
    metric = primary_metric(group.members)
    curves = metrics_frame(store, [m.run_id for m in group.members if m.run_id is not None])
    first = curves[curves["split"] == "train"].sort_values("step").groupby("run_id")["loss"].first()
    parts = []
    for member in group.members:
        if member.run_id is None or member.run_id not in first.index:
            parts.append(f"{member.label}: not started")
            continue
        final = member.final
        end = f", validation {metric.replace('_', ' ')} {final['val'][metric]:.1%}" if final else ""
        parts.append(f"{member.label}: first batch loss {first[member.run_id]:.3f}{end}")
    failed = [m for m in group.members if m.status == "failed"]
    tail = "".join(f" {m.label} failed: {m.error}" for m in failed)
    return "; ".join(parts) + "." + tail


def _predictions(member: MemberState | None) -> ValPredictions | None:
    if member is None or member.run_id is None or member.final is None:
        return None
    return read_val_predictions(member.run_id)


def _change(member: MemberState, base: ValPredictions | None, metric: str) -> Difference | None:
    mine = _predictions(member)
    if mine is None or base is None or not aligned(mine, base):
        return None
    return paired_difference(predicted_classes(mine), predicted_classes(base), base.labels, metric)


def _sweep_summary(table: pd.DataFrame, metric: str) -> str:
    name = metric.replace("_", " ")
    if table.empty or table["status"].iloc[0] != "done":
        return "The unregularized run has not finished yet; each regularizer is judged against it."
    reference_gap = table["gap"].iloc[0]
    variants = table.iloc[1:][table["status"].iloc[1:] == "done"]
    if variants.empty:
        return f"The unregularized run's gap is {reference_gap * 100:.1f} points; no regularized run has finished."
    better = variants[variants["val_change_low"] > 0]
    shrank = variants[variants["gap"] < reference_gap - 0.01]
    parts = [f"Unregularized: train/validation gap {reference_gap * 100:.1f} points."]
    if not shrank.empty:
        listed = ", ".join(f"{r.label} ({r.gap * 100:.1f})" for r in shrank.sort_values("gap").itertuples())
        parts.append(f"Smaller gap with {listed}.")
    if not better.empty:
        best = better.sort_values("val_change", ascending=False).iloc[0]
        parts.append(
            f"Best on validation {name}: {best['label']}, {best['val_change'] * 100:+.1f} points "
            f"({best['val_change_low'] * 100:+.1f} to {best['val_change_high'] * 100:+.1f}, 95%)."
        )
    else:
        parts.append(f"No regularizer raised validation {name} beyond the noise of this validation set.")
    return " ".join(parts)
