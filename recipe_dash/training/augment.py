"""Augmentation: random changes to each training batch that keep its labels, the recipe's regularizer that
costs no data ("get more data, otherwise... augment").

Images get one batched affine resampling (flips, integer shifts, a crop scaled back to the input size) and
Gaussian noise; tables get noise on their continuous features only (a one-hot or 0/1 column with noise is
no longer a category). Inputs are standardized before they get here, so `noise` is in standard
deviations of each feature and the zero fill of a shifted image is the training mean. Validation, the
end-of-epoch scoring pass and the baselines never see augmentation.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from recipe_dash.training.config import TrainConfig

_DISTINCT_ROWS = 5000  # rows read to tell a continuous table feature (> 2 distinct values) from a binary one


@dataclass(frozen=True)
class Augmentation:
    """What `augment_batch` does; `TrainConfig.flip/shift/crop/noise` with the same meanings."""

    flip: str = "none"  # "none", "horizontal", "vertical" or "both"
    shift: int = 2  # pixels, in each direction
    crop: float = 0.0  # largest share of each side cut away before scaling back
    noise: float = 0.0  # standard deviations

    @classmethod
    def of(cls, config: TrainConfig) -> Augmentation | None:
        """The config's augmentation, None when `augment` is off."""
        return cls(config.flip, config.shift, config.crop, config.noise) if config.augment else None

    def describe(self, kind: str) -> str:
        """In words, for the run's record and the page."""
        if kind != "image":
            return f"Gaussian noise of {self.noise:g} std on continuous features" if self.noise else "nothing"
        parts = [f"{self.flip} flips"] if self.flip != "none" else []
        parts += [f"shifts of up to {self.shift} px"] if self.shift else []
        parts += [f"crops of up to {self.crop:.0%} of each side, scaled back"] if self.crop else []
        parts += [f"Gaussian noise of {self.noise:g} std"] if self.noise else []
        return ", ".join(parts) or "nothing"


def augment_batch(
    xb: torch.Tensor,
    augmentation: Augmentation,
    generator: torch.Generator,
    *,
    continuous: torch.Tensor | None = None,
) -> torch.Tensor:
    """A randomly changed copy of a batch: images (N, C, H, W) resampled and noised, table rows (N, F) noised
    where `continuous` (a bool mask over features, default all) is true. Draws only from `generator`."""
    if xb.dim() == 4:
        xb = _geometry(xb, augmentation, generator)
    if augmentation.noise:
        noise = torch.randn(xb.shape, generator=generator) * augmentation.noise
        if xb.dim() == 2 and continuous is not None:
            noise = noise * continuous.to(noise.dtype)
        xb = xb + noise.to(xb.device, xb.dtype)
    return xb


def continuous_features(x: torch.Tensor) -> torch.Tensor | None:
    """Table features with more than two distinct values (in the first rows): the ones noise may touch.
    None for images."""
    if x.dim() != 2:
        return None
    head = x[:_DISTINCT_ROWS].sort(dim=0).values
    distinct = 1 + (head[1:] != head[:-1]).sum(dim=0)
    return distinct > 2


def _geometry(xb: torch.Tensor, augmentation: Augmentation, generator: torch.Generator) -> torch.Tensor:
    """Flips, shifts and crops as one affine map per image (integer shifts and flips copy pixels, a crop is
    sampled bilinearly); outside the image is zero, the training mean."""
    n, _, height, width = xb.shape
    flip, shift, crop = augmentation.flip, augmentation.shift, augmentation.crop
    if flip == "none" and not shift and not crop:
        return xb
    scale = 1 - crop * torch.rand(n, generator=generator) if crop else torch.ones(n)
    sign_x, sign_y = torch.ones(n), torch.ones(n)
    if flip in ("horizontal", "both"):
        sign_x = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0)
    if flip in ("vertical", "both"):
        sign_y = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0)
    # Normalized coordinates span 2 over the side: a crop of scale s may move its centre by up to 1 - s.
    move_x = (1 - scale) * (2 * torch.rand(n, generator=generator) - 1) if crop else torch.zeros(n)
    move_y = (1 - scale) * (2 * torch.rand(n, generator=generator) - 1) if crop else torch.zeros(n)
    if shift:
        offsets = torch.randint(-shift, shift + 1, (n, 2), generator=generator).float()
        move_x = move_x + 2 * offsets[:, 0] / width
        move_y = move_y + 2 * offsets[:, 1] / height
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 2] = scale * sign_x, move_x
    theta[:, 1, 1], theta[:, 1, 2] = scale * sign_y, move_y
    grid = F.affine_grid(theta.to(xb.device, xb.dtype), list(xb.shape), align_corners=False)
    mode = "bilinear" if crop else "nearest"  # without a crop every sample lands on a pixel centre: copy it
    return F.grid_sample(xb, grid, mode=mode, padding_mode="zeros", align_corners=False)
