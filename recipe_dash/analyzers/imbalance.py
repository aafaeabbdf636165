"""Flag classes too rare to learn without weights or resampling, overall and in every split."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from recipe_dash.analyzers.base import CheckDetails, Result
from recipe_dash.analyzers.findings import findings_frame
from recipe_dash.evidence import Evidence, Verdict
from recipe_dash.io.dataset import Dataset
from recipe_dash.validation import check_number, check_order


@dataclass(frozen=True, kw_only=True)
class SplitBalance(Evidence):
    """Class balance of one split (or "all")."""

    n: int
    n_classes: int  # classes with at least one sample
    ratio: float | None  # largest / smallest present class; None when no class is present
    entropy: float  # of the class shares, in nats
    normalized_entropy: float  # entropy / log(number of classes): 1 = perfectly balanced


@dataclass(frozen=True, kw_only=True)
class Details(CheckDetails):
    classes: tuple[str, ...]
    counts: pd.DataFrame  # split ("all" too), label, count, share of the split
    splits: dict[str, SplitBalance]  # "all" and each split
    unlabelled: int
    warn_ratio: float
    fail_ratio: float
    rare_classes: tuple[str, ...] = ()
    missing_in_split: tuple[tuple[str, str], ...] = ()  # (split, class) pairs with no sample


ADVICE = (
    "weight the loss by inverse class frequency or resample the rare classes, and judge models by "
    "per-class recall, macro-F1 or balanced accuracy rather than accuracy"
)


def analyze(
    dataset: Dataset, features: pd.DataFrame | None = None, *, warn_ratio: float = 0.5, fail_ratio: float = 0.1
) -> Result:
    """Compare each class's count with the median count of the other classes (overall), and list
    classes missing from a split.

    A class below `warn_ratio` times that median warns; below `fail_ratio` fails. `features`
    is unused (class counts need no per-sample features) but kept for the shared signature.
    """
    check_number("warn_ratio", warn_ratio, low=0, high=1, low_open=True, why="a share of the median class count")
    check_number("fail_ratio", fail_ratio, low=0, high=1, why="a share of the median class count")
    check_order("fail_ratio", fail_ratio, "warn_ratio", warn_ratio)
    counts = dataset.class_counts()
    splits = {
        "all": counts.groupby("label")["count"].sum(),
        **{s: counts[counts["split"] == s].set_index("label")["count"] for s in dataset.splits},
    }
    classes = list(dataset.class_names)
    stats = {name: _split_stats(per_class, classes) for name, per_class in splits.items()}
    overall = stats["all"]
    details = Details(
        classes=tuple(classes),
        counts=pd.DataFrame(
            [
                {"split": name, "label": label, "count": count, "share": count / max(s["n"], 1)}
                for name, s in stats.items()
                for label, count in s["counts"].items()
            ],
            columns=["split", "label", "count", "share"],
        ),
        splits={name: SplitBalance(**{k: v for k, v in s.items() if k != "counts"}) for name, s in stats.items()},
        unlabelled=int(dataset.samples["label"].isna().sum()),
        warn_ratio=warn_ratio,
        fail_ratio=fail_ratio,
    )
    if len(classes) < 2:
        only = f"'{classes[0]}'" if classes else "none"
        return Result(
            "imbalance",
            "warn",
            f"There is one class ({only}); a classifier needs at least two. Check the label column or folders.",
            findings_frame(),
            details,
        )
    counts = overall["counts"]
    others = {label: float(np.median([n for other, n in counts.items() if other != label])) for label in counts}
    rare = [(label, n, n / others[label]) for label, n in counts.items() if n < warn_ratio * others[label]]
    empty_in_split = [
        (name, label)
        for name, s in stats.items()
        if name != "all" and s["n"]
        for label, n in s["counts"].items()
        if n == 0
    ]
    rare_classes = tuple(label for label, _, _ in rare)
    details = replace(details, rare_classes=rare_classes, missing_in_split=tuple(empty_in_split))
    findings = findings_frame(
        sample_id=[None] * (len(rare) + len(empty_in_split)),
        issue_type="imbalance",
        score=[min(1.0, 1.0 - r) for _, _, r in rare] + [1.0] * len(empty_in_split),
        group=[f"class:{label}" for label, _, _ in rare] + [f"class:{label}" for _, label in empty_in_split],
        detail=[
            f"Class '{label}' has {n} samples vs a median of {others[label]:.0f} for the other classes "
            f"(about 1:{others[label] / max(n, 1):.1f})."
            for label, n, _ in rare
        ]
        + [
            f"Class '{label}' has no samples in split '{s}', so it is never evaluated there."
            for s, label in empty_in_split
        ],
    )
    verdict: Verdict = "pass"
    if rare or empty_in_split:
        worst = min((r for _, _, r in rare), default=1.0)
        verdict = "fail" if worst < fail_ratio or empty_in_split else "warn"
    return Result("imbalance", verdict, _summary(verdict, rare, empty_in_split, overall, others), findings, details)


def _split_stats(counts: pd.Series, classes: list[str]) -> dict[str, Any]:
    """`counts`: samples per label (labels with none may be absent)."""
    per_class = {label: int(counts.get(label, 0)) for label in classes}
    present = [n for n in per_class.values() if n > 0]
    n = sum(per_class.values())
    shares = np.array(present, dtype=float) / max(n, 1)
    entropy = float(-(shares * np.log(shares)).sum()) if present else 0.0
    return {
        "n": n,
        "counts": per_class,
        "n_classes": len(present),
        "ratio": max(present) / min(present) if present else math.nan,  # largest / smallest class
        "entropy": entropy,  # nats
        "normalized_entropy": entropy / math.log(len(classes)) if len(classes) > 1 else 1.0,  # 1 = balanced
    }


def _summary(
    verdict: Verdict,
    rare: list[tuple[str, int, float]],
    empty: list[tuple[str, str]],
    overall: dict[str, Any],
    others: dict[str, float],
) -> str:
    if verdict == "pass":
        counts = overall["counts"]  # the number the verdict reads: the rarest class against the others' median
        rarest = min(others, key=lambda label: counts[label] / others[label] if others[label] else 1.0, default=None)
        if rarest is None:
            return "Classes are balanced enough."
        return (
            f"Classes are balanced enough: the rarest, '{rarest}', has {counts[rarest]:,} samples vs a median of "
            f"{others[rarest]:,.0f} for the other classes."
        )
    parts = []
    if rare:
        label, n, _ = min(rare, key=lambda item: item[1])
        more = f" and {len(rare) - 1} other class(es)" if len(rare) > 1 else ""
        parts.append(
            f"Class '{label}'{more} is rare ({n} samples vs a median of {others[label]:.0f} for the other classes)"
        )
    if empty:
        parts.append(f"{len(empty)} class/split pair(s) have no samples (e.g. '{empty[0][1]}' in '{empty[0][0]}')")
    return "; ".join(parts) + f": {ADVICE}."


def rarest_classes(details: Details) -> pd.DataFrame:
    """Per split ("all" first): the rarest class, its count, the median of the other classes and their ratio,
    the number the verdict reads (below `warn_ratio` warns, below `fail_ratio` fails), so a page shows the
    same story as the verdict rather than an entropy that stays near 1 with one rare class among many."""
    rows = []
    for split, part in details.counts.groupby("split", sort=False):
        counts = part.set_index("label")["count"]
        if len(counts) < 2 or counts.sum() == 0:
            continue
        others = {label: float(np.median(counts.drop(label))) for label in counts.index}
        ratios = pd.Series({label: counts[label] / others[label] if others[label] else 1.0 for label in counts.index})
        rarest = str(ratios.idxmin())
        present = counts[counts > 0]
        rows.append(
            {
                "split": split,
                "samples": int(counts.sum()),
                "classes_present": len(present),
                "rarest_class": rarest,
                "rarest_count": int(counts[rarest]),
                "median_of_others": others[rarest],
                "rarest_vs_median": float(ratios[rarest]),
                "largest_vs_smallest": float(present.max() / present.min()),
            }
        )
    return pd.DataFrame(rows)
