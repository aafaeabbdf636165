"""One run's settings: the recipe's safe defaults, stored with the run so the same config and seed repeat."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from recipe_dash.errors import OptionError
from recipe_dash.validation import MAX_SEED, check_choice, check_number, check_seed

OPTIMIZERS = ("adam", "adamw", "sgd")
# normal: train on the data. baseline: the same model on zeroed inputs, beside the majority class and a
# linear model (the recipe's input-independent and dumb baselines). overfit: the same model on a small
# fixed subset, regularizers off, until the training loss reaches a floor (the recipe's step 3).
RUN_KINDS = ("normal", "baseline", "overfit")
# Which mirror images keep their class: none for digits and text (a mirrored 2 is no 2), horizontal for most
# photos, both for textures, cells and satellite tiles. The user says so: the data cannot tell.
FLIPS = ("none", "horizontal", "vertical", "both")


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training curve; `seed` included, so a run can be repeated exactly."""

    # Built-in name (logistic, mlp, cnn), 'file.py:function' or 'package.module:function';
    # "auto" is the CNN for images and the MLP for tables.
    model: str = "auto"
    # Adam is the recipe's safe default: forgiving of the learning rate and of poor scaling.
    optimizer: str = "adam"
    # Karpathy's 3e-4 for Adam, constant: no decay schedule until the skeleton works.
    lr: float = 3e-4
    # Small enough for a CPU, large enough for a stable gradient (and for BatchNorm).
    batch_size: int = 64
    # Weight decay of the optimizer (an L2 penalty for Adam and SGD, decoupled for AdamW): off while
    # building the skeleton, one of the recipe's regularizers later.
    weight_decay: float = 0.0
    # Dropout probability of the built-in MLP and CNN; 0 adds no dropout layer at all. A model file
    # receives it as `build(..., dropout=p)` when set.
    dropout: float = 0.0
    # Built-in models: hidden units of the MLP, channels of the CNN's first conv (doubling per block);
    # None keeps the model's own default. A model file receives it as `width=` when set.
    width: int | None = None
    # Built-in models: hidden layers of the MLP, conv blocks of the CNN; None keeps the model's default.
    depth: int | None = None
    epochs: int = 10
    # Early stopping: end the run once the validation loss has not improved for this many epochs, and keep
    # the weights of its best epoch; None trains every epoch.
    early_stopping: int | None = None
    # Seeds the weights, the shuffling, the held-out split and any augmentation.
    seed: int = 0
    # Seeds the held-out split and a learning curve's subset instead of `seed`, so runs of several seeds (an
    # ensemble) validate on the same samples; None: `seed`.
    split_seed: int | None = None
    # Images: (height, width) fed to the net; None keeps the most common size in the training split.
    input_size: tuple[int, int] | None = None
    # Off while building the skeleton (the recipe adds augmentation only to regularize).
    augment: bool = False
    # With `augment`, images: mirror at random along these axes (FLIPS), shift by up to `shift` pixels, crop
    # away up to a `crop` share of each side and scale back; images and numeric table features: add Gaussian
    # noise of `noise` standard deviations (inputs are standardized, so it is relative to each feature's spread).
    flip: str = "none"
    shift: int = 2
    crop: float = 0.0
    noise: float = 0.0
    # None: standardize with training statistics (images per channel); False keeps images in [0, 1].
    normalize: bool | None = None
    # "Init well": set the last layer's bias to the log class priors, so the loss at init is the prior's entropy.
    init_bias_from_priors: bool = True
    # Pretrain: start from these weights (a state_dict file, read with torch.load(weights_only=True)) instead
    # of the seeded init; every layer must match the model's by name and shape.
    pretrained: str | None = None
    # Share of train held out for validation when the data has neither a 'val' nor a 'test' split.
    val_fraction: float = 0.2
    # Learning curves: train on this stratified, seeded share of the training split (validation unchanged);
    # the subsets of one seed are nested, so 10% lies inside 25%.
    train_fraction: float = 1.0
    # Table columns to leave out, e.g. one the data inspection flagged as a leak.
    exclude_columns: tuple[str, ...] = ()
    # Score every training sample at each epoch's end for "Highest losses": one no-grad forward pass
    # over the training split per epoch (benchmarks/train_overhead.py prints its price); off to spare it.
    sample_losses: bool = True
    # What the run is for (RUN_KINDS); the settings below apply to overfit runs only.
    kind: str = "normal"
    # Training samples in the fixed subset, classes in rotation; None = one batch (batch_size samples).
    overfit_samples: int | None = None
    # The step budget: most models that can memorise 64 samples do it in a few hundred steps of Adam at 3e-4.
    max_steps: int = 1000
    # "Memorised" = the mean training loss of a pass over the subset falls below this (p(true) ~ 0.99);
    # samples that no model can fit (identical inputs, different labels) are allowed their share on top.
    loss_floor: float = 0.01
    # The team review's cleaned data (recipe_dash.review.cleaning): sample ids left out and (sample id, class)
    # relabels, frozen into the run when it starts so it repeats; both empty train on the raw data.
    drop_samples: tuple[str, ...] = ()
    relabel_samples: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_number("lr", self.lr, low=0, low_open=True)
        check_number("batch_size", self.batch_size, low=1, integer=True)
        check_number("weight_decay", self.weight_decay, low=0)
        check_number("dropout", self.dropout, low=0, high=1, high_open=True)
        for knob in ("width", "depth"):
            if getattr(self, knob) is not None:
                check_number(knob, getattr(self, knob), low=1, integer=True)
        check_number("epochs", self.epochs, low=1, integer=True)
        if self.early_stopping is not None:
            check_number("early_stopping", self.early_stopping, low=1, integer=True, why="epochs of patience")
        check_choice("flip", self.flip, FLIPS)
        check_number("shift", self.shift, low=0, integer=True, why="pixels")
        check_number("crop", self.crop, low=0, high=0.5, high_open=True, why="share of each side")
        check_number("noise", self.noise, low=0, why="standard deviations")
        check_number("train_fraction", self.train_fraction, low=0, high=1, low_open=True)
        check_seed(self.seed)
        if self.split_seed is not None:
            check_number("split_seed", self.split_seed, low=0, high=MAX_SEED, integer=True)
        check_number("val_fraction", self.val_fraction, low=0, high=1, low_open=True, high_open=True)
        check_choice("run kind", self.kind, RUN_KINDS)
        if self.overfit_samples is not None:
            check_number("overfit_samples", self.overfit_samples, low=1, integer=True)
        check_number("max_steps", self.max_steps, low=1, integer=True)
        check_number("loss_floor", self.loss_floor, low=0, low_open=True)
        for side in self.input_size or ():
            check_number("input_size", side, low=1, integer=True)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, for the job and the run record."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """Read back a stored config; unknown keys are refused, tuples restored from JSON lists."""
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise OptionError(
                f"Unknown training setting(s): {', '.join(sorted(unknown))}. Known: {', '.join(sorted(known))}."
            )
        values = dict(values)
        if values.get("input_size") is not None:
            values["input_size"] = tuple(int(v) for v in values["input_size"])
        if "exclude_columns" in values:
            values["exclude_columns"] = tuple(values["exclude_columns"])
        if "drop_samples" in values:
            values["drop_samples"] = tuple(str(s) for s in values["drop_samples"])
        if "relabel_samples" in values:
            values["relabel_samples"] = tuple((str(s), str(c)) for s, c in values["relabel_samples"])
        return cls(**values)

    @property
    def subset_size(self) -> int:
        """Overfit runs: samples in the fixed subset (one batch unless the user picked a number)."""
        return self.overfit_samples if self.overfit_samples is not None else self.batch_size

    def model_options(self) -> dict[str, Any]:
        """Keyword arguments for the model builder: only the knobs set away from the model's own defaults,
        so a builder that takes none of them keeps working until one is set."""
        options: dict[str, Any] = {"dropout": self.dropout} if self.dropout else {}
        return options | {knob: getattr(self, knob) for knob in ("width", "depth") if getattr(self, knob) is not None}

    def data_options(self) -> dict[str, Any]:
        """Keyword arguments of `prepare_data` this config decides."""
        return dict(
            input_size=self.input_size,
            normalize=self.normalize,
            val_fraction=self.val_fraction,
            seed=self.seed if self.split_seed is None else self.split_seed,
            exclude_columns=self.exclude_columns,
            drop=self.drop_samples,
            relabel=dict(self.relabel_samples),
            train_fraction=self.train_fraction,
        )
