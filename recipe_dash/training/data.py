"""Dataset -> training and validation tensors, so every model, check and baseline sees the same inputs."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from sklearn.model_selection import train_test_split

from recipe_dash.errors import DataError
from recipe_dash.io import Dataset
from recipe_dash.training.image_tensors import decode_images, image_format, transform_text
from recipe_dash.training.table_features import FeatureGroups, encode_table

TRAIN, VAL = "train", "val"


@dataclass(frozen=True)
class TensorData:
    """Inputs exactly as the network sees them, with labels as class indices."""

    kind: str  # "image" or "table"
    class_names: tuple[str, ...]
    x_train: torch.Tensor  # (N, *input_shape) float32
    y_train: torch.Tensor  # (N,) int64 class indices into class_names
    ids_train: tuple[str, ...]  # sample ids, aligned with x_train
    x_val: torch.Tensor
    y_val: torch.Tensor
    ids_val: tuple[str, ...]
    val_source: str  # which samples validate, in words (shown in the UI)
    transform: str  # the exact transform from file to tensor, in words
    feature_names: tuple[str, ...] = ()  # tables: one name per input feature
    feature_groups: FeatureGroups = ()  # tables: groups for "add signals one at a time"
    notes: tuple[str, ...] = ()  # samples skipped, columns left out, cells filled
    n_skipped: int = 0  # samples that could not be turned into tensors

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    def class_priors(self) -> torch.Tensor:
        """Share of each class in the training split (never exactly zero, so its log is finite)."""
        counts = torch.bincount(self.y_train, minlength=self.n_classes).double()
        return (counts / counts.sum()).clamp_min(1e-6)


def classes_in_rotation(
    labels: torch.Tensor, n: int, *, n_classes: int, order: torch.Tensor | None = None
) -> list[int]:
    """Up to `n` indices taking one sample of each class in turn (in `order`, default index order), so a
    small subset holds every class it can: the overfit subset, the probe's batch, the tracked samples."""
    values = labels.tolist()
    per_class: list[list[int]] = [[] for _ in range(n_classes)]
    for i in order.tolist() if order is not None else range(len(values)):
        per_class[values[i]].append(i)
    chosen: list[int] = []
    for rank in range(max(map(len, per_class), default=0)):
        chosen += [members[rank] for members in per_class if rank < len(members)]
        if len(chosen) >= n:
            break
    return chosen[:n]


def prepare_data(
    dataset: Dataset,
    *,
    input_size: tuple[int, int] | None = None,
    normalize: bool | None = None,
    val_fraction: float = 0.2,
    seed: int = 0,
    exclude_columns: tuple[str, ...] = (),
    drop: Collection[str] = (),
    relabel: Mapping[str, str] | None = None,
    train_fraction: float = 1.0,
) -> TensorData:
    """Split, encode and (optionally) standardize with training-split statistics only.

    `normalize=None` standardizes both kinds (images per channel): the checks and the optimizer's step
    sizes then mean the same on dim images as on bright ones; `normalize=False` keeps images in [0, 1].
    Without a 'val' split the
    'test' split validates; without either, a seeded stratified `val_fraction` of train is held out.
    `drop` (sample ids) and `relabel` ({sample id: class}) apply a team review's cleaned manifest.
    `train_fraction` < 1 then keeps a stratified share of the training samples (a learning curve's point),
    before anything is decoded; validation stays the same.
    """
    notes: list[str] = []
    reviewed = _apply_review(dataset, drop, relabel or {})
    if drop or relabel:
        notes.append(
            f"Cleaned by the team's review: {len(set(drop)):,} sample(s) dropped, {len(relabel or {}):,} relabelled."
        )
    samples, val_source = _assign_splits(dataset, reviewed, val_fraction=val_fraction, seed=seed)
    classes = {name: i for i, name in enumerate(dataset.class_names)}
    if train_fraction < 1:
        samples, note = _train_subset(samples, train_fraction, seed=seed)
        notes.append(note)
    names: tuple[str, ...] = ()
    groups: FeatureGroups = ()
    if dataset.kind == "image":
        train_ids = samples.loc[samples["role"] == TRAIN, "sample_id"].tolist()
        mode, native = image_format(dataset, train_ids)
        size = input_size or native
        decoded = decode_images(dataset, samples["sample_id"].tolist(), mode=mode, size=size)
        x = decoded.pixels
        samples = samples[decoded.kept].reset_index(drop=True)
        n_skipped = len(decoded.skipped)
        if n_skipped:
            shown = ", ".join(list(decoded.skipped)[:5]) + (" …" if n_skipped > 5 else "")
            first = next(iter(decoded.skipped.values()))
            notes.append(f"Skipped {n_skipped} image(s) that do not decode: {shown}. First reason: {first}")
        transform = transform_text(mode, size)
    else:
        table = dataset.table.iloc[samples["row"].to_numpy()].reset_index(drop=True)  # row = position
        encoded = encode_table(
            table.drop(columns=[dataset.label_column, *_split_columns(table)]),
            train_rows=(samples["role"] == TRAIN).to_numpy(),
            exclude=exclude_columns,
        )
        x, names, groups, n_skipped = encoded.features, encoded.names, encoded.groups, 0
        notes += encoded.notes
        transform = f"{len(names)} encoded feature(s) per row, float32"
    is_train = np.array(samples["role"] == TRAIN, dtype=bool)
    if not is_train.any() or is_train.all():
        raise DataError(
            f"'{dataset.name}' has no usable {'training' if not is_train.any() else 'validation'} samples left."
        )
    if normalize is not False:
        x, scaling = _standardize(x, is_train, per_channel=dataset.kind == "image")
        transform += f", then {scaling}"
    labels = np.array(samples["label"].map(classes), dtype=np.int64)
    tensor = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    ids = samples["sample_id"].astype(str).to_numpy()
    return TensorData(
        kind=dataset.kind,
        class_names=dataset.class_names,
        x_train=tensor[torch.from_numpy(is_train)],
        y_train=torch.from_numpy(labels[is_train]),
        ids_train=tuple(ids[is_train]),
        x_val=tensor[torch.from_numpy(~is_train)],
        y_val=torch.from_numpy(labels[~is_train]),
        ids_val=tuple(ids[~is_train]),
        val_source=val_source,
        transform=transform,
        feature_names=names,
        feature_groups=groups,
        notes=tuple(notes),
        n_skipped=n_skipped,
    )


def _apply_review(dataset: Dataset, drop: Collection[str], relabel: Mapping[str, str]) -> pd.DataFrame:
    """The dataset's samples, each with its row number, less the dropped ones and with the new labels."""
    samples = dataset.samples.reset_index(drop=True).assign(row=lambda f: f.index)
    if not drop and not relabel:
        return samples
    unknown = sorted(set(relabel.values()) - set(dataset.class_names))
    if unknown:
        raise DataError(
            f"The review relabels samples to {', '.join(map(repr, unknown))}, not a class of '{dataset.name}' "
            f"({', '.join(dataset.class_names)}). Decide those relabels again."
        )
    ids = samples["sample_id"].astype(str)
    samples = samples[~ids.isin(set(drop))].copy()
    new = samples["sample_id"].astype(str).map(relabel)
    samples["label"] = new.where(new.notna(), samples["label"])
    return samples


def _assign_splits(
    dataset: Dataset, samples: pd.DataFrame, *, val_fraction: float, seed: int
) -> tuple[pd.DataFrame, str]:
    """Labelled `samples`, each with a role (train or val) and, for tables, its row number."""
    samples = samples[samples["label"].notna()]
    split = samples["split"].astype(str)
    if not (split == TRAIN).any():
        raise DataError(
            f"'{dataset.name}' has no labelled samples in a 'train' split; splits: {', '.join(dataset.splits)}."
        )
    for name, text in (
        (VAL, "Validating on the 'val' split"),
        ("test", "No 'val' split: validating on the 'test' split"),
    ):
        if (split == name).any():
            chosen = samples[split.isin([TRAIN, name])].copy()
            chosen["role"] = np.where(chosen["split"].astype(str) == TRAIN, TRAIN, VAL)
            return chosen.reset_index(drop=True), f"{text} ({int((chosen['role'] == VAL).sum())} samples)."
    train = samples[split == TRAIN].copy()
    n_val = max(1, round(len(train) * val_fraction))
    counts = train["label"].value_counts()
    stratify = train["label"] if counts.min() >= 2 and n_val >= len(counts) else None
    if len(train) < 2:
        raise DataError(f"'{dataset.name}' has {len(train)} labelled sample(s); training needs at least two.")
    _, val_index = train_test_split(train.index, test_size=n_val, random_state=seed, stratify=stratify)
    train["role"] = np.where(train.index.isin(val_index), VAL, TRAIN)
    how = "stratified " if stratify is not None else ""
    text = (
        f"No 'val' or 'test' split: holding out a seeded (seed {seed}) {how}{val_fraction:.0%} of train "
        f"for validation ({n_val} samples)."
    )
    return train.reset_index(drop=True), text


def _train_subset(samples: pd.DataFrame, fraction: float, *, seed: int) -> tuple[pd.DataFrame, str]:
    """Keep `fraction` of each class's training rows (at least one), drawn in a seeded order per class, so
    the subsets of one seed are nested (10% inside 25% inside 50%); validation rows all stay."""
    rng = np.random.default_rng(seed)
    is_train = (samples["role"] == TRAIN).to_numpy()
    labels = samples["label"].astype(str).to_numpy()
    keep = ~is_train
    for label in sorted(set(labels[is_train])):
        members = np.flatnonzero(is_train & (labels == label))
        keep[rng.permutation(members)[: max(1, round(fraction * len(members)))]] = True
    n_kept, n_train = int((keep & is_train).sum()), int(is_train.sum())
    note = f"Training on a stratified {fraction:.0%} of the training split: {n_kept:,} of {n_train:,} samples."
    return samples[keep].reset_index(drop=True), note


def _split_columns(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if str(c).lower() == "split"]


def _standardize(x: np.ndarray, is_train: np.ndarray, *, per_channel: bool) -> tuple[np.ndarray, str]:
    """Subtract the training mean and divide by the training std (per channel or per feature)."""
    axes = (0, 2, 3) if per_channel else (0,)
    mean = x[is_train].mean(axis=axes, keepdims=True)
    std = x[is_train].std(axis=axes, keepdims=True)
    std = np.where(std > 0, std, 1.0)
    what = "channel" if per_channel else "feature"
    return (
        x - mean
    ) / std, f"standardized per {what} with the training split's mean and std ({int(is_train.sum())} samples)"
