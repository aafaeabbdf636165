"""Image files that cannot be used (corrupt), and valid files a training pipeline must handle on purpose.

`corrupt` means the file cannot be used as it is: it does not decode, is cut short, empty, not an image,
or a decompression bomb. A file that decodes but is unusual gets a format note of its own type, with a
low score and the conversion to make: a name whose extension lies about the content, a colour mode a
plain `convert` gets wrong, a degenerate size, several frames of which loaders read one, an EXIF
rotation that viewers apply and loaders do not.
"""

from __future__ import annotations

from pathlib import PurePosixPath

import numpy as np
import pandas as pd

from recipe_dash.analyzers.findings import concat_findings, findings_frame

FORMAT_EXTENSIONS = {
    "PNG": {".png"},
    "JPEG": {".jpg", ".jpeg"},
    "BMP": {".bmp"},
    "GIF": {".gif"},
    "TIFF": {".tif", ".tiff"},
    "WEBP": {".webp"},
    "PPM": {".ppm", ".pgm", ".pbm"},
}
# Modes a plain `convert("RGB")` or `convert("L")` handles faithfully; the others get a note with the fix.
USUAL_MODES = frozenset({"L", "RGB", "RGBA", "P", "1"})
MODE_ADVICE = {
    "CMYK": "CMYK (4-channel print colours): convert it to RGB on purpose; a loader that expects 3 channels "
    "fails or shifts its colours",
    "I;16": "16-bit grayscale: scale it to 8 bits (divide by 257) before converting; a plain convert('L') "
    "clips most values to white",
    "I": "32-bit integer grayscale: rescale it to 0..255 yourself; a plain convert('L') clips it",
    "F": "32-bit float: rescale it (its values may lie in 0..1) before converting; a plain convert('L') clips it",
    "LA": "grayscale with an alpha channel: composite it onto a background or drop the alpha on purpose; "
    "loaders differ in what they do with it",
    "PA": "palette with an alpha channel: convert it to RGBA and composite it on purpose",
}
_PALETTE_ALPHA = (
    "Palette image with transparency: converting to RGB paints the transparent area with an arbitrary "
    "palette colour; convert to RGBA and composite it onto a background on purpose."
)
ORIENTATIONS = {
    2: "mirrored left-right",
    3: "rotated 180°",
    4: "mirrored top-bottom",
    5: "mirrored and rotated 90° counter-clockwise",
    6: "rotated 90° clockwise",
    7: "mirrored and rotated 90° clockwise",
    8: "rotated 90° counter-clockwise",
}
HUGE_FACTOR = 64  # an image with this many times the median pixel count (and over HUGE_PIXELS) is flagged
HUGE_PIXELS = 4096 * 4096


def image_findings(features: pd.DataFrame, *, min_side: int, max_aspect: float) -> pd.DataFrame:
    """`corrupt` for files that do not decode; a format note (its own issue type) for the unusual ones."""
    ids = features["sample_id"]
    broken = features["decode_error"].notna()
    return concat_findings(
        [
            findings_frame(
                ids[broken], "corrupt", 1.0, "decode", "Does not decode: " + features["decode_error"][broken] + "."
            ),
            _extension_notes(features),
            _mode_notes(features, broken),
            _size_notes(features, min_side=min_side, max_aspect=max_aspect),
            _frame_notes(features),
            _orientation_notes(features),
        ]
    )


def _extension_notes(features: pd.DataFrame) -> pd.DataFrame:
    ids = features["sample_id"]
    extension = ids.map(lambda s: PurePosixPath(s).suffix.lower())
    expected = features["format"].map(lambda f: FORMAT_EXTENSIONS.get(f, set()) if isinstance(f, str) else set())
    wrong = np.array([bool(e) and x not in e for x, e in zip(extension, expected, strict=True)], dtype=bool)
    fmt = features["format"][wrong]
    right = fmt.map(lambda f: sorted(FORMAT_EXTENSIONS[f])[0])
    detail = (
        "The content is "
        + fmt
        + " but the name ends in "
        + extension[wrong]
        + ": rename it to "
        + right
        + "; tools that pick a decoder by the extension fail or misread it."
    )
    return findings_frame(ids[wrong], "wrong_extension", 0.4, "extension", detail)


def _mode_notes(features: pd.DataFrame, broken: pd.Series) -> pd.DataFrame:
    ids, mode = features["sample_id"], features["mode"]
    odd = (mode.notna() & ~mode.isin(USUAL_MODES) & ~broken).to_numpy(dtype=bool)
    advice = mode[odd].map(lambda m: MODE_ADVICE.get("I;16" if m.startswith("I;16") else m, f"mode {m}: convert it"))
    palette_alpha = ((mode == "P") & features["transparency"].fillna(False) & ~broken).to_numpy(dtype=bool)
    return concat_findings(
        [
            findings_frame(ids[odd], "unusual_mode", 0.3, "mode", "Unusual mode " + mode[odd] + ", " + advice + "."),
            findings_frame(ids[palette_alpha], "unusual_mode", 0.3, "mode", _PALETTE_ALPHA),
        ]
    )


def _size_notes(features: pd.DataFrame, *, min_side: int, max_aspect: float) -> pd.DataFrame:
    """Images under `min_side`, stretched beyond `max_aspect` (and far from the typical shape), or
    with far more pixels than the typical image (HUGE_FACTOR times, and over HUGE_PIXELS)."""
    width = features["width"].astype("float64").to_numpy()
    height = features["height"].astype("float64").to_numpy()
    known = ~np.isnan(width) & ~np.isnan(height) & features["decode_error"].isna().to_numpy()
    aspect = np.where(known, np.maximum(width, height) / np.maximum(np.minimum(width, height), 1), np.nan)
    typical = float(np.nanmedian(aspect)) if known.any() else 1.0
    pixels = width * height
    typical_pixels = float(np.nanmedian(np.where(known, pixels, np.nan))) if known.any() else 0.0
    tiny = known & (np.minimum(width, height) < min_side)
    stretched = known & ~tiny & (aspect > max_aspect) & (aspect > 2 * typical)
    huge = known & (pixels > HUGE_PIXELS) & (pixels > HUGE_FACTOR * typical_pixels)
    ids = features["sample_id"]
    sizes = pd.Series([f"{w:.0f}x{h:.0f}" for w, h in zip(width, height, strict=True)], index=features.index)
    return concat_findings(
        [
            findings_frame(
                ids[tiny],
                "odd_size",
                0.5,
                "size",
                "Tiny image (" + sizes[tiny] + f"), under {min_side} px on a side: resizing it to the input "
                "size invents its pixels; drop it unless such images are expected.",
            ),
            findings_frame(
                ids[stretched],
                "odd_size",
                np.clip(aspect[stretched] / (8 * max_aspect), 0.3, 0.5),
                "size",
                "Extreme aspect ratio (" + sizes[stretched] + "): resizing it to a square distorts it; crop or "
                "pad it, or drop it.",
            ),
            findings_frame(
                ids[huge],
                "odd_size",
                0.3,
                "size",
                "Huge image (" + sizes[huge] + f"), over {HUGE_FACTOR}x the typical pixel count: it dominates "
                "decoding time and memory; downscale it once, ahead of training.",
            ),
        ]
    )


def _frame_notes(features: pd.DataFrame) -> pd.DataFrame:
    frames = features["frames"].fillna(1).astype("int64")
    several = (frames > 1).to_numpy(dtype=bool)
    what = features["format"][several].map(lambda f: "pages (multi-page TIFF)" if f == "TIFF" else f"frames ({f})")
    detail = (
        frames[several].astype(str) + " " + what + ": Pillow, torchvision and most loaders read only the first; "
        "split the others into files if they matter."
    )
    return findings_frame(features["sample_id"][several], "several_frames", 0.3, "frames", detail)


def _orientation_notes(features: pd.DataFrame) -> pd.DataFrame:
    orientation = features["orientation"]
    turned = orientation.notna().to_numpy(dtype=bool)
    detail = orientation[turned].map(
        lambda o: (
            f"EXIF orientation {o} ({ORIENTATIONS.get(int(o), 'transformed')} when shown): viewers apply "
            "it, Pillow and torchvision read the stored pixels, so the net sees another picture than people do; "
            "apply ImageOps.exif_transpose (or strip the tag) so both agree."
        )
    )
    return findings_frame(features["sample_id"][turned], "exif_rotated", 0.3, "orientation", detail)
