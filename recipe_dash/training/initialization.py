""" "Init well": find the layer that produces the logits, start its bias at the log class priors, and
measure what a model outputs before training exactly as the first training steps see it."""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
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
    return (names[called[-1]], called[-1]) if called else None


def describe_layer(name: str, module: nn.Module) -> str:
    """A layer as its author knows it: its attribute name when it has one ("'head' (Linear layer, 8 inputs,
    3 outputs)"), else its type and size ("the final Linear layer (1024 inputs, 10 outputs)"), never a
    bare Sequential index ('10') that reads like a class label."""
    kind = f"{type(module).__name__} layer"
    if isinstance(module, nn.Linear):
        size = f"{module.in_features} inputs, {module.out_features} outputs"
    elif isinstance(module, nn.Conv1d | nn.Conv2d | nn.Conv3d):
        size = f"{module.in_channels} to {module.out_channels} channels"
    else:
        size = ""
    if any(part and not part.isdigit() for part in name.split(".")):
        return f"'{name}' ({kind}" + (f", {size})" if size else ")")
    return f"the final {kind}" + (f" ({size})" if size else "")


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


def initial_logits(model: nn.Module, x: torch.Tensor, *, batch_size: int, seed: int) -> torch.Tensor:
    """Logits of a fresh model in training mode, `batch_size` samples at a time, without a gradient step.

    Training mode is what the first steps see: BatchNorm normalizes each batch (in eval mode at init its
    running statistics are 0 and 1, so it does nothing) and dropout is on. A last batch of one sample is
    merged into the one before (BatchNorm cannot normalize one sample). The model is left in train mode.
    """
    starts = list(range(0, len(x), batch_size))
    if len(starts) > 1 and len(x) - starts[-1] < 2:
        starts.pop()
    ends = [*starts[1:], len(x)]
    model.train()
    with torch.no_grad(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)  # dropout masks repeat
        return torch.cat([model(x[lo:hi]) for lo, hi in zip(starts, ends, strict=True)])


def batch_loss(logits: torch.Tensor, y: torch.Tensor) -> float:
    return float(F.cross_entropy(logits, y))


def head_scale(model: nn.Module, example: torch.Tensor, n_classes: int) -> tuple[str, float] | None:
    """(description, factor) of the layer producing the logits (`describe_layer`): its weights' spread over
    the spread PyTorch's own default init (`reset_parameters`) gives the same layer. None when no such layer
    is found.

    The loss at init cannot always tell a 100x last layer from a correct one: PyTorch's default init shrinks
    activations layer by layer, so 100x the last layer of a deep net may only bring the logits to ~1. The
    weights themselves can: kaiming or xavier init are within ~2.5x of the default, a planted bug is not.
    """
    names = {module: name for name, module in model.named_modules()}
    called: list[nn.Module] = []

    def record(module: nn.Module, _inputs: object, output: object) -> None:
        if isinstance(output, torch.Tensor) and output.ndim >= 1 and output.shape[-1] == n_classes:
            called.append(module)

    hooks = [
        module.register_forward_hook(record)
        for module in model.modules()
        if isinstance(getattr(module, "weight", None), nn.Parameter)
        and module.weight.ndim >= 2
        and callable(getattr(module, "reset_parameters", None))
    ]
    try:
        with torch.no_grad():
            model.eval()(example[:2])
    finally:
        for hook in hooks:
            hook.remove()
    if not called:
        return None
    layer = called[-1]
    default = copy.deepcopy(layer)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        default.reset_parameters()  # type: ignore[operator]
    spread = float(default.weight.detach().float().std())
    if not spread > 0:
        return None
    return describe_layer(names[layer], layer), float(layer.weight.detach().float().std()) / spread
