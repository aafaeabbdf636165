"""Ground-truth manifest helpers shared by the digits and table generators.

The manifest is the answer key that analyzer tests score precision/recall
against, so it has to be byte-for-byte reproducible: entries are plain dicts,
always sorted the same way, and serialised with sorted keys.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

#: Every issue type a planted entry may carry (the types the analyzers emit).
ISSUE_TYPES: frozenset[str] = frozenset(
    {
        "duplicate",
        "near_duplicate",
        "leakage",
        "conflicting_label",
        "corrupt",
        "wrong_extension",
        "unusual_mode",
        "odd_size",
        "label_noise",
        "outlier",
        "imbalance",
        "bias",
        "constant_column",
        "high_missing",
        "mixed_types",
    }
)

Entry = dict[str, Any]


def entry(
    issue_type: str,
    sample_id: str | None,
    detail: str,
    *,
    group: str | None = None,
    **extra: Any,
) -> Entry:
    """Build one planted entry; rejects unknown issue types early so typos
    cannot silently produce an answer key the analyzers never match."""
    if issue_type not in ISSUE_TYPES:
        raise ValueError(f"unknown issue type {issue_type!r}")
    return {"sample_id": sample_id, "issue_type": issue_type, "group": group, "detail": detail, **extra}


def cluster_entries(
    members: Sequence[tuple[str, str]],
    issue_types: Iterable[str],
    group: str,
) -> list[Entry]:
    """List every member of a duplicate-like cluster under every issue type.

    ``members`` holds (sample_id, detail) pairs, the original first. Listing
    all members (not only the copies) keeps recall well defined whichever
    member an analyzer happens to call the "copy".
    """
    return [entry(kind, sid, detail, group=group) for kind in issue_types for sid, detail in members]


def sort_planted(planted: Iterable[Entry]) -> list[Entry]:
    """Sort by (issue_type, sample_id, group), treating null as the empty string."""
    return sorted(planted, key=lambda e: (e["issue_type"], e["sample_id"] or "", e["group"] or ""))


def build_manifest(dataset: str, seed: int, planted: Iterable[Entry], **fields: Any) -> dict[str, Any]:
    """Assemble the manifest dict with the planted list in canonical order."""
    return {"dataset": dataset, "seed": seed, **fields, "planted": sort_planted(planted)}


def dumps_manifest(manifest: dict[str, Any]) -> str:
    """Serialise deterministically (pretty, sorted keys, trailing newline)."""
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_manifest(manifest: dict[str, Any], path: Path) -> None:
    """Write a manifest next to its dataset."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps_manifest(manifest), encoding="utf-8")


def load_manifest(path: Path) -> dict[str, Any]:
    """Read a manifest written by :func:`write_manifest`."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
