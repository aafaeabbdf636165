"""An ensemble of seeds against its members, on a table where single models disagree."""

from __future__ import annotations

from pathlib import Path

import pytest

from recipe_dash.errors import OptionError
from recipe_dash.regularize import ensemble_plan, ensemble_result
from recipe_dash.store import Store
from recipe_dash.training.config import TrainConfig
from tests.regularize.conftest import data_hungry_table, open_table, run_plan


def test_an_ensemble_of_three_seeds_is_at_least_as_good_as_its_median_member(store: Store, tmp_path: Path) -> None:
    # 300 rows of a 20-feature linear rule: an MLP's validation accuracy depends on its seed by a point or two
    dataset_id = open_table(store, data_hungry_table(tmp_path / "t.csv", n_train=300, n_val=1000, d=20))
    group = run_plan(store, dataset_id, ensemble_plan(TrainConfig(model="mlp", epochs=30, lr=1e-3, seed=7), 3))
    assert [m.config["seed"] for m in group.members] == [7, 8, 9]
    assert {m.config["split_seed"] for m in group.members} == {7}
    result = ensemble_result(group)
    assert result.ensemble is not None and result.median_single is not None and result.best_single is not None
    assert result.ensemble >= result.median_single, result.members
    assert len(set(result.members["val"])) > 1  # the members really differ
    assert result.gain is not None and result.gain.low < result.gain.value < result.gain.high
    assert "3 models averaged" in result.summary


def test_members_validate_on_the_same_samples_when_validation_is_carved_from_train(
    store: Store, table_file: Path
) -> None:
    group = run_plan(store, open_table(store, table_file), ensemble_plan(TrainConfig(epochs=2), 2))
    result = ensemble_result(group)
    assert result.ensemble is not None, result.summary  # only possible when both saw the same validation rows


@pytest.mark.parametrize("n", [1, 6])
def test_an_ensemble_is_two_to_five_models(n: int) -> None:
    with pytest.raises(OptionError, match="n_models must be between 2 and 5"):
        ensemble_plan(TrainConfig(), n)
