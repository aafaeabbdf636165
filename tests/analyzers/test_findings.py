from __future__ import annotations

from pathlib import Path

from recipe_dash.analyzers.findings import filter_findings, findings_frame, with_samples
from recipe_dash.io import load_dataset


def test_findings_join_and_filter(image_folder: Path) -> None:
    dataset = load_dataset(image_folder)
    findings = findings_frame(
        ["train/cat/0.png", "test/dog/1.png", None],
        ["duplicate", "corrupt", "imbalance"],
        [0.5, 0.9, 0.2],
        ["g1", None, None],
        ["a", "b", "c"],
    )
    joined = with_samples(dataset, findings)
    assert list(joined["label"].fillna("-")) == ["cat", "dog", "-"]
    assert list(filter_findings(joined)["sample_id"].fillna("-")) == ["test/dog/1.png", "train/cat/0.png", "-"]
    assert list(filter_findings(joined, min_score=0.6)["issue_type"]) == ["corrupt"]
    assert list(filter_findings(joined, splits=["train"])["sample_id"]) == ["train/cat/0.png"]
    assert list(filter_findings(joined, issue_types=["imbalance"])["detail"]) == ["c"]
    assert filter_findings(joined, labels=["bird"]).empty
