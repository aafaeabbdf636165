"""Find shortcuts: attributes that predict the label without being the thing to learn.

One attribute at a time (every table column; image width, height, aspect ratio, format, file size,
brightness and colour mode), the cross-validated balanced accuracy of predicting the label from it
alone. A table column is a leak (derived from the label) when it is judged against the rest of the
table (see `_models.leaks`): near-perfect alone, as good as all other columns together or far better
than any other, and right where the other columns are wrong; an image property is a leak when it is
near-perfect alone. A nuisance attribute of images, or an identifier column, that does clearly
better than chance is a bias the model can learn instead of the content. Label rates per value of
categorical attributes show where.

Either verdict also needs the balanced accuracy to be significantly above chance (`chance_test`),
so a handful of rows cannot make an attribute look perfect by luck; and every class the check
judges needs at least `n_folds` labelled samples, one per cross-validation fold. With fewer, some
fold trains without the class it tests, and the lookup table, which gives a value it has not seen
to the class it saw least, predicts exactly that missing class: on two rows every column looked
like a perfect leak. Rarer classes are left out; with fewer than two left the check is not measured.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from recipe_dash.analyzers._models import (
    CRITERIA,
    Attribute,
    LeakRules,
    describe_leak,
    image_attributes,
    judge_leaks,
    predictive_power,
    table_attributes,
)
from recipe_dash.analyzers._models.chance import CHANCE_ALPHA
from recipe_dash.analyzers.base import CheckDetails, Result
from recipe_dash.analyzers.findings import concat_findings, findings_frame
from recipe_dash.evidence import Verdict
from recipe_dash.io.columns import identifier_columns
from recipe_dash.io.dataset import Dataset
from recipe_dash.validation import check_number, check_seed


@dataclass(frozen=True, kw_only=True)
class Details(CheckDetails):
    leak_threshold: float  # balanced accuracy alone that makes an attribute near-perfect (a leak suspect)
    bias_threshold: float  # skill (0 = chance, 1 = perfect) at which a nuisance attribute is a bias
    label_rates: pd.DataFrame  # attribute, value, label, count, share (categorical attributes)
    # attribute, kind, balanced_accuracy, chance, skill, p_value, ..., verdict ("leak", "bias" or "ok")
    predictive_power: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: tuple[str, ...] = ()  # classes left out, with fewer labelled samples than folds
    # tables: the leak suspects judged against the rest of the table (`_models.leaks.LEAK_COLUMNS`)
    leaks: pd.DataFrame = field(default_factory=pd.DataFrame)


def analyze(
    dataset: Dataset,
    features: pd.DataFrame,
    *,
    n_folds: int = 5,
    seed: int = 0,
    leak_threshold: float = LeakRules.near_perfect,
    bias_threshold: float = 0.25,
) -> Result:
    """Score each attribute alone; flag leaks (tables: judged against the other columns, images: a
    balanced accuracy of at least `leak_threshold`) and biases.

    Image properties and identifier columns whose skill (0 = chance, 1 = perfect) reaches
    `bias_threshold` are biases. Table feature columns are expected to predict the label, so only
    leaks are flagged among them.
    """
    check_number("n_folds", n_folds, low=2, integer=True, why="cross-validation needs two folds")
    check_seed(seed)
    check_number("leak_threshold", leak_threshold, low=0, high=1, low_open=True, why="a balanced accuracy")
    check_number("bias_threshold", bias_threshold, low=0, high=1, low_open=True, why="skill: 0 is chance, 1 perfect")
    attributes = table_attributes(dataset) if dataset.kind == "table" else image_attributes(features)
    details = Details(
        leak_threshold=leak_threshold,
        bias_threshold=bias_threshold,
        label_rates=label_rates(attributes, dataset.labels),
    )
    counts = dataset.labels.value_counts()
    if len(counts) < 2:
        reason = (
            f"the labels have {len(counts)} class(es); a bias is an attribute that predicts the label, "
            "which needs at least two. Check the label column or folders."
        )
        summary = f"Biases not measured: {reason}"
        return Result("biases", "not_measured", summary, findings_frame(), replace(details, skipped=reason))
    rare = counts[counts < n_folds]
    if len(counts) - len(rare) < 2:
        reason = (
            f"each class needs at least {n_folds} labelled samples (one per cross-validation fold) and "
            f"{_classes_with(counts, n_folds)}. Add samples, or lower n_folds"
        )
        summary = f"Biases not measured: {reason}."
        return Result("biases", "not_measured", summary, findings_frame(), replace(details, skipped=reason))
    labels = dataset.labels.where(~dataset.labels.isin(rare.index))  # rarer classes are left out
    if len(rare):
        details = replace(
            details, notes=(f"Left out, with fewer than {n_folds} samples (one per fold): {_listed(rare)}.",)
        )
    power = predictive_power(attributes, labels, n_folds=n_folds, seed=seed)
    if power.empty:  # a table of the label column alone: nothing to score
        reason = "there is no column besides the label (and split) to score against it"
        summary = f"Biases not measured: {reason}."
        return Result("biases", "not_measured", summary, findings_frame(), replace(details, skipped=reason))
    nuisance = set(power["attribute"]) if dataset.kind == "image" else set(identifier_columns(dataset.table))
    significant = power["p_value"] < CHANCE_ALPHA
    if dataset.kind == "table":
        rules = LeakRules(near_perfect=leak_threshold)
        judged = judge_leaks(dataset, attributes=attributes, labels=labels, n_folds=n_folds, seed=seed, rules=rules)
        leaks = judged[judged["is_leak"]].set_index("attribute")
        is_leak = significant & power["attribute"].isin(leaks.index)
    else:
        judged = leaks = pd.DataFrame()
        is_leak = significant & (power["balanced_accuracy"] >= leak_threshold)
    is_bias = significant & ~is_leak & (power["skill"] >= bias_threshold) & power["attribute"].isin(nuisance)
    power["verdict"] = np.select([is_leak, is_bias], ["leak", "bias"], "ok")
    details = replace(details, predictive_power=power, leaks=judged)
    findings = concat_findings([_findings(power[is_leak], leaks), _findings(power[is_bias], None)])
    verdict: Verdict = "fail" if is_leak.any() else "warn" if is_bias.any() else "pass"
    return Result("biases", verdict, _summary(power, is_leak, is_bias, leaks), findings, details)


def label_rates(attributes: list[Attribute], labels: pd.Series) -> pd.DataFrame:
    """Long table (attribute, value, label, count, share of the value's samples) for categorical attributes."""
    known = labels.notna().to_numpy()
    frames = []
    for attr in (a for a in attributes if a.kind == "categorical" and not a.is_constant):
        values = pd.Series(np.asarray(attr.categories, dtype=object)[attr.codes[known]], name="value")
        counts = pd.crosstab(values, labels[known].to_numpy()).stack().rename("count").reset_index()
        counts.columns = ["value", "label", "count"]
        counts["share"] = counts["count"] / counts.groupby("value")["count"].transform("sum")
        frames.append(counts.assign(attribute=attr.name))
    if not frames:
        return pd.DataFrame(columns=["attribute", "value", "label", "count", "share"])
    return pd.concat(frames, ignore_index=True)[["attribute", "value", "label", "count", "share"]]


def _findings(rows: pd.DataFrame, leaks: pd.DataFrame | None) -> pd.DataFrame:
    """Leak findings when `leaks` is given (judged table leaks by attribute; empty for image leaks), else biases."""
    if leaks is None:
        details = [
            f"'{a}' alone predicts the label with balanced accuracy {b:.2f} (chance {c:.2f}): a model can "
            f"learn it instead of the content. Balance it across classes or normalise it away."
            for a, b, c in zip(rows["attribute"], rows["balanced_accuracy"], rows["chance"], strict=True)
        ]
    else:
        details = [
            f"Column '{a}' leaks the label: it is "
            + (
                describe_leak(leaks.loc[a])
                if a in leaks.index
                else f"near-perfect on its own (balanced accuracy {b:.2f}, chance {c:.2f})"
            )
            + ". Drop it from the model's inputs; it also hides label noise."
            for a, b, c in zip(rows["attribute"], rows["balanced_accuracy"], rows["chance"], strict=True)
        ]
    return findings_frame(
        sample_id=[None] * len(rows),
        issue_type="bias",
        score=rows["skill"].clip(0, 1).to_numpy(),
        group=("column:" + rows["attribute"].astype(str)).to_numpy(),
        detail=details,
    )


def _listed(counts: pd.Series) -> str:
    return ", ".join(f"'{label}' ({n})" for label, n in counts.items())


def _classes_with(counts: pd.Series, n_folds: int) -> str:
    enough = counts[counts >= n_folds]
    if enough.empty:
        return f"none has that (largest: {_listed(counts.head(3))})"
    return f"only {_listed(enough)} has that (the others: {_listed(counts[counts < n_folds].head(3))})"


def _summary(power: pd.DataFrame, is_leak: pd.Series, is_bias: pd.Series, leaks: pd.DataFrame) -> str:
    if is_leak.any():
        names = list(power.loc[is_leak, "attribute"])
        why = [_why(name, leaks) for name in names]
        if len(names) == 1:
            return f"'{names[0]}' leaks the label ({why[0]}); drop it before training."
        listed = "; ".join(f"'{a}' ({w})" for a, w in zip(names, why, strict=True))
        return f"{len(names)} columns leak the label: {listed}; drop them before training."
    if is_bias.any():
        top = power[is_bias].iloc[0]
        return (
            f"{int(is_bias.sum())} attribute(s) predict the label without being content (strongest: "
            f"'{top['attribute']}', balanced accuracy {top['balanced_accuracy']:.2f} vs chance "
            f"{top['chance']:.2f}); balance or remove them."
        )
    best = power.iloc[0]
    return (
        f"No leak or nuisance bias: the best single attribute, '{best['attribute']}', reaches balanced "
        f"accuracy {best['balanced_accuracy']:.2f} (chance {best['chance']:.2f})."
    )


def _why(name: str, leaks: pd.DataFrame) -> str:
    """The criteria that fired for a leak, with its figures, in a few words."""
    if name not in leaks.index:
        return "near-perfect on its own"
    row = leaks.loc[name]
    fired = [CRITERIA[c] for c in str(row["criteria"]).split(",") if c]
    return (
        f"{' and '.join(fired)}: balanced accuracy {row['balanced_accuracy']:.2f} alone vs "
        f"{row['rest_accuracy']:.2f} for all other columns together"
    )
