""" "Init well": find the layer that produces the logits and start its bias at the log class priors."""

from __future__ import annotations

import torch
from torch import nn

from recipe_dash.training.data import TensorData
from recipe_dash.training.loop import device_of
from recipe_dash.training.models import ModelSource, build_model


def final_bias_layer(model: nn.Module, example: torch.Tensor, n_classes: int) -> tuple[str, nn.Module] | None:
    """The last module run in a forward pass that has a bias of `n_classes` values (name, module)."""
    names = {module: name for name, module in model.named_modules()}
    called: list[nn.Module] = []
    hooks = [
        module.register_forward_hook(lambda m, _inputs, _output: called.append(m))
        for module in model.modules()
        if isinstance(getattr(module, "bias", None), nn.Parameter) and module.bias.shape == (n_classes,)
    ]
    try:
        with torch.no_grad():
            model(example[:2])
    finally:
        for hook in hooks:
            hook.remove()
    return (names[called[-1]] or "bias", called[-1]) if called else None


def init_bias_from_priors(layer: tuple[str, nn.Module], priors: torch.Tensor) -> None:
    """Set the bias to log(priors), centred: softmax of it alone gives the class priors."""
    bias = layer[1].bias
    assert isinstance(bias, torch.Tensor), "final_bias_layer only returns modules with a bias"
    log_priors = priors.log()
    with torch.no_grad():
        bias.copy_((log_priors - log_priors.mean()).to(bias.dtype))


def prepared_model(source: ModelSource, data: TensorData, *, seed: int, init_bias: bool) -> nn.Module:
    """Build the model (checked, seeded, on CUDA when present) and, if asked, init its last bias well."""
    model = build_model(source, data.input_shape, data.n_classes, seed=seed, example=data.x_train)
    if init_bias:
        example = data.x_train[:2].to(device_of(model))
        layer = final_bias_layer(model, example, data.n_classes)
        if layer is not None:
            init_bias_from_priors(layer, data.class_priors())
    return model
