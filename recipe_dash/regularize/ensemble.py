"""An ensemble of at most five runs of one config (the recipe's last resort before more data): their
averaged validation probabilities against the best single member and the median one."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recipe_dash.regularize.curve import primary_metric
from recipe_dash.regularize.groups import Group
from recipe_dash.regularize.paired import Difference, aligned, paired_difference, predicted_classes, score
from recipe_dash.training.artifacts import ValPredictions, read_val_predictions


@dataclass(frozen=True)
class EnsembleResult:
    members: pd.DataFrame  # label, run_id, status, val (the metric of each finished member)
    metric: str
    ensemble: float | None  # metric of the averaged probabilities; None until two members finished
    best_single: float | None
    median_single: float | None
    gain: Difference | None  # ensemble minus the best single member, paired on the validation samples
    summary: str


def ensemble_result(group: Group) -> EnsembleResult:
    metric = primary_metric(group.members)
    kept: list[tuple[str, ValPredictions]] = []
    rows = []
    for member in group.members:
        predictions = read_val_predictions(member.run_id) if member.run_id and member.final else None
        value = score(predicted_classes(predictions), predictions.labels, metric) if predictions else np.nan
        rows.append({"label": member.label, "run_id": member.run_id, "status": member.status, "val": value})
        if predictions is not None and (not kept or aligned(predictions, kept[0][1])):
            kept.append((member.label, predictions))
    table = pd.DataFrame(rows, columns=["label", "run_id", "status", "val"])
    name = metric.replace("_", " ")
    if len(kept) < 2:
        return EnsembleResult(
            table, metric, None, None, None, None, f"The ensemble needs two finished members; {len(kept)} so far."
        )
    labels = kept[0][1].labels
    averaged = np.mean([p.probabilities for _, p in kept], axis=0)
    ensemble_predicted = averaged.argmax(axis=1)
    singles = {label: score(predicted_classes(p), labels, metric) for label, p in kept}
    best_label = max(singles, key=lambda k: singles[k])
    best_predictions = dict(kept)[best_label]
    gain = paired_difference(ensemble_predicted, predicted_classes(best_predictions), labels, metric)
    ensemble = score(ensemble_predicted, labels, metric)
    median = statistics.median(singles.values())
    verdict = (
        "The ensemble beats its best member beyond this validation set's noise"
        if gain.low > 0
        else "The ensemble is within noise of its best member"
    )
    summary = (
        f"{verdict}: validation {name} {ensemble:.1%} from {len(kept)} models averaged, against "
        f"{singles[best_label]:.1%} for the best single one ({best_label}) and {median:.1%} for the median one; "
        "gain over the best "
        f"{gain.value * 100:+.1f} points ({gain.low * 100:+.1f} to {gain.high * 100:+.1f}, 95%). The best single "
        "member was picked on this same validation set, so its own score is flattering."
    )
    return EnsembleResult(table, metric, ensemble, singles[best_label], median, gain, summary)
