"""The noise-aware median pruner: a trial behind the median by less than its noise goes on, by more stops."""

from __future__ import annotations

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState, create_trial

from recipe_dash.tuning.pruning import SCORE_SE, NoiseAwareMedianPruner, standard_error

COMPLETED = ([0.50, 0.70, 0.80], [0.55, 0.75, 0.85], [0.60, 0.80, 0.90], [0.65, 0.85, 0.95])  # medians .575 .775 .875


def study_with(curves, direction: str = "maximize") -> optuna.Study:
    study = optuna.create_study(direction=direction, pruner=NoiseAwareMedianPruner())
    for curve in curves:
        study.add_trial(
            create_trial(
                state=TrialState.COMPLETE,
                value=curve[-1],
                intermediate_values=dict(enumerate(curve, start=1)),
            )
        )
    return study


def judged(study: optuna.Study, curve: list[float], se: float) -> bool:
    """Whether the pruner stops a trial reporting `curve` (epochs 1..n) with standard error `se`."""
    trial = study.ask()
    trial.set_user_attr(SCORE_SE, se)
    for epoch, value in enumerate(curve, start=1):
        trial.report(value, epoch)
    return trial.should_prune()


def test_a_trial_behind_the_median_by_less_than_its_noise_goes_on() -> None:
    study = study_with(COMPLETED)
    assert not judged(study, [0.50, 0.72], se=0.06)  # 0.055 behind, margin one standard error
    assert judged(study, [0.50, 0.70], se=0.06)  # 0.075 behind
    assert judged(study, [0.50, 0.72], se=0.0)  # without noise it is the plain median rule


def test_its_best_score_so_far_counts_not_its_latest() -> None:
    study = study_with(COMPLETED)
    assert not judged(study, [0.50, 0.87, 0.80], se=0.01)  # a dip after a good epoch
    assert judged(study, [0.50, 0.80, 0.80], se=0.01)


def test_judged_from_the_first_epoch_but_not_before_four_trials_completed() -> None:
    assert judged(study_with(COMPLETED), [0.10], se=0.0)
    assert not judged(study_with(COMPLETED[:3]), [0.10, 0.10], se=0.0)
    study = study_with(COMPLETED)
    study.pruner = NoiseAwareMedianPruner(n_warmup_steps=2)  # a warm-up leaves the first epoch alone
    assert not judged(study, [0.10], se=0.0) and judged(study, [0.10, 0.10], se=0.0)


def test_a_loss_is_judged_the_other_way_and_a_diverged_one_stops() -> None:
    study = study_with([[2.0, 1.0], [2.0, 1.2], [2.0, 1.4], [2.0, 1.6]], direction="minimize")  # median 1.3
    assert not judged(study, [2.0, 1.35], se=0.1)
    assert judged(study, [2.0, 1.45], se=0.1)
    assert judged(study_with([[2.0, 1.0]] * 4, direction="minimize"), [np.nan, np.nan], se=0.0)


def test_a_trial_longer_than_the_completed_ones_is_not_judged_where_none_reported() -> None:
    assert not judged(study_with([[0.9, 0.9]] * 4), [0.1, 0.95, 0.1], se=0.0)


@pytest.mark.parametrize("metric", ["accuracy", "balanced_accuracy", "loss"])
def test_the_standard_error_is_how_much_the_score_moves_over_resampled_validation_sets(metric: str) -> None:
    rng = np.random.default_rng(0)
    y = rng.choice(3, size=400, p=[0.6, 0.3, 0.1])
    predicted = np.where(rng.random(400) < np.array([0.9, 0.7, 0.5])[y], y, (y + 1) % 3)
    losses = rng.gamma(0.5, 1.0, size=400)

    def score(index: np.ndarray) -> float:
        if metric == "loss":
            return float(losses[index].mean())
        hit = predicted[index] == y[index]
        if metric == "accuracy":
            return float(hit.mean())
        return float(np.mean([hit[y[index] == k].mean() for k in range(3)]))

    spread = np.std([score(rng.integers(0, 400, 400)) for _ in range(2000)])
    assert standard_error(metric, y, predicted, losses) == pytest.approx(spread, rel=0.15)
