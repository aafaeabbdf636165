"""Near-copy precision and recall on data nobody tuned the check to: two stress sets and the bundled sample.

    python benchmarks/near_copies.py                       # digits, glyphs and the bundled digits
    python benchmarks/near_copies.py --sets glyphs --seed 12

The stress sets (see near_copy_sets.py) are generated once per seed under --root. For each set this
prints, per issue type, the planted and flagged sample counts with precision and recall (targets:
near_duplicate >= 0.9 / 0.9 on the stress sets, >= 0.95 / 0.95 on the bundled sample, flagged within
1.5x of planted), the share of planted copy pairs found per kind of edit, how many hard negatives
(look-alike pairs that are not copies) ended up in one cluster (target 0), and the check's time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd
from near_copy_sets import make_digits, make_glyphs

from recipe_dash.analyzers import duplicates
from recipe_dash.features import compute_features
from recipe_dash.io import load_dataset
from recipe_dash.sample_data import load_manifest
from recipe_dash.settings import SAMPLE_DATA

ISSUES = ("near_duplicate", "leakage", "conflicting_label", "duplicate")


def stress_truth(key: dict[str, Any]) -> tuple[dict[str, set[str]], list[tuple[str, str, str]]]:
    """Members each issue type should flag, and the planted copy pairs (original, copy, kind)."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    pairs = [(c["original"], c["copy"], c["kind"]) for c in key["copies"]]
    for a, b in [(a, b) for a, b, _ in pairs] + [tuple(e) for e in key["exact"]]:
        parent[root(a)] = root(b)
    groups: dict[str, set[str]] = defaultdict(set)
    for x in list(parent):
        groups[root(x)].add(x)
    near_roots = {root(a) for a, _, _ in pairs}
    truth: dict[str, set[str]] = {issue: set() for issue in ISSUES}
    for r, members in groups.items():
        truth["near_duplicate"] |= members if r in near_roots else set()
        truth["leakage"] |= members if len({m.split("/")[0] for m in members}) > 1 else set()
        truth["conflicting_label"] |= members if len({m.split("/")[1] for m in members}) > 1 else set()
    truth["duplicate"] = {s for e in key["exact"] for s in e}
    return truth, pairs


def manifest_truth(manifest: dict[str, Any]) -> tuple[dict[str, set[str]], list[tuple[str, str, str]]]:
    truth = {issue: {e["sample_id"] for e in manifest["planted"] if e["issue_type"] == issue} for issue in ISSUES}
    members: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in manifest["planted"]:
        if e["issue_type"] == "near_duplicate":
            members[e["group"]].append(e)
    pairs = [(g[0]["sample_id"], g[1]["sample_id"], "planted") for g in members.values()]
    return truth, pairs


def report(name: str, findings: pd.DataFrame, truth: dict[str, set[str]], pairs: list, hard: list) -> None:
    for issue in ISSUES:
        flagged = set(findings.loc[(findings["issue_type"] == issue) & findings["sample_id"].notna(), "sample_id"])
        hits = len(flagged & truth[issue])
        print(
            f"  {issue:18s} planted {len(truth[issue]):4d}  flagged {len(flagged):4d}  "
            f"precision {hits / max(len(flagged), 1):.3f}  recall {hits / max(len(truth[issue]), 1):.3f}"
        )
    linked = findings[findings["issue_type"].isin(["near_duplicate", "duplicate"])]
    group = dict(zip(linked["sample_id"], linked["group"], strict=False))
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for original, copy, kind in pairs:
        by_kind[kind][0] += copy in group and group[copy] == group.get(original)
        by_kind[kind][1] += 1
    found = sum(v[0] for v in by_kind.values())
    print(f"  copy pairs found {found}/{len(pairs)}: " + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in by_kind.items()))
    joined = [(a, b) for a, b in hard if a in group and group[a] == group.get(b)]
    either = sum(a in group or b in group for a, b in hard)
    print(f"  hard negatives in one cluster: {len(joined)} of {len(hard)} (a member flagged for a real copy: {either})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sets = ["digits", "glyphs", "bundled"]
    parser.add_argument("--sets", nargs="+", default=sets, choices=sets)
    parser.add_argument("--seed", type=int, default=None, help="stress-set seed (default: digits 1, glyphs 2)")
    parser.add_argument("--root", type=Path, default=Path(tempfile.gettempdir()) / "recipe_dash_near_copies")
    args = parser.parse_args()
    for name in args.sets:
        if name == "bundled":
            data, manifest = SAMPLE_DATA / "digits", load_manifest(SAMPLE_DATA / "digits.manifest.json")
            truth, pairs = manifest_truth(manifest)
            hard = [(h["a"], h["b"]) for h in manifest["hard_negatives"]]
        else:
            seed = args.seed if args.seed is not None else {"digits": 1, "glyphs": 2}[name]
            folder = args.root / f"{name}-{seed}"
            key = (make_digits if name == "digits" else make_glyphs)(folder, seed)
            if key is None:
                print(f"{name}: skipped, this machine lacks the DejaVu and Liberation fonts")
                continue
            data = folder / "data"
            truth, pairs = stress_truth(key)
            hard = [(h["a"], h["b"]) for h in key["hard_negatives"]]
        dataset = load_dataset(data)
        features = compute_features(dataset, cache_dir=args.root / "features")
        started = time.perf_counter()
        result = duplicates.analyze(dataset, features)
        seconds = time.perf_counter() - started
        d = result.details
        typical = "none" if d.typical_residual is None else f"{10**d.typical_residual:.2g}"
        print(
            f"{name} ({dataset.n_samples:,} images): check {seconds:.1f} s; residual threshold "
            f"{10**d.residual_threshold:.2g}, typical closest look-alike {typical}"
        )
        report(name, result.findings, truth, pairs, hard)


if __name__ == "__main__":
    main()
