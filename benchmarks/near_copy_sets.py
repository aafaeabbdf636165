"""Two low-diversity stress sets for the near-copy check, made differently from the bundled sample.

- digits: all 1,797 scikit-learn digits at 64x64, dark ink on random paper colours (some grey, some
  scanned skewed, noisy or saved as JPEG), nothing deduplicated. Hard negatives: the 300 closest
  pairs of distinct scans by their raw 8x8 values.
- glyphs: 64 characters in 15 fonts (DejaVu and Liberation families), each (character, font) drawn
  once on a random paper, 40-64 px. Hard negatives: the same character in sister fonts (regular vs
  bold, oblique, light; DejaVu vs its look-alike Liberation). Condensed/narrow fonts, DejaVu Sans
  Mono, Liberation Mono and DejaVu Math are left out: they reuse other fonts' outlines, so the same
  picture would appear under two names and the key could not honestly call them distinct.

On top of both: planted copies of every kind of edit (rotations of 3-10 degrees, crops of 5-15%,
resizes, JPEG, brightness/contrast, tints, noise, shifts, and all of them stacked), some moved to
the other split (leakage) or another class folder (conflicting label), plus exact twins. The answer
key (key.json) records how every file was made; no distance of any kind decides it.
"""

from __future__ import annotations

import io
import json
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFont
from sklearn.datasets import load_digits

Paper = tuple[int, int, int]
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation"))
FONTS = {  # name -> file; the set uses the ones this machine has
    "DejaVuSans": "DejaVuSans.ttf",
    "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique": "DejaVuSans-Oblique.ttf",
    "DejaVuSans-BoldOblique": "DejaVuSans-BoldOblique.ttf",
    "DejaVuSans-ExtraLight": "DejaVuSans-ExtraLight.ttf",
    "DejaVuSerif": "DejaVuSerif.ttf",
    "DejaVuSerif-Bold": "DejaVuSerif-Bold.ttf",
    "DejaVuSerif-Italic": "DejaVuSerif-Italic.ttf",
    "DejaVuSerif-BoldItalic": "DejaVuSerif-BoldItalic.ttf",
    "LiberationSans": "LiberationSans-Regular.ttf",
    "LiberationSans-Bold": "LiberationSans-Bold.ttf",
    "LiberationSans-Italic": "LiberationSans-Italic.ttf",
    "LiberationSerif": "LiberationSerif-Regular.ttf",
    "LiberationSerif-Bold": "LiberationSerif-Bold.ttf",
    "LiberationSerif-Italic": "LiberationSerif-Italic.ttf",
}
SISTERS = [
    ("DejaVuSans", "DejaVuSans-Bold"),
    ("DejaVuSans", "DejaVuSans-Oblique"),
    ("DejaVuSans", "DejaVuSans-ExtraLight"),
    ("DejaVuSans-Bold", "DejaVuSans-BoldOblique"),
    ("DejaVuSans", "LiberationSans"),
    ("DejaVuSerif", "LiberationSerif"),
    ("LiberationSans", "LiberationSans-Bold"),
    ("LiberationSans", "LiberationSans-Italic"),
    ("DejaVuSerif", "DejaVuSerif-Bold"),
    ("DejaVuSans-Bold", "LiberationSans-Bold"),
    ("LiberationSerif", "LiberationSerif-Bold"),
]
# no plain bars or rings (I, l, 1, O, o, 0 would be one shape in several classes); Greek unlike any Latin letter
CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789abdefghkmnqrtuy" + "αβγδεζηθλμξπρσφψω"


# --------------------------------------------------------------------------- edits
def _fill(paper: Paper, mode: str) -> Any:
    return paper if mode == "RGB" else int(np.mean(paper))


def rotate(img: Image.Image, rng: np.random.Generator, paper: Paper) -> tuple[Image.Image, str, dict[str, Any]]:
    angle = float(rng.choice([-1, 1]) * rng.uniform(3, 10))
    out = img.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=_fill(paper, img.mode))
    return out, f"rotated by {angle:.1f} deg", {}


def crop(img: Image.Image, rng: np.random.Generator, paper: Paper) -> tuple[Image.Image, str, dict[str, Any]]:
    """5-15% of the area removed, split unevenly between the axes and sides; half resized back."""
    removed = float(rng.uniform(0.05, 0.15))
    keep_w = (1 - removed) ** float(rng.uniform(0.0, 1.0))
    w, h = img.size
    cw, ch = max(4, round(w * keep_w)), max(4, round(h * (1 - removed) / keep_w))
    x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
    out = img.crop((x0, y0, x0 + cw, y0 + ch))
    back = bool(rng.random() < 0.5)
    out = out.resize((w, h), Image.Resampling.BICUBIC) if back else out
    return out, f"cropped to {cw}x{ch} ({removed:.0%} of the area)" + (", resized back" if back else ""), {}


def resize(img: Image.Image, rng: np.random.Generator, paper: Paper) -> tuple[Image.Image, str, dict[str, Any]]:
    scale = float(rng.uniform(0.45, 0.8) if rng.random() < 0.5 else rng.uniform(1.25, 2.0))
    out = img.resize((max(8, round(img.width * scale)), max(8, round(img.height * scale))), Image.Resampling.LANCZOS)
    return out, f"resized by {scale:.2f}", {}


def jpeg(img: Image.Image, rng: np.random.Generator, paper: Paper) -> tuple[Image.Image, str, dict[str, Any]]:
    """Unchanged pixels; the writer saves the copy as JPEG at `quality`."""
    quality = int(rng.integers(25, 76))
    return img, f"re-encoded as JPEG at quality {quality}", {"quality": quality}


def brightness(img: Image.Image, rng: np.random.Generator, paper: Paper) -> tuple[Image.Image, str, dict[str, Any]]:
    bright, contrast = float(1 + rng.choice([-1, 1]) * rng.uniform(0.1, 0.3)), float(rng.uniform(0.7, 1.3))
    out = ImageEnhance.Contrast(ImageEnhance.Brightness(img).enhance(bright)).enhance(contrast)
    return out, f"brightness x{bright:.2f}, contrast x{contrast:.2f}", {}


def tint(img: Image.Image, rng: np.random.Generator, paper: Paper) -> tuple[Image.Image, str, dict[str, Any]]:
    gains = rng.uniform(0.75, 1.25, size=3)
    pixels = np.clip(np.round(np.asarray(img.convert("RGB")).astype(np.float64) * gains), 0, 255)
    return Image.fromarray(pixels.astype(np.uint8), "RGB"), "tinted", {}


def noise(img: Image.Image, rng: np.random.Generator, paper: Paper) -> tuple[Image.Image, str, dict[str, Any]]:
    sigma = float(rng.uniform(5, 15))
    pixels = np.asarray(img).astype(np.float64)
    noisy = np.clip(np.round(pixels + rng.normal(0, sigma, pixels.shape)), 0, 255).astype(np.uint8)
    return Image.fromarray(noisy, img.mode), f"Gaussian noise, sigma {sigma:.1f}", {}


def shift(img: Image.Image, rng: np.random.Generator, paper: Paper) -> tuple[Image.Image, str, dict[str, Any]]:
    dx = int(rng.choice([-1, 1]) * round(img.width * rng.uniform(0.04, 0.10)))
    dy = int(rng.choice([-1, 1]) * round(img.height * rng.uniform(0.0, 0.10)))
    out = Image.new(img.mode, img.size, _fill(paper, img.mode))
    out.paste(img, (dx, dy))
    return out, f"shifted by ({dx}, {dy}) px", {}


def combo(img: Image.Image, rng: np.random.Generator, paper: Paper) -> tuple[Image.Image, str, dict[str, Any]]:
    """Rotated, cropped, brightened and re-encoded: the kinds stacked."""
    hows, params = [], {}
    for edit in (rotate, crop, brightness, jpeg):
        img, how, extra = edit(img, rng, paper)
        hows.append(how)
        params |= extra
    return img, "; ".join(hows), params


EDITS = {
    "rotate": rotate, "crop": crop, "resize": resize, "jpeg": jpeg, "brightness_contrast": brightness,
    "tint": tint, "noise": noise, "shift": shift, "combo": combo,
}  # fmt: skip


def _encode(img: Image.Image, fmt: str = "PNG", **params: Any) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt, **params)
    return buffer.getvalue()


# --------------------------------------------------------------------------- the set and its key
@dataclass
class StressSet:
    files: list[tuple[str, str, bytes, str]] = field(default_factory=list)  # split, label, bytes, extension
    bases: list[tuple[int, Image.Image, Paper]] = field(default_factory=list)  # (file, decoded picture, paper)
    copies: list[dict[str, Any]] = field(default_factory=list)  # copy, original (file indices), kind, how
    exact: list[tuple[int, int]] = field(default_factory=list)
    hard_negatives: list[dict[str, Any]] = field(default_factory=list)  # a, b (file indices), why

    def add_base(self, split: str, label: str, img: Image.Image, paper: Paper, fmt: str = "PNG", **params: Any) -> int:
        data = _encode(img, fmt, **params)
        self.files.append((split, label, data, ".jpg" if fmt == "JPEG" else ".png"))
        decoded = Image.open(io.BytesIO(data))
        decoded.load()
        self.bases.append((len(self.files) - 1, decoded, paper))
        return len(self.files) - 1

    def plant(self, rng: np.random.Generator, labels: list[str], per_kind: int, n_exact: int = 10) -> None:
        """`per_kind` copies of each edit (a third of their originals get a second, random edit); 15% of
        copies move to the other split, 12% to another class; then `n_exact` exact twins."""
        chosen = rng.choice(len(self.bases), size=per_kind * len(EDITS), replace=False)
        for index, kind in zip(chosen, [k for k in EDITS for _ in range(per_kind)], strict=True):
            file, img, paper = self.bases[index]
            split, label = self.files[file][:2]
            for n in range(2 if rng.random() < 0.3 else 1):
                this = kind if n == 0 else str(rng.choice(list(EDITS)))
                out, how, params = EDITS[this](img, rng, paper)
                where = rng.random()
                to_split = ("test" if split == "train" else "train") if where < 0.15 else split
                to_label = str(rng.choice([x for x in labels if x != label])) if 0.15 <= where < 0.27 else label
                as_jpeg = "quality" in params
                data = _encode(out, "JPEG", quality=params["quality"]) if as_jpeg else _encode(out)
                self.files.append((to_split, to_label, data, ".jpg" if as_jpeg else ".png"))
                self.copies.append({"copy": len(self.files) - 1, "original": file, "kind": this, "how": how})
        used = {c["original"] for c in self.copies}
        free = [b for b in self.bases if b[0] not in used]
        for k, index in enumerate(rng.choice(len(free), size=n_exact, replace=False)):
            split, label, data, ext = self.files[free[index][0]]
            twin = (_encode(Image.open(io.BytesIO(data)), "BMP"), ".bmp") if k % 2 else (data, ext)
            self.files.append((split, label, *twin))
            self.exact.append((free[index][0], len(self.files) - 1))

    def write(self, root: Path, rng: np.random.Generator, name: str) -> dict[str, Any]:
        """Files under shuffled names in root/data, the answer key in root/key.json."""
        shutil.rmtree(root, ignore_errors=True)
        numbers = rng.permutation(len(self.files))
        ids = [f"{s}/{lab}/{n:05d}{ext}" for (s, lab, _, ext), n in zip(self.files, numbers, strict=True)]
        for sid, (_, _, data, _) in zip(ids, self.files, strict=True):
            (root / "data" / sid).parent.mkdir(parents=True, exist_ok=True)
            (root / "data" / sid).write_bytes(data)
        key = {
            "dataset": name,
            "n_samples": len(ids),
            "copies": [c | {"copy": ids[c["copy"]], "original": ids[c["original"]]} for c in self.copies],
            "exact": [[ids[a], ids[b]] for a, b in self.exact],
            "hard_negatives": [h | {"a": ids[h["a"]], "b": ids[h["b"]]} for h in self.hard_negatives],
        }
        (root / "key.json").write_text(json.dumps(key, indent=1))
        return key


def make_digits(root: Path, seed: int = 1) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    bunch = load_digits()
    stress = StressSet()
    for scan, target in zip(bunch.images, bunch.target, strict=True):
        ink = (scan / 16.0)[..., None]
        paper = tuple(int(v) for v in rng.integers(190, 256, size=3))
        rgb = (1 - ink) * np.array(paper) + ink * rng.integers(0, 90, size=3)
        img = Image.fromarray(np.round(rgb).astype(np.uint8), "RGB").resize((64, 64), Image.Resampling.LANCZOS)
        img = img.convert("L") if rng.random() < 0.3 else img
        r = rng.random()
        if r < 0.25:  # scanned a little skewed
            angle = float(rng.uniform(-6, 6))
            img = img.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=_fill(paper, img.mode))
        elif r < 0.4:
            px = np.asarray(img).astype(np.float64)
            px += rng.normal(0, rng.uniform(3, 8), px.shape)
            img = Image.fromarray(np.clip(px, 0, 255).astype(np.uint8), img.mode)
        split = "test" if rng.random() < 0.2 else "train"
        if rng.random() < 0.2:
            stress.add_base(split, str(target), img, paper, "JPEG", quality=int(rng.integers(85, 96)))
        else:
            stress.add_base(split, str(target), img, paper)
    raw = bunch.data.astype(np.float64)
    squared = (raw**2).sum(1)
    distance = np.sqrt(np.maximum(squared[:, None] + squared[None, :] - 2 * raw @ raw.T, 0))
    upper = np.triu_indices(len(raw), 1)
    for k in np.argsort(distance[upper], kind="stable")[:300]:
        a, b = int(upper[0][k]), int(upper[1][k])
        stress.hard_negatives.append({"a": a, "b": b, "why": f"distinct scans, raw 8x8 distance {distance[a, b]:.1f}"})
    stress.plant(rng, [str(d) for d in range(10)], per_kind=16)
    return stress.write(root, rng, "stress-digits")


def available_fonts() -> dict[str, Path]:
    found = {name: d / f for name, f in FONTS.items() for d in FONT_DIRS if (d / f).exists()}
    return dict(sorted(found.items(), key=lambda kv: list(FONTS).index(kv[0])))


def make_glyphs(root: Path, seed: int = 2) -> dict[str, Any] | None:
    """None when this machine has too few of the fonts (install fonts-dejavu and fonts-liberation)."""
    fonts = available_fonts()
    if len(fonts) < 8:
        return None
    rng = np.random.default_rng(seed)
    stress = StressSet()
    where: dict[tuple[str, str], int] = {}
    for ch in CHARS:
        for name, path in fonts.items():
            side = int(rng.choice([40, 48, 56, 64]))
            img, paper = _glyph(ch, path, side, rng)
            where[(ch, name)] = stress.add_base("test" if rng.random() < 0.2 else "train", _class(ch), img, paper)
    for ch in CHARS:
        for a, b in SISTERS:
            if (ch, a) in where and (ch, b) in where:
                why = f"'{ch}' in {a} and {b}"
                stress.hard_negatives.append({"a": where[(ch, a)], "b": where[(ch, b)], "why": why})
    stress.plant(rng, sorted({_class(c) for c in CHARS}), per_kind=14)
    return stress.write(root, rng, "stress-glyphs")


def _class(ch: str) -> str:
    if not ch.isascii():
        return "greek_" + unicodedata.name(ch).split()[-1].lower()
    return ("upper_" if ch.isupper() else "lower_" if ch.islower() else "digit_") + ch


def _colour(rng: np.random.Generator, span: tuple[int, int], coloured: bool) -> Paper:
    values = rng.integers(*span, size=3) if coloured else np.repeat(rng.integers(*span), 3)
    return int(values[0]), int(values[1]), int(values[2])


def _luma(rgb: tuple[int, ...]) -> float:
    return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]


def _glyph(ch: str, font: Path, side: int, rng: np.random.Generator) -> tuple[Image.Image, Paper]:
    """One character on paper, ink at least 100 grey levels darker (legible), a little off centre."""
    coloured = rng.random() < 0.35
    while True:
        paper = _colour(rng, (150, 256) if coloured else (215, 256), coloured)
        ink = _colour(rng, (0, 110) if coloured else (0, 70), coloured)
        if _luma(paper) - _luma(ink) >= 100:
            break
    img = Image.new("RGB", (side, side), paper)
    face = ImageFont.truetype(str(font), size=int(side * rng.uniform(0.62, 0.72)))
    centre = (side / 2 + rng.uniform(-2, 2), side / 2 + rng.uniform(-2, 2))
    ImageDraw.Draw(img).text(centre, ch, font=face, fill=ink, anchor="mm")
    if not coloured and rng.random() < 0.5:
        img = img.convert("L")
    return img, paper  # type: ignore[return-value]
