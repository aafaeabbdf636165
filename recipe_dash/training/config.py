"""One run's settings: the recipe's safe defaults, stored with the run so the same config and seed repeat."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from recipe_dash.errors import OptionError
from recipe_dash.validation import check_choice, check_number, check_seed

OPTIMIZERS = ("adam", "adamw", "sgd")


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
    epochs: int = 10
    # Seeds the weights, the shuffling, the held-out split and any augmentation.
    seed: int = 0
    # Images: (height, width) fed to the net; None keeps the most common size in the training split.
    input_size: tuple[int, int] | None = None
    # Off while building the skeleton (the recipe adds augmentation only to regularize).
    augment: bool = False
    # None: standardize with training statistics (images per channel); False keeps images in [0, 1].
    normalize: bool | None = None
    # "Init well": set the last layer's bias to the log class priors, so the loss at init is the prior's entropy.
    init_bias_from_priors: bool = True
    # Share of train held out for validation when the data has neither a 'val' nor a 'test' split.
    val_fraction: float = 0.2
    # Table columns to leave out, e.g. one the data inspection flagged as a leak.
    exclude_columns: tuple[str, ...] = ()
    # Score every training sample at each epoch's end for "Highest losses": one no-grad forward pass
    # over the training split per epoch (benchmarks/train_overhead.py prints its price); off to spare it.
    sample_losses: bool = True

    def __post_init__(self) -> None:
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_number("lr", self.lr, low=0, low_open=True)
        check_number("batch_size", self.batch_size, low=1, integer=True)
        check_number("epochs", self.epochs, low=1, integer=True)
        check_seed(self.seed)
        check_number("val_fraction", self.val_fraction, low=0, high=1, low_open=True, high_open=True)
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
        return cls(**values)

    def data_options(self) -> dict[str, Any]:
        """Keyword arguments of `prepare_data` this config decides."""
        return dict(
            input_size=self.input_size,
            normalize=self.normalize,
            val_fraction=self.val_fraction,
            seed=self.seed,
            exclude_columns=self.exclude_columns,
        )
