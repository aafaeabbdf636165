"""Init well: the logits layer is found and named as its author knows it, never by a bare Sequential index."""

from __future__ import annotations

import math

from torch import nn

from recipe_dash.training.data import TensorData
from recipe_dash.training.initialization import describe_layer, final_bias_layer
from recipe_dash.training.model_checks import run_model_checks
from recipe_dash.training.models import resolve_model


class _Head(nn.Module):
    def __init__(self, n_inputs: int, n_classes: int) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(n_inputs, 8), nn.ReLU())
        self.head = nn.Linear(8, n_classes)

    def forward(self, x):  # type: ignore[no-untyped-def]
        return self.head(self.body(x))


def test_a_sequential_index_is_replaced_by_the_layer_type_and_size(shapes: TensorData) -> None:
    init_well = next(r for r in run_model_checks(resolve_model("cnn"), shapes) if r.name == "init_well")
    assert "Bias of the final Linear layer (1024 inputs, 3 outputs) set to the log class priors" in init_well.evidence
    assert "'10'" not in init_well.evidence


def test_a_named_layer_keeps_its_name(shapes: TensorData) -> None:
    model = _Head(math.prod(shapes.input_shape), shapes.n_classes)
    name, layer = final_bias_layer(model, shapes.x_train, shapes.n_classes)
    assert describe_layer(name, layer) == "'head' (Linear layer, 8 inputs, 3 outputs)"
    assert describe_layer("net.3", nn.Conv2d(16, 3, 1)) == "'net.3' (Conv2d layer, 16 to 3 channels)"
    assert describe_layer("net.3", nn.LayerNorm(3)) == "'net.3' (LayerNorm layer)"
    assert describe_layer("3", nn.Conv2d(16, 3, 1)) == "the final Conv2d layer (16 to 3 channels)"
    assert describe_layer("", nn.Linear(4, 3)) == "the final Linear layer (4 inputs, 3 outputs)"
