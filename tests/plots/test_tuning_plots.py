"""Study figures: drawn only once there is something to draw, and titled by what their values are."""

from __future__ import annotations

import optuna
from optuna.trial import TrialState, create_trial

from recipe_dash import plots


def test_the_per_epoch_figure_says_when_its_values_are_means_of_the_last_epochs() -> None:
    study = optuna.create_study(direction="maximize")
    assert plots.intermediate_figure(study, "validation accuracy") is None  # nothing reported yet
    study.add_trial(create_trial(state=TrialState.COMPLETE, value=0.8, intermediate_values={1: 0.6, 2: 0.7}))
    single = plots.intermediate_figure(study, "validation accuracy")
    averaged = plots.intermediate_figure(study, "validation accuracy", last_epochs=3)
    assert single is not None and averaged is not None
    assert single.layout.title.text == "Validation accuracy per epoch, every trial"
    assert averaged.layout.title.text == (
        "Validation accuracy per epoch, every trial (at each epoch, the mean of the last 3)"
    )
    assert averaged.layout.yaxis.title.text == "validation accuracy"
    assert averaged.layout.xaxis.dtick == 1  # whole epochs, not 1.5
