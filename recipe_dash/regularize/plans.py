"""The runs each Regularize study launches, as plans of TrainConfigs built from one base config.

Every plan is checked before anything runs: fractions in (0, 1], at most five seeds in an ensemble, a
weights file that is a plain state_dict, regularizers the model can take (a model file without a
`dropout` keyword cannot be given dropout).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from recipe_dash.errors import OptionError
from recipe_dash.io import Dataset
from recipe_dash.regularize.groups import REFERENCE, Member, Plan
from recipe_dash.training.config import TrainConfig
from recipe_dash.training.models import ModelError, configure, resolve_model
from recipe_dash.validation import check_number

FRACTIONS = (0.1, 0.25, 0.5, 1.0)
# Learning curves stop each run once validation stops improving (its best epoch kept): a 10% subset trained
# for ten times the epochs would otherwise spend most of them memorizing.
CURVE_PATIENCE = 3
MAX_ENSEMBLE = 5  # the recipe: do not ensemble more than five models
MIN_SIDE = 8  # the smallest image side a "smaller input" variant goes down to

# The sweep's regularizers, in the recipe's order, with the value tried when the user names none.
REGULARIZERS = ("input_size", "width", "batch_size", "dropout", "weight_decay", "early_stopping", "augment")
DEFAULT_WEIGHT_DECAY = 1e-3
DEFAULT_DROPOUT = 0.3


def learning_curve_plan(config: TrainConfig, fractions: Sequence[float] = FRACTIONS) -> Plan:
    """One run per fraction of the training split, each given the optimizer steps of the full run (epochs
    scaled by 1/fraction) and early stopping, so a small subset is trained as far as it can go."""
    chosen = sorted({float(f) for f in fractions})
    for fraction in chosen:
        check_number("fraction", fraction, low=0, high=1, low_open=True)
    if len(chosen) < 3:
        raise OptionError(f"A learning curve needs at least 3 different fractions, got {len(chosen)}.")
    patience = config.early_stopping or CURVE_PATIENCE
    members = tuple(
        Member(
            label=f"{fraction:.0%}",
            config=replace(
                config, train_fraction=fraction, epochs=math.ceil(config.epochs / fraction), early_stopping=patience
            ),
            role=REFERENCE if fraction == chosen[-1] else "variant",
            knob="train_fraction",
            value=fraction,
        )
        for fraction in chosen
    )
    note = (
        f"Each fraction trains for the optimizer steps of {config.epochs} epoch(s) on the whole training split, "
        f"stopping once the validation loss has not improved for {patience} epochs (its best epoch kept)."
    )
    return Plan("learning_curve", members, (note,))


def unregularized(config: TrainConfig) -> TrainConfig:
    """The base config with every regularizer off: the sweep's reference run."""
    return replace(config, dropout=0.0, weight_decay=0.0, augment=False, early_stopping=None)


def sweep_plan(
    config: TrainConfig,
    kind: str,
    *,
    choices: Mapping[str, Sequence[float]] | None = None,
    native_size: tuple[int, int] | None = None,
    augmentation: TrainConfig | None = None,
) -> Plan:
    """The unregularized run and one run per regularizer value, each changing one setting of it.

    `choices` maps regularizers (REGULARIZERS) to the values to try; None tries each once at a default
    (regularizers the model or the data cannot take are then left out, with a note). `native_size` is
    the images' size (for "smaller input"); `augmentation` a config whose flip/shift/crop/noise the
    augmentation run uses.
    """
    reference = unregularized(config)
    explicit = choices is not None
    wanted = dict(choices) if choices is not None else dict.fromkeys(REGULARIZERS, ())
    unknown = sorted(set(wanted) - set(REGULARIZERS))
    if unknown:
        raise OptionError(f"Unknown regularizer(s) {', '.join(unknown)}. Choose from: {', '.join(REGULARIZERS)}.")
    members = [Member("unregularized", reference, role=REFERENCE)]
    notes: list[str] = []
    for name in REGULARIZERS:
        if name not in wanted:
            continue
        try:
            members += _variants(name, list(wanted[name]), reference, kind, native_size, augmentation)
        except OptionError as err:
            if explicit:
                raise
            notes.append(f"Left out {name.replace('_', ' ')}: {err}")
    if len(members) < 2:
        raise OptionError("Nothing to compare: choose at least one regularizer the model and data can take.")
    return Plan("sweep", tuple(members), tuple(notes))


def ensemble_plan(config: TrainConfig, n_models: int = MAX_ENSEMBLE) -> Plan:
    """`n_models` runs of one config that differ only in their seed (init, shuffling, augmentation); the
    held-out split stays the base seed's, so all validate on the same samples."""
    check_number("n_models", n_models, low=2, high=MAX_ENSEMBLE, integer=True, why="the recipe: at most five")
    split_seed = config.seed if config.split_seed is None else config.split_seed
    members = tuple(
        Member(f"seed {config.seed + i}", replace(config, seed=config.seed + i, split_seed=split_seed), "member")
        for i in range(n_models)
    )
    return Plan("ensemble", members)


def pretrain_plan(config: TrainConfig, weights: str | Path) -> Plan:
    """The same run from scratch and from the user's weights (read as a plain state_dict here first, so a
    file that is not one is refused before anything trains)."""
    from recipe_dash.training.weights import read_state_dict  # torch, only when pretraining

    path = Path(weights).expanduser().resolve()
    read_state_dict(path)
    scratch = replace(config, pretrained=None)
    return Plan(
        "pretrain",
        (
            Member("from scratch", scratch, role=REFERENCE),
            Member(f"from {path.name}", replace(config, pretrained=str(path)), knob="pretrained"),
        ),
    )


def native_size(dataset: Dataset) -> tuple[int, int] | None:
    """The images' most common (height, width) in the training split, from file headers; None for tables."""
    if dataset.kind != "image":
        return None
    from recipe_dash.training.image_tensors import image_format

    train_ids = dataset.samples.loc[dataset.samples["split"].astype(str) == "train", "sample_id"].tolist()
    return image_format(dataset, train_ids)[1]


def _variants(
    name: str,
    values: list[float],
    reference: TrainConfig,
    kind: str,
    size: tuple[int, int] | None,
    augmentation: TrainConfig | None,
) -> list[Member]:
    if name == "augment":
        source = augmentation or reference
        aug = dict(flip=source.flip, shift=source.shift, crop=source.crop, noise=source.noise)
        if kind != "image" and not aug["noise"]:
            aug["noise"] = 0.1  # a table's only augmentation
        if kind == "image" and augmentation is None:
            aug["crop"] = 0.1
        return [Member("augmentation", replace(reference, augment=True, **aug), knob="augment", value=1.0)]
    if not values:
        values = [_default_value(name, reference, kind, size)]
    members = []
    for value in values:
        if name == "input_size":
            if kind != "image":
                raise OptionError("smaller inputs are for images; a table's features are what they are.")
            check_number("input_size", value, low=1, integer=True)
            side = int(value)
            members.append(
                Member(f"input {side}x{side}", replace(reference, input_size=(side, side)), "variant", name, side)
            )
            continue
        if name in ("width", "dropout"):
            _check_accepts(reference, kind, name, value)
        if name in ("width", "batch_size", "early_stopping"):
            check_number(name, value, low=1, integer=True)
            value = int(value)
        changed = replace(reference, **{name: value})  # TrainConfig checks the value's range
        members.append(Member(_label(name, value), changed, "variant", name, float(value)))
    return members


def _default_value(name: str, reference: TrainConfig, kind: str, size: tuple[int, int] | None) -> float:
    if name == "input_size":
        side = min(reference.input_size or size or (0, 0))
        if kind != "image" or not side:
            raise OptionError("smaller inputs are for images with a known size.")
        if side // 2 < MIN_SIDE:
            raise OptionError(f"images of {side} px are already small; half would be under {MIN_SIDE} px.")
        return side // 2
    if name == "width":
        width = reference.width or _default_width(reference, kind)
        if width is None or width < 2:
            raise OptionError(f"'{reference.model}' has no width setting to halve.")
        return width // 2
    if name == "batch_size":
        if reference.batch_size < 8:
            raise OptionError(f"batch size {reference.batch_size} is already small.")
        return reference.batch_size // 4
    if name == "early_stopping":
        return CURVE_PATIENCE
    return DEFAULT_DROPOUT if name == "dropout" else DEFAULT_WEIGHT_DECAY


def _default_width(config: TrainConfig, kind: str) -> int | None:
    """The builder's own default `width` keyword, when it has one."""
    try:
        builder = resolve_model(config.model, kind=kind).build
        default = inspect.signature(builder).parameters["width"].default
    except (ModelError, KeyError, TypeError, ValueError):
        return None
    return int(default) if isinstance(default, int) else None


def _check_accepts(config: TrainConfig, kind: str, knob: str, value: float) -> None:
    try:
        configure(resolve_model(config.model, kind=kind), {knob: value})
    except ModelError as err:
        raise OptionError(str(err)) from None


def _label(name: str, value: float) -> str:
    if name == "width":
        return f"width {int(value)}"
    if name == "batch_size":
        return f"batch {int(value)}"
    if name == "early_stopping":
        return f"early stopping, patience {int(value)}"
    return f"{name.replace('_', ' ')} {value:g}"
