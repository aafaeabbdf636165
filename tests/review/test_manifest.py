"""The cleaned manifest turns decisions into keep / drop / relabel per sample, and training applies it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from recipe_dash.analyzers.base import CheckDetails, Result
from recipe_dash.analyzers.findings import concat_findings, findings_frame
from recipe_dash.errors import OptionError
from recipe_dash.io import Dataset, load_dataset
from recipe_dash.review import (
    Verdict,
    cleaned_manifest,
    cleaning,
    cluster_subject,
    finding_subject,
    history,
    manifest_summary,
    record_decisions,
    review_status,
    sample_subject,
    write_manifest,
)
from recipe_dash.settings import SAMPLE_DATA
from recipe_dash.store import Store, open_store
from recipe_dash.training.config import TrainConfig
from recipe_dash.training.data import prepare_data


@pytest.fixture(scope="module")
def digits() -> Dataset:
    return load_dataset(SAMPLE_DATA / "digits")


def ids(dataset: Dataset, split: str, label: str, n: int) -> list[str]:
    chosen = dataset.samples[(dataset.samples["split"] == split) & (dataset.samples["label"] == label)]
    return list(chosen["sample_id"].head(n))


class Review:
    """A store with the digits sample, findings planted on known samples, and decisions on them."""

    def __init__(self, dataset: Dataset) -> None:
        self.store: Store = open_store()
        self.dataset = dataset
        self.dataset_id = self.store.record_dataset(dataset)
        self.test_copy, self.train_copy = ids(dataset, "test", "0", 1)[0], ids(dataset, "train", "0", 1)[0]
        self.noisy = ids(dataset, "train", "3", 6)
        copies = [self.test_copy, self.train_copy]
        duplicates = concat_findings(
            [
                findings_frame(copies, "duplicate", 1.0, "dup-0", "copy"),
                findings_frame(copies, "leakage", 1.0, "dup-0", "across splits"),
            ]
        )
        noise = findings_frame(self.noisy, "label_noise", 0.9, "given:3 -> suspected:5", "looks like a 5")
        self.results = {
            "duplicates": Result("duplicates", "fail", "", duplicates, CheckDetails()),
            "label_noise": Result("label_noise", "warn", "", noise, CheckDetails()),
        }

    def decide(self, subjects: list, verdict: Verdict, who: str = "alice", seen: int = 0) -> None:
        keys = {s.key: seen for s in subjects}
        record_decisions(self.store, self.dataset_id, subjects, verdict, reviewer=who, seen=keys)

    def manifest(self) -> pd.DataFrame:
        status = review_status(self.results, history(self.store, self.dataset_id))
        return cleaned_manifest(self.dataset, status).set_index("sample_id")

    def noise(self, i: int):
        return finding_subject("label_noise", "label_noise", self.noisy[i])


def test_decisions_become_actions_with_their_reasons(digits: Dataset) -> None:
    review = Review(digits)
    review.decide([cluster_subject([review.test_copy, review.train_copy])], Verdict("drop"))
    review.decide([review.noise(0)], Verdict("relabel", "5"), who="bob")
    review.decide([review.noise(1)], Verdict("relabel", "3"))  # to its own label: nothing changes
    review.decide([review.noise(2)], Verdict("drop"))
    review.decide([sample_subject(review.noisy[2])], Verdict("not_an_issue"), who="carol")  # the sample's own word wins
    review.decide([review.noise(3)], Verdict("confirmed"))
    manifest = review.manifest()

    assert len(manifest) == digits.n_samples and manifest.index.is_unique
    assert manifest.loc[review.train_copy, "action"] == "keep"  # a cluster drop keeps the copy in train
    assert (
        manifest.loc[review.test_copy, "action"] == "drop"
        and "cluster of 2" in manifest.loc[review.test_copy, "reason"]
    )
    assert tuple(manifest.loc[review.noisy[0], ["action", "final_label", "label"]]) == ("relabel", "5", "3")
    assert "by bob" in manifest.loc[review.noisy[0], "reason"]
    assert manifest.loc[review.noisy[1], "action"] == "keep"
    assert manifest.loc[review.noisy[2], "action"] == "keep" and "carol" in manifest.loc[review.noisy[2], "reason"]
    assert manifest.loc[review.noisy[3], "action"] == "keep"
    # what nobody decided yet is listed per sample; decided findings are not
    assert manifest.loc[review.noisy[5], "unreviewed"] == "label_noise"
    assert manifest.loc[review.noisy[0], "unreviewed"] == "" and manifest.loc[review.test_copy, "unreviewed"] == ""
    assert (manifest["action"] == "keep").sum() == digits.n_samples - 2


def test_disputes_and_conflicting_relabels_act_on_nothing(digits: Dataset) -> None:
    review = Review(digits)
    review.decide([review.noise(0)], Verdict("drop"), who="alice")
    review.decide([review.noise(0)], Verdict("not_an_issue"), who="bob")  # neither saw the other: disputed
    other_check = finding_subject("outliers", "outlier", review.noisy[1])  # a finding the latest run no longer has
    review.decide([review.noise(1)], Verdict("relabel", "5"))
    review.decide([other_check], Verdict("relabel", "8"))
    manifest = review.manifest()
    assert manifest.loc[review.noisy[0], "action"] == "keep"
    assert "alice: drop · bob: not an issue" in manifest.loc[review.noisy[0], "disputed"]
    assert manifest.loc[review.noisy[1], "action"] == "keep"
    assert manifest.loc[review.noisy[1], "reason"].startswith("conflicting relabels")
    review.decide([review.noise(0)], Verdict("drop"), who="carol", seen=2)  # settled
    assert review.manifest().loc[review.noisy[0], "action"] == "drop"


def test_manifest_files_and_training_on_the_cleaned_data(digits: Dataset, tmp_path: Path) -> None:
    review = Review(digits)
    review.decide([cluster_subject([review.test_copy, review.train_copy])], Verdict("drop"))
    review.decide([review.noise(0), review.noise(1)], Verdict("relabel", "5"))
    status = review_status(review.results, history(review.store, review.dataset_id))
    manifest = cleaned_manifest(digits, status)

    written = pd.read_csv(
        write_manifest(tmp_path / "m.csv", digits, manifest, status), dtype=str, keep_default_na=False
    )
    assert list(written.columns) == list(manifest.columns) and len(written) == digits.n_samples
    document = json.loads(write_manifest(tmp_path / "m.json", digits, manifest, status).read_text())
    assert document["summary"] == manifest_summary(manifest, status)
    summary = document["summary"]
    assert (summary["drop"], summary["relabel"], summary["keep"]) == (1, 2, digits.n_samples - 3)
    assert {row["sample_id"] for row in document["unreviewed"]} == set(review.noisy[2:])
    with pytest.raises(OptionError, match=r"\.csv or \.json"):
        write_manifest(tmp_path / "m.xlsx", digits, manifest, status)

    cleaned = cleaning(manifest)
    assert cleaned.drop == (review.test_copy,) and cleaned.relabel == tuple(sorted((s, "5") for s in review.noisy[:2]))
    config = TrainConfig.from_dict(
        json.loads(json.dumps(TrainConfig(drop_samples=cleaned.drop, relabel_samples=cleaned.relabel).to_dict()))
    )
    raw, data = prepare_data(digits), prepare_data(digits, **config.data_options())
    assert review.test_copy in raw.ids_val and review.test_copy not in data.ids_val
    assert len(data.ids_val) == len(raw.ids_val) - 1 and len(data.ids_train) == len(raw.ids_train)
    relabelled = data.ids_train.index(review.noisy[0])
    assert data.class_names[int(data.y_train[relabelled])] == "5"
    assert any("Cleaned by the team's review" in note for note in data.notes)
