"""Models of the data for the checks that need one: label noise, outliers, biases, local vs global.

`model_input` turns a dataset (and its per-sample features) into one numeric matrix, leaving out
identifier, constant, empty and label-leaking columns (`judge_leaks`); `out_of_fold` gives every sample class
probabilities from a model that never saw it; `predictive_power` scores one attribute at a time.
"""

from __future__ import annotations

from recipe_dash.analyzers._models.attributes import (
    Attribute,
    attribute,
    image_attributes,
    model_columns,
    table_attributes,
)
from recipe_dash.analyzers._models.embedding import EmbeddingSource, check_embedding, load_embedding
from recipe_dash.analyzers._models.leaks import CRITERIA, LeakRules, describe_leak, judge_leaks
from recipe_dash.analyzers._models.matrix import ModelInput, model_input
from recipe_dash.analyzers._models.oof import OutOfFold, duplicate_groups, out_of_fold
from recipe_dash.analyzers._models.single_feature import assign_folds, predictive_power

__all__ = [
    "CRITERIA",
    "Attribute",
    "EmbeddingSource",
    "LeakRules",
    "ModelInput",
    "OutOfFold",
    "assign_folds",
    "attribute",
    "check_embedding",
    "describe_leak",
    "duplicate_groups",
    "image_attributes",
    "judge_leaks",
    "load_embedding",
    "model_columns",
    "model_input",
    "out_of_fold",
    "predictive_power",
    "table_attributes",
]
