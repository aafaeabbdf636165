"""One progress bar over an analysis whose steps cost very different amounts: the feature pass, then each check.

A bar that counts steps reaches 100% while label noise and local-vs-global (most of the time on images) still
run. Here each step's share of the bar is the time it is expected to take: the seconds it took last time on
this dataset when known, else a rough prior per 1,000 samples measured on the bundled samples (2 cores).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

# Seconds per 1,000 samples (digits, 1,274 images; breast_cancer, 453 rows), only until a real run is recorded.
PRIOR_SECONDS_PER_1K: Mapping[str, float] = {
    "features": 2.5,
    "duplicates": 1.0,
    "corruption": 0.3,
    "imbalance": 0.1,
    "label_noise": 7.0,
    "outliers": 2.0,
    "biases": 0.5,
    "distributions": 0.5,
    "local_global": 12.0,
}
_DEFAULT_PRIOR = 1.0
_SMALLEST_SHARE = 0.05  # seconds; a step recorded as instant still moves the bar a little
FEATURES = "features"


class Report(Protocol):
    def __call__(self, done: float, total: float, message: str, *, force: bool = ...) -> None: ...


class StagedProgress:
    """Progress(done, total, message) for the feature pass, `begin(check)` between checks; reports percent.

    The caller's `report` gets (percent done, 100, message); a new step is always reported (`force=True`),
    progress inside a step may be throttled by the caller.
    """

    def __init__(self, report: Report, checks: list[str], *, n_samples: int, seconds: Mapping[str, float]) -> None:
        steps = [FEATURES, *checks]
        self._weights = {step: max(seconds.get(step, _prior(step, n_samples)), _SMALLEST_SHARE) for step in steps}
        self._total = sum(self._weights.values())
        self._report = report
        self._checks = checks
        self._step = FEATURES
        self._finished = 0.0  # expected seconds of the steps already done

    def __call__(self, done: int, total: int, message: str) -> None:
        """Progress inside the current step (the feature pass reports images or rows)."""
        inside = min(max(done / total, 0.0), 1.0) if total else 0.0
        self._report(self._percent(inside), 100.0, message, force=done >= total)

    def begin(self, check: str) -> None:
        self._finished += self._weights[self._step]
        self._step = check
        number = self._checks.index(check) + 1
        self._report(self._percent(0.0), 100.0, f"running {check} (check {number} of {len(self._checks)})", force=True)

    def finish(self, message: str) -> None:
        self._report(100.0, 100.0, message, force=True)

    def _percent(self, inside: float) -> float:
        return round(100 * (self._finished + inside * self._weights[self._step]) / self._total, 2)


def _prior(step: str, n_samples: int) -> float:
    return PRIOR_SECONDS_PER_1K.get(step, _DEFAULT_PRIOR) * n_samples / 1000
