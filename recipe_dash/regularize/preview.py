"""Visualize the batch: a few training samples and what augmentation makes of them, before a run uses it.

Images: a handful are decoded and standardized with their own per-channel statistics (a whole split is
not decoded for a preview; standardization is affine, so flips, shifts, crops and the zero fill look the
same), then `augment_batch` changes them exactly as the training loop would. Tables: the rows are
encoded and standardized as for training, and noise lands on continuous features only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from recipe_dash.io import Dataset
from recipe_dash.training.augment import Augmentation, augment_batch, continuous_features
from recipe_dash.training.config import TrainConfig
from recipe_dash.training.data import prepare_data
from recipe_dash.training.image_tensors import decode_images, image_format


@dataclass(frozen=True)
class AugmentedPreview:
    kind: str  # "image" or "table"
    originals: np.ndarray  # (n, C, H, W) or (n, features), as standardized for the net
    augmented: np.ndarray  # (copies, n, ...) the same samples, each copy with fresh random draws
    labels: list[str]
    sample_ids: list[str]
    feature_names: tuple[str, ...]  # tables
    description: str  # the augmentation in words


def preview_augmentation(dataset: Dataset, config: TrainConfig, *, n: int = 8, copies: int = 3) -> AugmentedPreview:
    """`n` training samples (classes in rotation) and `copies` augmented versions of each, drawn with the
    config's seed; the config's flip, shift, crop and noise apply even when its `augment` is off."""
    augmentation = Augmentation(config.flip, config.shift, config.crop, config.noise)
    generator = torch.Generator().manual_seed(config.seed)
    if dataset.kind == "image":
        x, labels, ids = _images(dataset, config, n)
        continuous = None
    else:
        data = prepare_data(dataset, **config.data_options())
        picks = _rotation(np.array([data.class_names[int(i)] for i in data.y_train]), n, config.seed)
        x = data.x_train[picks]
        labels, ids = [data.class_names[int(data.y_train[i])] for i in picks], [data.ids_train[i] for i in picks]
        continuous = continuous_features(data.x_train)
    augmented = torch.stack([augment_batch(x, augmentation, generator, continuous=continuous) for _ in range(copies)])
    names: tuple[str, ...] = () if dataset.kind == "image" else data.feature_names
    return AugmentedPreview(
        dataset.kind, x.numpy(), augmented.numpy(), labels, ids, names, augmentation.describe(dataset.kind)
    )


def _images(dataset: Dataset, config: TrainConfig, n: int) -> tuple[torch.Tensor, list[str], list[str]]:
    samples = dataset.samples
    train = samples[(samples["split"].astype(str) == "train") & samples["label"].notna()]
    picks = _rotation(train["label"].astype(str).to_numpy(), n, config.seed)
    chosen = train.iloc[picks]
    mode, native = image_format(dataset, train["sample_id"].tolist())
    decoded = decode_images(dataset, chosen["sample_id"].tolist(), mode=mode, size=config.input_size or native)
    kept = chosen[decoded.kept]
    pixels = torch.from_numpy(decoded.pixels)
    mean = pixels.mean(dim=(0, 2, 3), keepdim=True)
    std = pixels.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-6)
    return (pixels - mean) / std, kept["label"].astype(str).tolist(), kept["sample_id"].astype(str).tolist()


def _rotation(labels: np.ndarray, n: int, seed: int) -> list[int]:
    """Up to `n` positions, one class after another in a seeded order, so the preview shows every class it can."""
    order = np.random.default_rng(seed).permutation(len(labels))
    per_class: dict[str, list[int]] = {}
    for i in order:
        per_class.setdefault(str(labels[i]), []).append(int(i))
    chosen: list[int] = []
    for rank in range(max((len(v) for v in per_class.values()), default=0)):
        chosen += [members[rank] for members in per_class.values() if rank < len(members)]
    return chosen[:n]
