from __future__ import annotations

from pathlib import Path

import pandas as pd

from recipe_dash.analyzers import imbalance
from recipe_dash.io import load_dataset


def _table(tmp_path: Path, counts: dict[str, int], test_counts: dict[str, int] | None = None) -> Path:
    labels = [label for label, n in counts.items() for _ in range(n)]
    splits = ["train"] * len(labels)
    for label, n in (test_counts or {}).items():
        labels += [label] * n
        splits += ["test"] * n
    path = tmp_path / "t.csv"
    pd.DataFrame({"x": range(len(labels)), "label": labels, "split": splits}).to_csv(path, index=False)
    return path


def test_a_rare_class_is_flagged_with_its_ratio_and_advice(tmp_path: Path) -> None:
    result = imbalance.analyze(load_dataset(_table(tmp_path, {"a": 100, "b": 90, "c": 8})))
    assert result.verdict == "fail"  # 8 vs a median of 95 is below the 1:10 line
    assert result.findings["detail"].tolist() == [
        "Class 'c' has 8 samples vs a median of 95 for the other classes (about 1:11.9)."
    ]
    assert result.summary == (
        "Class 'c' is rare (8 samples vs a median of 95 for the other classes): weight the loss by inverse "
        "class frequency or resample the rare classes, and judge models by per-class recall, macro-F1 or "
        "balanced accuracy rather than accuracy."
    )
    overall = result.details.splits["all"]
    assert overall.ratio == 100 / 8 and 0 < overall.normalized_entropy < 1


def test_balanced_classes_pass_and_a_class_missing_from_a_split_fails(tmp_path: Path) -> None:
    balanced = imbalance.analyze(load_dataset(_table(tmp_path, {"a": 50, "b": 45}, {"a": 10, "b": 10})))
    assert (balanced.verdict, len(balanced.findings)) == ("pass", 0)
    missing = imbalance.analyze(load_dataset(_table(tmp_path, {"a": 50, "b": 45}, {"a": 10})))
    assert missing.verdict == "fail"
    assert missing.findings["detail"].tolist() == [
        "Class 'b' has no samples in split 'test', so it is never evaluated there."
    ]
    counts = missing.details.counts
    assert counts.query("split == 'test' and label == 'b'")["count"].item() == 0


def test_the_balance_table_reads_the_number_the_verdict_reads(tmp_path: Path) -> None:
    """Ten even classes and one rare one: entropy stays near 1 (looks balanced) while the verdict warns;
    the table shows the rarest class against the median, which tells the verdict's story."""
    counts = {f"k{i}": 100 for i in range(10)} | {"rare": 30}
    result = imbalance.analyze(load_dataset(_table(tmp_path, counts)))
    assert result.verdict == "warn" and result.details.splits["all"].normalized_entropy > 0.97
    table = imbalance.rarest_classes(result.details).set_index("split")
    assert table.loc["all", "rarest_class"] == "rare" and table.loc["all", "rarest_count"] == 30
    assert table.loc["all", "rarest_vs_median"] == 0.3  # below warn_ratio 0.5, above fail_ratio 0.1: warn
    assert result.details.fail_ratio < table.loc["all", "rarest_vs_median"] < result.details.warn_ratio
