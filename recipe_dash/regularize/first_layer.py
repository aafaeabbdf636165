"""The first layer's weights as a picture: "visualize the first layer and make sure you get nice edges; if
the filters look like noise, something is wrong".

Conv filters, and the rows of a linear layer that reads an image, become image tiles in one mosaic; a
linear layer on table features becomes a heatmap (units x features). Two numbers say what the eye
should see: how far training moved the weights from their start (barely: training never reached the
layer), and, for image tiles, how much neighbouring weights correlate compared with the start (noise
has none; edges, strokes and blobs have plenty).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from recipe_dash.training.artifacts import FirstLayer

MAX_TILES = 256  # filters (or filter x input channel pairs) drawn at most
MAX_UNITS = 64  # rows of a linear layer drawn at most
BARELY_MOVED = 0.05  # relative change below this: the layer is still what it started as
MIN_SMOOTH_SIDE = 5  # tiles smaller than this (3x3 filters) hold too few neighbours to tell edges from noise
STRUCTURE_GAIN = 0.1  # neighbour correlation this much above the start's: structure, not noise


@dataclass(frozen=True)
class LayerView:
    name: str
    kind: str  # "images" (mosaic, RGB uint8) or "heatmap" (units x features, signed floats)
    picture: np.ndarray  # images: (H, W, 3) uint8 with white 1-px gaps; heatmap: (units, features) float32
    n_tiles: int  # tiles (or heatmap rows) drawn
    tile_shape: tuple[int, int]  # one tile's (height, width); heatmap: (1, features)
    moved: float | None  # |W - W_start| / |W_start|, None without the start's weights
    smoothness: float | None  # neighbour correlation at the end (image tiles only)
    smoothness_at_start: float | None
    caption: str
    summary: str


def layer_view(layer: FirstLayer) -> LayerView:
    tiles, caption = _tiles(layer.weight, layer.kind, layer.input_shape)
    moved = _moved(layer.weight, layer.initial)
    if tiles is None:
        picture = layer.weight[:MAX_UNITS].astype(np.float32)
        smooth = start_smooth = None
        kind, tile_shape, n = "heatmap", (1, picture.shape[1]), len(picture)
    else:
        start_tiles = _tiles(layer.initial, layer.kind, layer.input_shape)[0] if layer.initial is not None else None
        smooth = neighbour_correlation(tiles)
        start_smooth = neighbour_correlation(start_tiles) if start_tiles is not None else None
        picture = mosaic(tiles)
        kind, tile_shape, n = "images", (tiles.shape[1], tiles.shape[2]), len(tiles)
    return LayerView(
        layer.name,
        kind,
        picture,
        n,
        tile_shape,
        moved,
        smooth,
        start_smooth,
        caption,
        _summary(kind, moved, smooth, start_smooth),
    )


def mosaic(tiles: np.ndarray) -> np.ndarray:
    """Tiles (N, h, w) or (N, h, w, 3), each scaled symmetrically around zero (grey = 0), in a near-square
    grid with white 1-pixel gaps: (rows*h + rows-1, cols*w + cols-1, 3) uint8."""
    n, h, w = tiles.shape[:3]
    colour = tiles if tiles.ndim == 4 else np.repeat(tiles[..., None], 3, axis=3)
    peak = np.abs(colour).reshape(n, -1).max(axis=1)
    scaled = 0.5 + colour / (2 * np.where(peak > 0, peak, 1.0))[:, None, None, None]
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    out = np.full((rows * h + rows - 1, cols * w + cols - 1, 3), 255, dtype=np.uint8)
    for i in range(n):
        r, c = divmod(i, cols)
        out[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = np.round(scaled[i] * 255).astype(np.uint8)
    return out


def neighbour_correlation(tiles: np.ndarray) -> float | None:
    """Pearson correlation of horizontally and vertically adjacent weights, each tile centred on its own
    mean first (an offset is not structure); None for tiles under MIN_SMOOTH_SIDE on a side."""
    if min(tiles.shape[1], tiles.shape[2]) < MIN_SMOOTH_SIDE:
        return None
    grey = tiles.mean(axis=3) if tiles.ndim == 4 else tiles
    centred = grey - grey.mean(axis=(1, 2), keepdims=True)
    a = np.concatenate([centred[:, :, :-1].ravel(), centred[:, :-1, :].ravel()])
    b = np.concatenate([centred[:, :, 1:].ravel(), centred[:, 1:, :].ravel()])
    denominator = math.sqrt(float((a * a).sum()) * float((b * b).sum()))
    return float((a * b).sum()) / denominator if denominator > 0 else None


def _tiles(weight: np.ndarray, kind: str, input_shape: tuple[int, ...]) -> tuple[np.ndarray | None, str]:
    """Image tiles (N, h, w[, 3]) of a layer, or None when it reads no image; and a caption."""
    if kind == "conv":
        out, channels, kh, kw = weight.shape
        if channels == 3:
            return weight[:MAX_TILES].transpose(0, 2, 3, 1), f"{min(out, MAX_TILES)} of {out} RGB filters, {kh}x{kw}"
        pairs = weight.reshape(out * channels, kh, kw)[:MAX_TILES]
        per = f" x {channels} input channels" if channels > 1 else ""
        return pairs, f"{len(pairs)} of {out}{per} filters, {kh}x{kw}, one per tile"
    is_image = len(input_shape) == 3 and min(input_shape[1:]) >= 2
    if not is_image or weight.shape[1] != math.prod(input_shape):
        return None, f"{min(len(weight), MAX_UNITS)} of {len(weight)} units x {weight.shape[1]} input features"
    channels, height, width = input_shape
    units = weight[:MAX_UNITS].reshape(-1, channels, height, width)
    rows = units.transpose(0, 2, 3, 1) if channels == 3 else units.mean(axis=1)
    return rows, f"{len(units)} of {len(weight)} units, each unit's weights shown as a {height}x{width} image"


def _moved(weight: np.ndarray, initial: np.ndarray | None) -> float | None:
    if initial is None or initial.shape != weight.shape:
        return None
    start = float(np.linalg.norm(initial))
    return float(np.linalg.norm(weight - initial)) / start if start > 0 else None


def _summary(kind: str, moved: float | None, smooth: float | None, start: float | None) -> str:
    if moved is not None and moved < BARELY_MOVED:
        return (
            f"The first layer barely moved from its start ({moved:.1%} of its size): it still looks as it began. "
            "Training did not reach it: a learning rate too low, a frozen layer, or vanishing gradients."
        )
    moved_text = f"Training moved the weights {moved:.0%} of their size from the start. " if moved is not None else ""
    if smooth is None:
        return moved_text + (
            "Filters this small hold too few neighbouring weights to tell edges from noise by eye or by number; "
            "what they show is whether training moved them."
            if kind == "images"
            else "Read the heatmap: a unit that weighs every feature the same learned nothing specific."
        )
    since = f" (at the start {start:.2f})" if start is not None else ""
    if start is not None and smooth - start > STRUCTURE_GAIN:
        return moved_text + (
            f"Neighbouring weights correlate {smooth:.2f}{since}: smooth, structured filters (edges, strokes, "
            "blobs), as a trained first layer should look."
        )
    return moved_text + (
        f"Neighbouring weights correlate {smooth:.2f}{since}: the filters still look like noise. Train longer, "
        "lower a learning rate that is too high, or look for a bug in the inputs."
    )
