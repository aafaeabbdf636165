"""The cleaned manifest: every sample with keep / drop / relabel and its final label, and what is still open.

How decisions become actions (a disputed subject acts on nothing until someone settles it):
- a decision on the sample itself is final: drop, relabel, or anything else keeps it as it is;
- otherwise a `drop` on any of its findings or clusters drops it, else a `relabel → c` relabels it
  (two different relabels act on nothing and are listed as a conflict);
- a `drop` on a duplicate cluster keeps one copy (the first in the train split, else the first by
  id) and drops the others; a `relabel → c` on a cluster relabels every member;
- `confirmed`, `not an issue` and `fixed` record the review and change nothing.
Decisions on findings a re-run no longer reports stay in force: the team decided on those samples.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from recipe_dash.errors import DataError, OptionError
from recipe_dash.evidence import jsonable
from recipe_dash.io import Dataset
from recipe_dash.review.status import ReviewStatus, unreviewed
from recipe_dash.review.subjects import subject_of

ACTIONS = ("keep", "drop", "relabel")
MANIFEST_COLUMNS = ("sample_id", "split", "label", "action", "final_label", "reason", "unreviewed", "disputed")
UNREVIEWED_COLUMNS = ["analyzer", "issue_type", "sample_id", "group", "score", "detail"]


@dataclass(frozen=True)
class Cleaning:
    """What a training run on the cleaned data leaves out and relabels."""

    drop: tuple[str, ...] = ()
    relabel: tuple[tuple[str, str], ...] = ()  # (sample id, class)

    def describe(self) -> str:
        if not self.drop and not self.relabel:
            return "raw data"
        return f"cleaned: {len(self.drop):,} dropped, {len(self.relabel):,} relabelled"


def cleaned_manifest(dataset: Dataset, status: ReviewStatus) -> pd.DataFrame:
    """One row per sample of the dataset (MANIFEST_COLUMNS), in the dataset's order."""
    samples = dataset.samples[["sample_id", "split", "label"]].astype({"sample_id": str})
    known = set(samples["sample_id"])
    explicit: dict[str, tuple[str, str | None, str]] = {}  # sample -> (action, label, reason)
    drops: dict[str, str] = {}
    relabels: dict[str, dict[str, str]] = {}
    disputed: dict[str, list[str]] = {}
    split_of = dict(zip(samples["sample_id"], samples["split"].astype(str), strict=True))
    for state in status.states.itertuples():
        by = f"{subject_of(state).describe()}, by {state.reviewer}"
        targets = _targets(state, known, split_of)
        if state.disputed:
            for sample_id in targets[0] | targets[1]:
                disputed.setdefault(sample_id, []).append(f"{subject_of(state).describe()} ({state.sides})")
            continue
        keep_ids, act_ids = targets
        if state.kind == "sample" and keep_ids:
            sample_id = next(iter(keep_ids))
            action = state.decision if state.decision in ("drop", "relabel") else "keep"
            explicit[sample_id] = (action, state.label, f"{state.outcome}: {by}")
            continue
        for sample_id in act_ids:
            if state.decision == "drop":
                drops.setdefault(sample_id, f"drop: {by}")
            elif state.decision == "relabel":
                relabels.setdefault(sample_id, {}).setdefault(str(state.label), f"{state.outcome}: {by}")
    rows = [
        _resolve(sample_id, label, explicit.get(sample_id), drops.get(sample_id), relabels.get(sample_id, {}))
        for sample_id, label in zip(samples["sample_id"], samples["label"], strict=True)
    ]
    actions = pd.DataFrame(rows, columns=["action", "final_label", "reason"], index=samples.index)
    open_ = unreviewed(status)
    open_ = open_[open_["sample_id"].notna()].groupby("sample_id")["issue_type"].agg(lambda s: ";".join(sorted(set(s))))
    manifest = samples.join(actions).assign(
        unreviewed=lambda f: [open_.get(s, "") for s in f["sample_id"]],
        disputed=lambda f: f["sample_id"].map(lambda s: "; ".join(disputed.get(s, []))),
    )
    return manifest[list(MANIFEST_COLUMNS)].reset_index(drop=True)


def cleaning(manifest: pd.DataFrame) -> Cleaning:
    """The drops and relabels of a manifest, for TrainConfig (sorted, so equal manifests give equal configs)."""
    dropped = manifest.loc[manifest["action"] == "drop", "sample_id"]
    relabelled = manifest[manifest["action"] == "relabel"]
    pairs = zip(relabelled["sample_id"], relabelled["final_label"], strict=True)
    return Cleaning(drop=tuple(sorted(dropped)), relabel=tuple(sorted((str(s), str(c)) for s, c in pairs)))


def manifest_summary(manifest: pd.DataFrame, status: ReviewStatus) -> dict[str, int]:
    counts = manifest["action"].value_counts()
    open_ = unreviewed(status)
    return {
        "samples": len(manifest),
        **{action: int(counts.get(action, 0)) for action in ACTIONS},
        "samples_with_unreviewed_findings": int((manifest["unreviewed"] != "").sum()),
        "unreviewed_findings": len(open_),
        "disputed_subjects": int(status.states["disputed"].sum()),
    }


def write_manifest(path: Path, dataset: Dataset, manifest: pd.DataFrame, status: ReviewStatus) -> Path:
    """CSV (one row per sample) or JSON (the rows, a summary and every open finding), by the file's suffix."""
    form = manifest_format(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if form == "csv":
            manifest.to_csv(path, index=False)
        else:
            path.write_text(json.dumps(manifest_document(dataset, manifest, status), indent=1), encoding="utf-8")
    except OSError as err:
        raise DataError(f"Cannot write the manifest to '{path}': {err.strerror or err}.") from None
    return path


def manifest_format(path: Path) -> str:
    """ "csv" or "json", from the file name; anything else is refused before any work."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise OptionError(f"The manifest is written as .csv or .json; got '{path.name}'. Name the file so.")
    return suffix[1:]


def manifest_document(dataset: Dataset, manifest: pd.DataFrame, status: ReviewStatus) -> dict[str, Any]:
    """The JSON manifest as a dict."""
    open_ = unreviewed(status)
    return jsonable(
        {
            "dataset": {
                "name": dataset.name,
                "source": str(dataset.source),
                "kind": dataset.kind,
                "label_column": dataset.label_column,
                "class_names": list(dataset.class_names),
            },
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "summary": manifest_summary(manifest, status),
            "samples": manifest.to_dict("records"),
            "unreviewed": open_[UNREVIEWED_COLUMNS]
            .astype(object)
            .where(open_[UNREVIEWED_COLUMNS].notna(), None)
            .to_dict("records"),
            "disputed": status.states.loc[status.states["disputed"], ["kind", "analyzer", "sample_id", "sides"]]
            .astype(object)
            .to_dict("records"),
        }
    )


def _targets(state: Any, known: set[str], split_of: dict[str, str]) -> tuple[set[str], set[str]]:
    """(samples the decision is about, samples it acts on): a cluster drop keeps one copy."""
    if state.kind == "cluster":
        members = [m for m in (state.members or []) if m in known]
        if state.decision != "drop" or not members:
            return set(members), set(members)
        kept = next((m for m in members if split_of[m] == "train"), members[0])
        return set(members), set(members) - {kept}
    if pd.isna(state.sample_id) or state.sample_id not in known:
        return set(), set()
    return {state.sample_id}, {state.sample_id}


def _resolve(
    sample_id: str,
    label: object,
    explicit: tuple[str, str | None, str] | None,
    drop: str | None,
    relabels: dict[str, str],
) -> tuple[str, object, str]:
    """(action, final label, reason) of one sample."""
    if explicit is not None:
        action, new_label, reason = explicit
        if action == "relabel" and new_label != label:
            return "relabel", new_label, reason
        return ("drop" if action == "drop" else "keep"), label, reason
    if drop is not None:
        return "drop", label, drop
    if len(relabels) > 1:
        return "keep", label, "conflicting relabels: " + "; ".join(relabels.values())
    if relabels:
        (new_label, reason), *_ = relabels.items()
        if new_label != str(label):
            return "relabel", new_label, reason
        return "keep", label, reason
    return "keep", label, ""
