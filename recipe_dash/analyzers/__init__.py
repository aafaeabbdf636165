"""Every check, registered in one place: key = module name = page name.

An analyzer is `analyze(dataset, features, **options) -> Result`, options keyword-only with
defaults; `features` is `recipe_dash.features.compute_features(dataset)`.
"""

from __future__ import annotations

from collections.abc import Callable

from recipe_dash.analyzers import corruption, duplicates, imbalance
from recipe_dash.analyzers import biases, distributions, label_noise, local_global, outliers
from recipe_dash.analyzers.base import Result

ANALYZERS: dict[str, Callable[..., Result]] = {
    "duplicates": duplicates.analyze,
    "corruption": corruption.analyze,
    "imbalance": imbalance.analyze,
    "label_noise": label_noise.analyze,
    "outliers": outliers.analyze,
    "biases": biases.analyze,
    "distributions": distributions.analyze,
    "local_global": local_global.analyze,
}

__all__ = ["ANALYZERS", "Result"]
