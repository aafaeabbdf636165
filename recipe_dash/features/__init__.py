"""Per-sample features computed in one streaming pass and cached; every analyzer reads this table.

`compute_features(dataset)` returns one row per sample in `dataset.samples` order, `sample_id` first.

Images (each file read and decoded once):
    sha256        str    hash of the file's bytes
    pixel_hash    str    equal for two images exactly when their decoded pixels, size and mode are equal
                         (palette images compared as RGB/RGBA); null if undecodable
    phash, dhash  Int64  64-bit perceptual / gradient hashes as signed int64 bit patterns; null if undecodable
    width, height Int64  from the header, even when decoding fails; null if unknown
    mode, format  str    Pillow mode ("L", "RGB", "CMYK", "I;16", "P"...) and format ("PNG", "JPEG"...)
    file_bytes    Int64  file size
    brightness    float  mean of grayscale, 0..1
    contrast      float  standard deviation of grayscale, 0..1
    blur          float  variance of the 4-neighbour Laplacian of grayscale on the 0..255 scale (low = blurry)
                         These three are taken on the image box-reduced by an integer factor to a short
                         side of WORK_SIDE..2*WORK_SIDE-1 px (64..127), so big and small images compare.
    decode_error  str    why the file did not decode (zero bytes, not an image, truncated, over the pixel
                         limit, decoder crashed its worker); null when it decoded
    tiny          bytes  16x16 grayscale uint8 thumbnail, row-major (256 bytes); null if undecodable
    gray32        bytes  32x32 grayscale uint8 thumbnail, row-major (1,024 bytes): what the perceptual hashes
                         start from, what near copies are first compared on, and the image model's input;
                         null if undecodable
    mean_r, mean_g, mean_b  float  channel means, 0..1 (equal to brightness for grayscale)
    transparency  boolean  an alpha channel or palette transparency; null if the header is unreadable
    frames        Int64  frames or pages in the file (APNG, animated GIF, multi-page TIFF); loaders read the
                         first only; null if undecodable
    orientation   Int64  EXIF orientation tag when it asks for a flip or rotation (2..8), else null

Tables:
    row_hash      int64  hash of the row's values except the label, split and identifier columns
                         (see `recipe_dash.io.columns.identifier_columns`)
"""

from __future__ import annotations

from recipe_dash.features.compute import IMAGE_COLUMNS, IMAGE_DTYPES, compute_features
from recipe_dash.features.executors import EXECUTOR_KINDS, ExecutorKind, Workers, open_executor
from recipe_dash.features.images import GRAY_SIDE, TINY_SIDE, WORK_SIDE

__all__ = [
    "EXECUTOR_KINDS",
    "GRAY_SIDE",
    "IMAGE_COLUMNS",
    "IMAGE_DTYPES",
    "TINY_SIDE",
    "WORK_SIDE",
    "ExecutorKind",
    "Workers",
    "compute_features",
    "open_executor",
]
