"""One honest bar over an analysis: each step's share is its expected time, never 100% before the end."""

from __future__ import annotations

from recipe_dash.analyzers._progress import StagedProgress


def recorder() -> tuple[list[tuple[float, str, bool]], object]:
    seen: list[tuple[float, str, bool]] = []

    def report(done: float, total: float, message: str, *, force: bool = False) -> None:
        assert total == 100.0
        seen.append((done, message, force))

    return seen, report


def test_the_bar_follows_expected_time_not_step_count() -> None:
    seen, report = recorder()
    # Last time: features 2 s, duplicates 1 s, label noise 16 s, local vs global 1 s.
    seconds = {"features": 2.0, "duplicates": 1.0, "label_noise": 16.0, "local_global": 1.0}
    progress = StagedProgress(report, ["duplicates", "label_noise", "local_global"], n_samples=1000, seconds=seconds)
    progress(500, 1000, "500 of 1000 images")
    assert seen[-1][0] == 5.0  # half the feature pass is 1 s of 20
    progress(1000, 1000, "1000 of 1000 images")
    progress.begin("duplicates")
    progress.begin("label_noise")
    assert seen[-1] == (15.0, "running label_noise (check 2 of 3)", True)
    progress.begin("local_global")  # the long check is done: most of the bar is behind us
    assert seen[-1][0] == 95.0 and seen[-1][2]
    assert max(done for done, _, _ in seen) < 100.0  # two checks still to run never show as 100%
    progress.finish("saving results")
    assert seen[-1][0] == 100.0


def test_without_a_previous_run_the_priors_weigh_the_slow_checks() -> None:
    seen, report = recorder()
    progress = StagedProgress(report, ["imbalance", "label_noise"], n_samples=2000, seconds={})
    progress.begin("imbalance")
    progress.begin("label_noise")
    assert seen[-1][0] < 50.0  # label noise costs more than the feature pass and imbalance together
