"""The bundled ``breast_cancer.csv`` table with planted problems.

Why this shape: every planted problem lives on its own source rows so the
manifest is an exact answer key; rows are shuffled and ids drawn at random
so neither row order nor ``record_id`` predicts anything; and the only
columns allowed to "know" the label are the planted leaks, at two strengths:
``billing_code`` (a code that agrees with the label on 98% of rows) and
``intake_score`` (a number that is a noisy copy of the label: right on about
94% of rows, plus jitter), so a detector with a fixed near-perfect bar misses
the weaker one while the honest strong measurements (listed as
``hard_negatives``) must not be called leaks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import roc_auc_score

from recipe_dash.sample_data._manifest import Entry, build_manifest, cluster_entries, entry

BENIGN, MALIGNANT = "benign", "malignant"
#: benign:malignant among the source rows. 5:1 so that after the ~5% flips (which
#: move more benign rows to malignant than back) the recorded ratio lands near 4:1.
MAJORITY_PER_MINORITY = 5
TEST_FRACTION = 0.2
N_EXACT, N_NEAR, N_LEAK, N_CONFLICT, N_OUTLIERS = 6, 8, 5, 4, 6
NEAR_JITTER = 1e-4  #: Near copies: every feature times (1 + NEAR_JITTER * N(0, 1)).
FLIP_RATE = 0.05
BILLING_MISMATCH = 0.02  #: Share of rows whose billing_code disagrees with the label.
INTAKE_MISMATCH = 0.06  #: Share of source rows whose intake_score shows the other class.
INTAKE_JITTER = 1.5  #: Standard deviation of the noise on intake_score (class levels 10 and 20).
#: Honest columns as strong as a leak: ROC AUC alone on scikit-learn's clean labels at least this.
HARD_NEGATIVE_AUC = 0.95
NOTES_FRACTION = 0.05
SITE = "site-01"
NOTE_TEXTS = ("re-scanned", "entered late", "checked by second reader", "slide replaced")
#: Corrupt cells: (column, value); None means "decimal comma of the true value".
BAD_STRINGS: tuple[tuple[str, str | None], ...] = (
    ("mean texture", "n/a"),
    ("worst area", "??"),
    ("smoothness error", None),
    ("mean texture", "#VALUE!"),
    ("worst area", None),
    ("smoothness error", "??"),
    ("mean texture", None),
    ("worst area", "#VALUE!"),
)
BAD_FLOATS: tuple[tuple[str, float], ...] = (
    ("mean area", float("inf")),
    ("area error", float("-inf")),
    ("mean area", float("inf")),
    ("area error", float("inf")),
    ("mean concavity", float("nan")),
    ("worst symmetry", float("nan")),
    ("mean concavity", float("nan")),
)
NOISE_DENOMINATOR = (
    "rows without corrupt cells that are not outliers, counting each duplicate/near-duplicate cluster once"
)
DUPLICATE_DEFINITION = (
    "duplicate rows are equal in every column except record_id (and split in leakage clusters, label in "
    "conflicting_label clusters); near duplicates additionally differ by a relative ~1e-4 jitter on the 30 features"
)

Row = dict[str, Any]


@dataclass
class _Plan:
    """Rows to write plus planted entries that point at them by position."""

    features: list[str]
    rows: list[Row] = field(default_factory=list)
    plants: list[tuple[str, int, str, dict[str, Any]]] = field(default_factory=list)
    clusters: list[tuple[tuple[str, ...], str, list[tuple[int, str]]]] = field(default_factory=list)

    def add(self, row: Row) -> int:
        self.rows.append(row)
        return len(self.rows) - 1

    def plant(self, issue_type: str, row: int, detail: str, **extra: Any) -> None:
        self.plants.append((issue_type, row, detail, extra))

    def entries(self, ids: list[str]) -> list[Entry]:
        planted = [entry(kind, ids[i], detail, **extra) for kind, i, detail, extra in self.plants]
        for kinds, group, members in self.clusters:
            planted += cluster_entries([(ids[i], detail) for i, detail in members], kinds, group)
        return planted


def make_table(path: Path, *, seed: int = 0) -> dict[str, Any]:
    """Write the CSV at ``path`` and return its ground-truth manifest."""
    rng = np.random.default_rng(seed)
    base, features = _load_base(rng)
    pool = [int(i) for i in rng.permutation(len(base))]
    plan = _Plan(features)

    _plant_duplicates(plan, base, pool, rng)
    corrupt_rows = _plant_corrupt(plan, base, pool)
    _plant_outliers(plan, base, pool, rng)
    n_flipped = _plant_flips(plan, base, pool)
    mismatched = set(pool[: round(BILLING_MISMATCH * len(base)) - N_CONFLICT])
    for i in pool:
        plan.add(_row(base, i, mismatch_billing=i in mismatched))

    frame, ids = _finalise(plan, features, rng)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")

    extra_copies = sum(len(members) - 1 for _, _, members in plan.clusters)
    denominator = len(frame) - corrupt_rows - N_OUTLIERS - extra_copies
    planted = plan.entries(ids) + _dataset_entries(frame)
    return build_manifest(
        "breast_cancer",
        seed,
        planted,
        n_samples=len(frame),
        class_counts=dict(sorted(Counter(frame["label"]).items())),
        split_counts=dict(sorted(Counter(frame["split"]).items())),
        noise_rate=round(n_flipped / denominator, 6),
        noise_rate_denominator=f"{denominator} = {NOISE_DENOMINATOR}",
        id_column="record_id",
        label_column="label",
        split_column="split",
        feature_columns=features,
        duplicate_definition=DUPLICATE_DEFINITION,
        hard_negatives=_hard_negatives(),
    )


def _hard_negatives() -> list[dict[str, Any]]:
    """Honest measurements as strong as a leak, never to be flagged: ROC AUC alone on scikit-learn's own
    labels (all 569 tumours, before any plant) of at least HARD_NEGATIVE_AUC, in either direction."""
    bunch = load_breast_cancer()
    strong = []
    for j, name in enumerate(bunch.feature_names):
        auc = roc_auc_score(bunch.target, bunch.data[:, j])
        auc = max(auc, 1 - auc)
        if auc >= HARD_NEGATIVE_AUC:
            detail = f"A tumour measurement, not derived from the label; ROC AUC {auc:.3f} alone on the source data."
            strong.append({"column": str(name), "auc": round(float(auc), 4), "detail": detail})
    return sorted(strong, key=lambda e: -e["auc"])


# --------------------------------------------------------------------------- base rows
def _load_base(rng: np.random.Generator) -> tuple[pd.DataFrame, list[str]]:
    """Shuffled, malignant-downsampled rows with split, notes, batch and billing number."""
    bunch = load_breast_cancer()
    features = [str(name) for name in bunch.feature_names]
    frame = pd.DataFrame(bunch.data, columns=features)
    frame["label"] = np.where(bunch.target == 1, BENIGN, MALIGNANT)
    frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    n_malignant = round((frame["label"] == BENIGN).sum() / MAJORITY_PER_MINORITY)
    keep = (frame["label"] == BENIGN) | (frame.groupby("label").cumcount() < n_malignant)
    frame = frame[keep].reset_index(drop=True)

    frame["split"] = "train"
    for _, members in frame.groupby("label").groups.items():
        test = rng.choice(np.asarray(members), size=round(TEST_FRACTION * len(members)), replace=False)
        frame.loc[test, "split"] = "test"
    n = len(frame)
    frame["notes"] = ""
    with_notes = rng.choice(n, size=round(NOTES_FRACTION * n), replace=False)
    frame.loc[with_notes, "notes"] = rng.choice(NOTE_TEXTS, size=len(with_notes))
    frame["batch_code"] = [_batch_code(rng) for _ in range(n)]
    frame["billing_number"] = rng.integers(0, 8, size=n)
    # Its own stream, so the rows every other plant draws stay as they were.
    intake = np.random.default_rng([int(rng.integers(2**31)), 1])
    frame["intake_mismatch"] = intake.random(n) < INTAKE_MISMATCH
    frame["intake_noise"] = intake.normal(0.0, INTAKE_JITTER, size=n)
    return frame, features


def _batch_code(rng: np.random.Generator) -> int | str:
    """Half plain integers, half lot strings: a genuinely mixed-type column."""
    if rng.random() < 0.5:
        return int(rng.integers(101, 161))
    return f"LOT-{'ABCDEFGH'[int(rng.integers(0, 8))]}{int(rng.integers(1, 10))}"


def _billing_code(label: str, number: int) -> str:
    """The planted leak: prefix and range follow the label ("B-1xx" / "M-2xx")."""
    return f"B-1{number:02d}" if label == BENIGN else f"M-2{number:02d}"


def _intake_score(label: str, mismatch: bool, noise: float) -> float:
    """The weaker planted leak: 10 for benign, 20 for malignant (the other level on mismatched rows), plus noise."""
    shown = _other(label) if mismatch else label
    return round((10.0 if shown == BENIGN else 20.0) + noise, 1)


def _row(base: pd.DataFrame, i: int, *, label: str | None = None, mismatch_billing: bool = False) -> Row:
    """One output row from base row ``i``; billing and intake follow the given label unless mismatched."""
    src = base.iloc[i]
    given = label or str(src["label"])
    billing_label = (MALIGNANT if given == BENIGN else BENIGN) if mismatch_billing else given
    hidden = ("billing_number", "label", "intake_mismatch", "intake_noise")
    row: Row = {name: src[name] for name in base.columns if name not in hidden}
    row["label"] = given
    row["billing_code"] = _billing_code(billing_label, int(src["billing_number"]))
    row["intake_score"] = _intake_score(given, bool(src["intake_mismatch"]), float(src["intake_noise"]))
    return row


def _other(label: str) -> str:
    return MALIGNANT if label == BENIGN else BENIGN


# --------------------------------------------------------------------------- plants
def _jittered(row: Row, features: list[str], rng: np.random.Generator) -> Row:
    """A near copy: every feature nudged by a relative ~1e-4 Gaussian jitter."""
    copy = dict(row)
    for name in features:
        copy[name] = float(row[name]) * (1.0 + NEAR_JITTER * rng.standard_normal())
    return copy


def _plant_duplicates(plan: _Plan, base: pd.DataFrame, pool: list[int], rng: np.random.Generator) -> None:
    """Exact, near, cross-split (leakage) and relabelled (conflicting) copies."""
    for k in range(N_EXACT):
        original = _row(base, pool.pop())
        members = [(plan.add(original), "Original row of an exact-duplicate cluster.")]
        members += [
            (plan.add(dict(original)), "Exact copy of the cluster's original row (same split and label).")
            for _ in range(int(rng.integers(1, 3)))
        ]
        plan.clusters.append((("duplicate",), f"g-dup-{k + 1}", members))
    for k in range(N_NEAR):
        original = _row(base, pool.pop())
        members = [
            (plan.add(original), "Original row of a near-duplicate pair."),
            (
                plan.add(_jittered(original, plan.features, rng)),
                "Copy of the original with every feature multiplied by (1 + 1e-4 * N(0,1)).",
            ),
        ]
        plan.clusters.append((("near_duplicate",), f"g-near-{k + 1}", members))
    for k in range(N_LEAK):
        original = _row(base, pool.pop())
        exact = k % 2 == 0
        copy = dict(original) if exact else _jittered(original, plan.features, rng)
        copy["split"] = "test" if original["split"] == "train" else "train"
        how = "exact copy" if exact else "near copy (features jittered by ~1e-4)"
        members = [
            (plan.add(original), f"Original row in {original['split']}; {how} in {copy['split']}."),
            (plan.add(copy), f"{how.capitalize()} of a {original['split']} row, placed in {copy['split']}."),
        ]
        plan.clusters.append((("duplicate" if exact else "near_duplicate", "leakage"), f"g-leak-{k + 1}", members))
    for k in range(N_CONFLICT):
        original = _row(base, pool.pop())
        copy = dict(original, label=_other(original["label"]))  # billing_code copied with the row
        members = [
            (plan.add(original), f"Original row labelled {original['label']}; an exact copy says {copy['label']}."),
            (plan.add(copy), f"Exact copy of a {original['label']} row relabelled {copy['label']}."),
        ]
        plan.clusters.append((("duplicate", "conflicting_label"), f"g-conf-{k + 1}", members))


def _plant_corrupt(plan: _Plan, base: pd.DataFrame, pool: list[int]) -> int:
    """One unusable numeric cell per row: junk strings, +-inf or NaN."""
    cells: list[tuple[str, object]] = [*BAD_STRINGS, *BAD_FLOATS]
    for column, value in cells:
        row = _row(base, pool.pop())
        if value is None:
            value = str(float(row[column])).replace(".", ",")
        row[column] = value
        plan.plant("corrupt", plan.add(row), f"Numeric cell '{column}' holds {_describe(value)}.", column=column)
    return len(cells)


def _describe(value: object) -> str:
    if isinstance(value, float):
        return "NaN (empty cell)" if np.isnan(value) else f"{value} (infinite)"
    return f"the string {value!r}"


def _plant_outliers(plan: _Plan, base: pd.DataFrame, pool: list[int], rng: np.random.Generator) -> None:
    """Rows with a few features blown far out of range: 20-50x, or negative.

    Multiplied features are only drawn where 20x the row's value lands beyond
    twice the column maximum, so even heavy-tailed columns (e.g. area error)
    get an unambiguous outlier.
    """
    for k in range(N_OUTLIERS):
        row = _row(base, pool.pop())
        blown = k < N_OUTLIERS - 2
        eligible = [f for f in plan.features if not blown or 20 * float(row[f]) > 2 * float(base[f].max())]
        columns = sorted(str(c) for c in rng.choice(eligible, size=int(rng.integers(3, 6)), replace=False))
        for column in columns:
            factor = float(rng.uniform(20, 50))
            row[column] = round(float(row[column]) * factor if blown else -factor * float(base[column].median()), 4)
        how = (
            "multiplied by 20-50x"
            if blown
            else "set to -20..-50 times the column median (impossible negative measurements)"
        )
        plan.plant("outlier", plan.add(row), f"Features {', '.join(columns)} {how}.", columns=columns)


def _plant_flips(plan: _Plan, base: pd.DataFrame, pool: list[int]) -> int:
    """Flip ~5% of the remaining clean rows; billing_code follows the flipped label."""
    n_flip = round(FLIP_RATE * len(pool))
    for _ in range(n_flip):
        i = pool.pop()
        true = str(base.iloc[i]["label"])
        row = _row(base, i, label=_other(true))
        plan.plant(
            "label_noise",
            plan.add(row),
            f"A {true} row recorded as {row['label']}.",
            true_label=true,
            given_label=row["label"],
        )
    return n_flip


# --------------------------------------------------------------------------- output
def _finalise(plan: _Plan, features: list[str], rng: np.random.Generator) -> tuple[pd.DataFrame, list[str]]:
    """Shuffle rows, add record_id and constant_site, order columns; return sample ids by plan index."""
    order = rng.permutation(len(plan.rows))
    frame = pd.DataFrame([plan.rows[i] for i in order]).astype(object)
    frame.insert(0, "record_id", rng.choice(np.arange(100_000, 1_000_000), size=len(frame), replace=False))
    frame["constant_site"] = SITE
    columns = [
        "record_id",
        *features,
        "constant_site",
        "notes",
        "batch_code",
        "billing_code",
        "intake_score",
        "label",
        "split",
    ]
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    return frame[columns], [str(p) for p in position]


def _dataset_entries(frame: pd.DataFrame) -> list[Entry]:
    """Dataset- and column-level plants, measured on the final table."""
    counts = Counter(frame["label"])
    code_label = np.where(frame["billing_code"].str.startswith("B-"), BENIGN, MALIGNANT)
    agreement = float((code_label == frame["label"]).mean())
    intake_label = np.where(frame["intake_score"].astype(float) < 15.0, BENIGN, MALIGNANT)
    intake_agreement = float((intake_label == frame["label"]).mean())
    empty = float((frame["notes"] == "").mean())
    kinds = Counter(type(v).__name__ for v in frame["batch_code"])
    return [
        entry(
            "imbalance",
            None,
            f"Class 'malignant' is rare: {counts[BENIGN]} benign vs {counts[MALIGNANT]} "
            f"malignant rows (about {counts[BENIGN] / counts[MALIGNANT]:.1f}:1).",
            **{"class": MALIGNANT, "ratio": round(counts[MALIGNANT] / counts[BENIGN], 4)},
        ),
        entry(
            "bias",
            None,
            f"billing_code is derived from the recorded label (B-1xx benign, M-2xx malignant) and "
            f"agrees with it on {agreement:.1%} of rows: a leak, not a feature.",
            column="billing_code",
        ),
        entry(
            "bias",
            None,
            f"intake_score is a noisy copy of the recorded label (about 10 for benign, 20 for malignant, "
            f"jitter sd {INTAKE_JITTER}) that agrees with it on {intake_agreement:.1%} of rows: a weaker leak, "
            "short of near-perfect.",
            column="intake_score",
        ),
        entry("constant_column", None, f"constant_site is {SITE!r} in every row.", column="constant_site"),
        entry("high_missing", None, f"notes is empty in {empty:.1%} of rows.", column="notes"),
        entry(
            "mixed_types",
            None,
            f"batch_code mixes {kinds['int']} integers with {kinds['str']} strings like 'LOT-C4'.",
            column="batch_code",
        ),
    ]
