"""Which table columns leak the label, judged against the rest of the table rather than one fixed bar.

A column derived from the label need not be near-perfect: a noisy copy that is right 90% of the
time slips under any fixed bar, stays in the label-noise model and hides the label errors. Strong
honest columns exist too (tumour size, petal width). What tells them apart is what the column knows
that the other columns do not. So a column is first a *suspect* when it is near-perfect alone, or
predicts the label about as well as a model on all the other columns, or far better than every
other single column; and a suspect is a *leak* only when it is also right on the rows the other
columns get wrong about as often as on the rest: a genuine measurement fails where the others fail
(the hard rows), a copy of the label does not care which rows are hard.

Where the other columns together barely beat chance, "as good as the rest" means nothing; then a
column far better than the others is a leak only if it is shaped like a copy of the label (its
errors are as confident as its hits, as with a class code plus jitter, unlike a smooth measurement
whose errors sit where classes overlap). Judged on a seeded, stratified subsample of the rows, with
the same folds for the column alone and for the rest; results cached under RECIPE_DASH_HOME.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from recipe_dash.analyzers._models.attributes import Attribute, model_columns, table_attributes
from recipe_dash.analyzers._models.chance import chance_test
from recipe_dash.analyzers._models.oof import CLIP, NEIGHBOURS, stratified_subsample
from recipe_dash.analyzers._models.single_feature import assign_folds, lookup_predictions
from recipe_dash.io.columns import identifier_columns
from recipe_dash.io.dataset import Dataset
from recipe_dash.settings import get_settings

_VERSION = "leaks-1"  # bump when the judgement changes, so old caches are not reused
LEAK_COLUMNS = (
    "attribute",
    "balanced_accuracy",
    "rest_accuracy",
    "best_other",
    "chance",
    "accuracy",
    "right_where_rest_wrong",
    "n_rest_wrong",
    "label_shaped",
    "criteria",
    "is_leak",
)
CRITERIA = {  # short key -> the words a finding uses
    "near_perfect": "near-perfect on its own",
    "as_good_as_rest": "about as good as a model on all the other columns",
    "far_better": "far better than every other column",
}


@dataclass(frozen=True)
class LeakRules:
    """The bars of the judgement; defaults measured on 19 public tables (no false alarm) and planted copies."""

    min_skill: float = 0.5  # skill alone (0 = chance, 1 = perfect) below which a column is never a suspect
    near_perfect: float = 0.9  # balanced accuracy alone that makes a column a suspect by itself (the old bar)
    margin: float = 0.03  # "about as well as the rest": at most this much balanced accuracy below it
    far_ratio: float = 1.5  # "far better": this many times the skill of the best column that is no suspect
    min_rest_skill: float = 0.5  # the other columns together need this skill before comparing with them means much
    unexplained: float = 0.8  # right where the rest is wrong, at least this share of its accuracy everywhere
    min_rest_wrong: int = 20  # fewer rows where the rest is wrong cannot show whether the column knows more
    max_suspects: int = 8  # the strongest columns only: each costs one cross-validated model of the rest
    max_rows: int = 10_000  # rows judged (a stratified subsample beyond this)
    shape_min_rows: int = 1_000  # the label-shape test needs this many rows ...
    shape_min_codes: int = 10  # ... and a column with this many distinct binned values
    shape_max_gap: float = 0.15  # errors at least this confident (relative gap to hits) look like a label copy


def judge_leaks(
    dataset: Dataset,
    *,
    attributes: list[Attribute] | None = None,
    labels: pd.Series | None = None,
    n_folds: int = 5,
    seed: int = 0,
    rules: LeakRules = LeakRules(),
    cache_dir: Path | None = None,
) -> pd.DataFrame:
    """One row per suspect column (LEAK_COLUMNS), strongest first; `is_leak` marks the leaks.

    Empty for image datasets, tables with fewer than two classes, or no column strong enough to suspect.
    `attributes`: the table's `table_attributes`, when the caller has them (a million rows take seconds);
    `labels`: the dataset's labels with some left out (NA), e.g. classes too rare for the folds.
    """
    if dataset.kind != "table":
        return _frame([])
    ids = set(identifier_columns(dataset.table))
    attributes = [
        a
        for a in (table_attributes(dataset) if attributes is None else attributes)
        if a.name not in ids and not a.is_constant and a.n_missing < len(a.codes)
    ]
    labels = dataset.labels if labels is None else labels
    known = np.flatnonzero(labels.notna().to_numpy())
    codes, classes = pd.factorize(labels.iloc[known], sort=True)
    if len(classes) < 2 or not attributes:
        return _frame([])
    picked = stratified_subsample(np.arange(len(known)), codes, rules.max_rows, np.random.default_rng(seed))
    rows, y = known[picked], np.asarray(codes[picked], dtype=np.int64)
    folds = assign_folds(y, n_folds=n_folds, seed=seed)
    folder = cache_dir or get_settings().home / "leaks"
    key = _cache_key(attributes, rows, y, n_folds, seed, rules)
    cached = folder / f"{key}.parquet"
    if cached.is_file():
        try:
            return pd.read_parquet(cached)
        except (OSError, ValueError):  # a broken cache file is recomputed
            pass
    judged = _judge(attributes, rows, y, folds, len(classes), seed, rules)
    folder.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(".tmp")
    judged.to_parquet(partial, index=False)
    partial.replace(cached)
    return judged


def describe_leak(row: pd.Series) -> str:
    """The sentence a finding or an excluded-column note gives: which criteria fired, with the figures."""
    fired = [CRITERIA[c] for c in str(row["criteria"]).split(",") if c]
    figures = (
        f"balanced accuracy {row['balanced_accuracy']:.2f} alone (chance {row['chance']:.2f}; "
        f"all other columns together {row['rest_accuracy']:.2f}; best other column {row['best_other']:.2f})"
    )
    return (
        f"{' and '.join(fired)}: {figures}, and right on {row['right_where_rest_wrong']:.0%} of the "
        f"{int(row['n_rest_wrong'])} rows the other columns get wrong ({row['accuracy']:.0%} overall), "
        "so it knows the label in a way the rest of the data does not explain"
    )


def _judge(
    attributes: list[Attribute],
    rows: np.ndarray,
    y: np.ndarray,
    folds: np.ndarray,
    n_classes: int,
    seed: int,
    rules: LeakRules,
) -> pd.DataFrame:
    chance = 1.0 / n_classes

    def skill(accuracy: float) -> float:
        return (accuracy - chance) / (1 - chance)

    alone = {a.name: lookup_predictions(a.codes[rows], y, folds, n_classes, len(a.categories)) for a in attributes}
    accuracy = {name: _balanced(pred, y, n_classes) for name, (pred, _) in alone.items()}
    order = sorted(accuracy, key=lambda name: -accuracy[name])
    suspects = [n for n in order if skill(accuracy[n]) >= rules.min_skill][: rules.max_suspects]
    if not suspects:
        return _frame([])
    best_other = max((accuracy[n] for n in order if n not in suspects), default=chance)
    n_codes = {a.name: len(a.categories) for a in attributes}
    blocks = {a.name: model_columns(a)[0][rows] for a in attributes}
    records: dict[str, dict[str, object]] = {}
    leaks: list[str] = []
    # Two passes: a leak found in the first no longer masks a weaker one behind it in the second.
    for _ in range(2):
        for name in (s for s in suspects if s not in leaks):
            rest_pred = _rest_predictions(
                [blocks[n] for n in order if n != name and n not in leaks], y, folds, n_classes, seed
            )
            record = _criteria(
                name, alone[name], accuracy[name], rest_pred, y, n_classes, best_other, n_codes[name], rules
            )
            records[name] = record
            if record["is_leak"]:
                leaks.append(name)
        if not leaks or len(leaks) == len(suspects):
            break
    return _frame([records[n] for n in suspects])


def _criteria(
    name: str,
    alone: tuple[np.ndarray, np.ndarray],
    balanced: float,
    rest_pred: np.ndarray | None,
    y: np.ndarray,
    n_classes: int,
    best_other: float,
    n_codes: int,
    rules: LeakRules,
) -> dict[str, object]:
    chance = 1.0 / n_classes
    pred, confidence = alone
    rest = _balanced(rest_pred, y, n_classes) if rest_pred is not None else chance
    rest_wrong = rest_pred != y if rest_pred is not None else np.ones(len(y), dtype=bool)
    hit = pred == y
    accuracy = float(hit.mean())
    right_where_wrong = float(hit[rest_wrong].mean()) if rest_wrong.any() else float("nan")
    comparable = (rest - chance) / (1 - chance) >= rules.min_rest_skill
    # Errors as confident as hits: a class code plus jitter, not a measurement whose classes overlap.
    gap = (
        (confidence[hit].mean() - confidence[~hit].mean()) / max(confidence[hit].mean() - chance, 1e-9)
        if hit.any() and (~hit).any()
        else 0.0
    )
    label_shaped = bool(
        len(y) >= rules.shape_min_rows and n_codes >= rules.shape_min_codes and gap <= rules.shape_max_gap
    )
    skill_alone = (balanced - chance) / (1 - chance)
    skill_other = max((best_other - chance) / (1 - chance), 1e-9)
    fired = [
        key
        for key, on in (
            ("near_perfect", balanced >= rules.near_perfect),
            ("as_good_as_rest", comparable and balanced >= rest - rules.margin),
            ("far_better", skill_alone >= rules.far_ratio * skill_other and (comparable or label_shaped)),
        )
        if on
    ]
    unexplained = int(rest_wrong.sum()) >= rules.min_rest_wrong and right_where_wrong >= rules.unexplained * accuracy
    return {
        "attribute": name,
        "balanced_accuracy": balanced,
        "rest_accuracy": rest,
        "best_other": best_other,
        "chance": chance,
        "accuracy": accuracy,
        "right_where_rest_wrong": right_where_wrong,
        "n_rest_wrong": int(rest_wrong.sum()),
        "label_shaped": label_shaped,
        "criteria": ",".join(fired),
        "is_leak": bool(fired) and unexplained,
    }


def _rest_predictions(
    blocks: list[np.ndarray], y: np.ndarray, folds: np.ndarray, n_classes: int, seed: int
) -> np.ndarray | None:
    """Out-of-fold class per row from the other columns: kNN plus logistic regression, whichever of two
    regularisation strengths does better (a weak model of the rest would make honest columns look
    unexplained), decided for balanced accuracy (probabilities divided by the class shares)."""
    if not blocks:
        return None
    # sklearn takes about a second to import and only the model-based checks need it
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier

    X = np.clip(np.column_stack(blocks), -CLIP, CLIP).astype(np.float32)
    strengths = (1.0, 100.0)
    neighbours = np.zeros((len(y), n_classes))
    linear = np.zeros((len(strengths), len(y), n_classes))
    with threadpool_limits(1, user_api="blas"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        for fold in np.unique(folds):
            train, test = np.flatnonzero(folds != fold), np.flatnonzero(folds == fold)
            present = np.unique(y[train])
            if len(present) < 2:  # a tiny table: the fold's rows all have one class, so predict it
                neighbours[test, present[0]] = 1.0
                linear[:, test, present[0]] = 1.0
                continue
            knn = KNeighborsClassifier(n_neighbors=min(NEIGHBOURS, len(train)), weights="distance")
            knn.fit(X[train], y[train])
            neighbours[np.ix_(test, knn.classes_)] = knn.predict_proba(X[test])
            for i, c in enumerate(strengths):
                model = LogisticRegression(C=c, max_iter=300, random_state=seed).fit(X[train], y[train])
                linear[i][np.ix_(test, model.classes_)] = model.predict_proba(X[test])
    shares = np.bincount(y, minlength=n_classes) / len(y)
    options = [((neighbours + probs) / shares).argmax(axis=1) for probs in linear]
    return max(options, key=lambda pred: _balanced(pred, y, n_classes))


def _balanced(predicted: np.ndarray, y: np.ndarray, n_classes: int) -> float:
    return chance_test(y, predicted, n_classes).balanced_accuracy


def _frame(records: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(records, columns=list(LEAK_COLUMNS)).astype({"is_leak": bool, "label_shaped": bool})


def _cache_key(
    attributes: list[Attribute], rows: np.ndarray, y: np.ndarray, n_folds: int, seed: int, rules: LeakRules
) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(json.dumps([_VERSION, n_folds, seed, asdict(rules), [a.name for a in attributes]]).encode())
    digest.update(rows.astype(np.int64).tobytes())
    digest.update(y.tobytes())
    for attr in attributes:
        digest.update(np.ascontiguousarray(attr.codes[rows]).tobytes())
        if attr.values is not None:
            digest.update(np.ascontiguousarray(attr.values[rows]).tobytes())
    return digest.hexdigest()
