"""Find samples whose given label is probably wrong, and estimate how noisy the labels are overall.

Confident learning (see `_confident_learning`) on out-of-fold probabilities from a model of the
data that never saw the sample, nor its exact copies, nor a column that leaks the given label.
When that model is no better than chance it cannot tell a wrong label from a hard sample, and the
check says so (not_measured) instead of calling most labels wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from recipe_dash.analyzers._confident_learning import ConfidentLearning, confident_learning
from recipe_dash.analyzers._models import (
    EmbeddingSource,
    ModelInput,
    OutOfFold,
    check_embedding,
    model_input,
    out_of_fold,
)
from recipe_dash.analyzers._models.chance import chance_test
from recipe_dash.analyzers._per_sample import MAX_ROWS, keep_worst, score_histogram
from recipe_dash.analyzers.base import CheckDetails, Result
from recipe_dash.analyzers.findings import findings_frame
from recipe_dash.evidence import Verdict
from recipe_dash.io.dataset import Dataset
from recipe_dash.validation import check_callback, check_flag, check_folder, check_number, check_order, check_seed


@dataclass(frozen=True, kw_only=True)
class Details(CheckDetails):
    excluded_columns: pd.DataFrame  # column, reason: left out of the model (leaks, ids, empty)
    source: str  # what the model saw: "image", "table" or "embedding"
    n_folds: int
    seed: int
    notes: tuple[str, ...] = ()  # what cross-validation had to work around (tiny classes, subsampling)
    # sample_id, label, split, scored, label_quality, suspected_label, suspected_prob, is_issue;
    # the max_score_rows lowest label qualities
    scores: pd.DataFrame = field(default_factory=pd.DataFrame)
    quality_histogram: pd.DataFrame = field(default_factory=pd.DataFrame)  # left, right, count, flagged
    noise_rate: float | None = None  # estimated share of wrong labels
    n_scored: int = 0
    n_counted: int = 0  # distinct samples the noise estimate counts (copies once)
    oof_accuracy: float | None = None  # out-of-fold accuracy of the model on the counted samples
    # out-of-fold balanced accuracy on the counted samples, 1/K, and the p-value of "no better than
    # chance" (chance_test); at p >= CHANCE_ALPHA the check is not measured
    oof_balanced_accuracy: float | None = None
    chance: float | None = None
    chance_p_value: float | None = None
    classes: tuple[str, ...] = ()
    # given_label, true_label, share, share_of_given, expected_count, confident_count
    joint: pd.DataFrame = field(default_factory=pd.DataFrame)
    # label, n_samples, noise_rate, n_flagged, mostly_confused_with
    class_noise: pd.DataFrame = field(default_factory=pd.DataFrame)
    thresholds: dict[str, float] = field(default_factory=dict)  # per-class confidence thresholds


ADVICE = "review the flagged samples worst first and relabel or drop them before training"


def analyze(
    dataset: Dataset,
    features: pd.DataFrame,
    *,
    n_folds: int = 5,
    seed: int = 0,
    embedding: EmbeddingSource | None = None,
    exclude_leaks: bool = True,
    max_train_samples: int = 20_000,
    warn_rate: float = 0.01,
    fail_rate: float = 0.10,
    max_score_rows: int = MAX_ROWS,
    cache_dir: Path | None = None,
    step: Callable[[str], None] | None = None,
) -> Result:
    """Score every sample's label quality; flag likely mislabels with a suspected true label.

    The verdict follows the estimated noise rate: at least `warn_rate` warns, `fail_rate` fails.
    `details.scores` keeps the `max_score_rows` lowest label qualities; the histogram covers all.
    Columns that leak the label (`_models.leaks`) are left out of the model; `exclude_leaks=False`
    keeps them (to show what they would hide).
    """
    check_number("n_folds", n_folds, low=2, integer=True, why="cross-validation needs two folds")
    check_seed(seed)
    check_embedding(embedding)
    check_flag("exclude_leaks", exclude_leaks)
    check_callback("step", step)
    check_number("max_train_samples", max_train_samples, low=1, integer=True)
    check_number("warn_rate", warn_rate, low=0, high=1, why="a share of the labels")
    check_number("fail_rate", fail_rate, low=0, high=1, why="a share of the labels")
    check_order("warn_rate", warn_rate, "fail_rate", fail_rate)
    check_number("max_score_rows", max_score_rows, low=0, integer=True)
    check_folder("cache_dir", cache_dir)
    inputs = model_input(
        dataset, features, embedding=embedding, exclude_leaks=exclude_leaks, n_folds=n_folds, seed=seed
    )
    details = Details(excluded_columns=inputs.excluded, source=inputs.source, n_folds=n_folds, seed=seed)
    if inputs.matrix.shape[1] == 0:
        reason = _unmodelable_reason(inputs)
        details = replace(details, skipped=reason)
        return Result("label_noise", "not_measured", f"Label noise not measured: {reason}", findings_frame(), details)
    oof = out_of_fold(
        inputs,
        dataset.labels,
        n_folds=n_folds,
        seed=seed,
        max_train_samples=max_train_samples,
        cache_dir=cache_dir,
        step=step,
    )
    details = replace(details, notes=tuple(oof.notes))
    if len(oof.classes) < 2:
        reason = _skip_reason(dataset, oof)
        details = replace(details, skipped=reason)
        return Result("label_noise", "not_measured", f"Label noise not measured: {reason}", findings_frame(), details)
    idx = np.flatnonzero(oof.scored)
    codes = {name: i for i, name in enumerate(oof.classes)}
    y = dataset.labels.iloc[idx].map(codes).to_numpy(dtype=np.int64)
    counted = oof.counted[idx]
    skill = chance_test(y[counted], oof.probs[idx[counted]].argmax(axis=1), len(oof.classes))
    details = replace(
        details, oof_balanced_accuracy=skill.balanced_accuracy, chance=skill.chance, chance_p_value=skill.p_value
    )
    if not skill.above_chance:
        reason = (
            f"the out-of-fold model is no better than chance ({skill.describe()}), so it cannot tell a wrong "
            "label from a hard sample. Check that the labels belong to these samples, or give the model "
            "features that carry the label (your own embedding)"
        )
        summary = f"Label noise not measured: {reason}."
        return Result("label_noise", "not_measured", summary, findings_frame(), replace(details, skipped=reason))
    learned = confident_learning(oof.probs[idx], y, counted)
    scores = _scores(dataset, oof, learned)
    rate = learned.noise_rate
    n_counted = int(oof.counted.sum())
    details = replace(
        details,
        scores=keep_worst(scores, "label_quality", high_is_bad=False, limit=max_score_rows),
        quality_histogram=score_histogram(scores["label_quality"].to_numpy(), scores["is_issue"].to_numpy()),
        noise_rate=rate,
        n_scored=len(idx),
        n_counted=n_counted,
        oof_accuracy=float((oof.probs[idx[counted]].argmax(axis=1) == y[counted]).mean()),
        classes=tuple(oof.classes),
        joint=_joint(oof.classes, learned, n_counted),
        class_noise=_class_noise(oof, learned, y),
        thresholds=dict(zip(oof.classes, learned.thresholds.tolist(), strict=True)),
    )
    flagged = scores[scores["is_issue"]].sort_values("label_quality", kind="stable")
    findings = findings_frame(
        sample_id=flagged["sample_id"].to_numpy(),
        issue_type="label_noise",
        score=(1.0 - flagged["label_quality"]).clip(0, 1).to_numpy(),
        group=("given:" + flagged["label"] + " -> suspected:" + flagged["suspected_label"]).to_numpy(),
        detail=[
            f"Labelled '{g}' but looks like '{s}' (model: {ps:.0%} '{s}', {pg:.0%} '{g}')."
            for g, s, ps, pg in zip(
                flagged["label"],
                flagged["suspected_label"],
                flagged["suspected_prob"],
                flagged["label_quality"],
                strict=True,
            )
        ],
    )
    verdict: Verdict = "fail" if rate >= fail_rate else "warn" if rate >= warn_rate or len(findings) else "pass"
    return Result("label_noise", verdict, _summary(verdict, rate, len(findings), n_counted, details), findings, details)


def _scores(dataset: Dataset, oof: OutOfFold, learned: ConfidentLearning) -> pd.DataFrame:
    """One row per sample: label quality (probability of the given label), suspected label, flag;
    NaN / empty for samples that were not scored."""
    frame = dataset.samples[["sample_id", "label", "split"]].reset_index(drop=True)
    idx = np.flatnonzero(oof.scored)
    quality = np.full(len(frame), np.nan)
    quality[idx] = learned.self_confidence
    suspected = np.full(len(frame), None, dtype=object)
    suspected[idx] = np.asarray(oof.classes, dtype=object)[learned.suspected]
    suspected_prob = np.full(len(frame), np.nan)
    suspected_prob[idx] = oof.probs[idx, learned.suspected]
    is_issue = np.zeros(len(frame), dtype=bool)
    is_issue[idx] = learned.is_issue
    return frame.assign(
        scored=oof.scored,
        label_quality=quality,
        suspected_label=pd.array(suspected, dtype="string"),
        suspected_prob=suspected_prob,
        is_issue=is_issue,
    )


def _joint(classes: tuple[str, ...], learned: ConfidentLearning, n_counted: int) -> pd.DataFrame:
    """Long form (JSON-safe): per (given, true) pair the estimated share of all samples, the expected
    count and the confident-joint count; `share_of_given` is the heatmap's row-normalised value."""
    K = len(classes)
    row = learned.joint.sum(axis=1, keepdims=True)
    return pd.DataFrame(
        {
            "given_label": np.repeat(classes, K),
            "true_label": np.tile(classes, K),
            "share": learned.joint.ravel(),
            "share_of_given": (learned.joint / np.where(row > 0, row, 1.0)).ravel(),
            "expected_count": learned.joint.ravel() * n_counted,
            "confident_count": learned.confident_joint.ravel(),
        }
    )


def _class_noise(oof: OutOfFold, learned: ConfidentLearning, y: np.ndarray) -> pd.DataFrame:
    """Per given class: samples, estimated share mislabelled, samples flagged, most common true class."""
    joint = learned.joint.copy()
    np.fill_diagonal(joint, 0.0)
    return pd.DataFrame(
        {
            "label": list(oof.classes),
            "n_samples": np.bincount(y, minlength=len(oof.classes)),
            "noise_rate": learned.class_noise_rates(),
            "n_flagged": np.bincount(y[learned.is_issue], minlength=len(oof.classes)),
            "mostly_confused_with": [
                oof.classes[j] if joint[i, j] > 0 else None for i, j in enumerate(joint.argmax(axis=1))
            ],
        }
    )


def _skip_reason(dataset: Dataset, oof: OutOfFold) -> str:
    classes = dataset.labels.dropna().unique()
    if len(classes) < 2:
        only = f"'{classes[0]}'" if len(classes) else "none"
        return f"the labels have one class ({only}); label noise needs at least two. Check the label column or folders."
    return (
        "fewer than two classes have enough distinct samples for cross-validation "
        f"({'; '.join(oof.notes) or 'too few samples'}). Add samples or lower n_folds."
    )


def _unmodelable_reason(inputs: ModelInput) -> str:
    if not inputs.rows.any():
        return "no sample has a feature vector (no image could be decoded); fix the corrupt files first."
    excluded = inputs.excluded
    kept_out = "; ".join(f"'{c}' {r}" for c, r in zip(excluded["column"], excluded["reason"], strict=True))
    return f"no column is left to model the data ({kept_out or 'the table has no feature columns'})."


def _summary(verdict: Verdict, rate: float, n_flagged: int, n_counted: int, details: Details) -> str:
    estimate = (
        f"about {rate:.1%} of labels look wrong (estimated from {n_counted:,} distinct samples, "
        f"model accuracy {details.oof_accuracy:.0%} out of fold)"
    )
    if verdict == "pass":
        return f"Labels look clean: {estimate}; no sample is confidently mislabelled."
    return f"{n_flagged:,} sample(s) are probably mislabelled and {estimate}: {ADVICE}."
