"""What a model is built from, for advice the recipe gives about combinations: dropout beside BatchNorm."""

from __future__ import annotations

from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.dropout import _DropoutNd


def dropout_batchnorm_warning(model: nn.Module) -> str | None:
    """A warning when a model has both dropout (p > 0) and BatchNorm layers, naming one of each; None otherwise.

    Dropout scales activations during training only, so the statistics BatchNorm gathers in training do not
    hold at evaluation ("variance shift", Li et al. 2019): the recipe says to use dropout sparingly for that.
    """
    dropouts = [(n, m) for n, m in model.named_modules() if isinstance(m, _DropoutNd) and m.p > 0]
    norms = [n for n, m in model.named_modules() if isinstance(m, _BatchNorm)]
    if not dropouts or not norms:
        return None
    name, layer = dropouts[0]
    return (
        f"This model combines dropout ({type(layer).__name__} '{name}', p={layer.p:g}"
        f"{f', and {len(dropouts) - 1} more' if len(dropouts) > 1 else ''}) with BatchNorm ('{norms[0]}'"
        f"{f', and {len(norms) - 1} more' if len(norms) > 1 else ''}). Dropout changes the activations' "
        "variance between training and evaluation, so BatchNorm's running statistics stop fitting (the "
        "recipe: dropout does not play nice with batch normalization). Prefer weight decay or augmentation, "
        "or keep dropout after the last BatchNorm layer."
    )
