from __future__ import annotations

from pathlib import Path

from recipe_dash.analyzers.findings import filter_findings, findings_frame, with_samples
from recipe_dash.io import load_dataset


def test_findings_join_and_filter(image_folder: Path) -> None:
    dataset = load_dataset(image_folder)
    findings = findings_frame(
        ["train/cat/0.png", "test/dog/1.png", None, None, None, None],
        ["duplicate", "corrupt", "imbalance", "bias", "drift", "other"],
        [0.5, 0.9, 0.2, 0.1, 0.05, 0.01],
        ["g1", None, "class:cat", "column:notes", "column:height split:test", None],
        ["a", "b", "c", "d", "e", "f"],
    )
    joined = with_samples(dataset, findings)
    assert list(joined["label"].fillna("-")) == ["cat", "dog", "cat", "-", "-", "-"]  # a class finding: its class
    assert list(joined["split"].fillna("-")) == ["train", "test", "-", "-", "test", "-"]  # a drift finding: its split
    assert list(joined["about"]) == [
        "train/cat/0.png",
        "test/dog/1.png",
        "class 'cat'",
        "column 'notes'",
        "column 'height' · split 'test'",
        "other",
    ]
    assert list(filter_findings(joined, labels=["cat"])["about"]) == ["train/cat/0.png", "class 'cat'"]
    by_score = filter_findings(joined)["sample_id"].fillna("-")
    assert list(by_score) == ["test/dog/1.png", "train/cat/0.png", "-", "-", "-", "-"]
    assert list(filter_findings(joined, min_score=0.6)["issue_type"]) == ["corrupt"]
    assert list(filter_findings(joined, splits=["train"])["sample_id"]) == ["train/cat/0.png"]
    assert list(filter_findings(joined, issue_types=["imbalance"])["detail"]) == ["c"]
    assert filter_findings(joined, labels=["bird"]).empty
