"""Turn a model spec (a built-in name, `file.py:function` or `package.module:function`) into a checked model.

A user's builder is `build(input_shape: tuple[int, ...], n_classes: int) -> torch.nn.Module`; the module
maps float32 inputs `(N, *input_shape)` to logits `(N, n_classes)` (no softmax: the loss is cross-entropy
on logits). Images arrive as `(C, H, W)`, C = 1 (grayscale) or 3 (RGB), standardized per channel with
the training split's mean and std (in [0, 1] with `normalize=False`); the exact transform is in
image_tensors.py and data.py. Tables arrive as vectors of
encoded features (table_features.py), standardized with the training split's mean and std.

Loading a file runs its code, so the dashboard only offers files from the configured model folders
(RECIPE_DASH_MODEL_DIRS); the CLI loads any path it is given.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import importlib.util
import inspect
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from recipe_dash.errors import RecipeDashError
from recipe_dash.training.builtin_models import BUILTIN_MODELS, Builder, default_model

AUTO = "auto"  # the default built-in for the data kind


class ModelError(RecipeDashError):
    """A model spec that does not load, a builder that fails, or a model whose output has the wrong shape."""


@dataclass(frozen=True)
class ModelSource:
    """A model builder and the spec it came from (kept for messages and the run record)."""

    spec: str
    build: Builder
    # Keyword arguments of every build call (TrainConfig.model_options: dropout, width, depth).
    options: Mapping[str, Any] = field(default_factory=dict)


def pick_device() -> torch.device:
    """CUDA when present, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def resolve_model(spec: str, *, kind: str = "image", allowed_dirs: Sequence[Path] | None = None) -> ModelSource:
    """Find the builder a spec names ("auto": the default built-in for the data `kind`);
    with `allowed_dirs` (the dashboard), only files inside them."""
    spec = spec.strip()
    if spec == AUTO:
        spec = default_model(kind)
    if spec in BUILTIN_MODELS:
        return ModelSource(spec, BUILTIN_MODELS[spec])
    target, colon, name = spec.rpartition(":")
    if not colon or not target or not name.isidentifier():
        raise ModelError(
            f"'{spec}' is not a model. Use a built-in ({', '.join(BUILTIN_MODELS)}), "
            "'path/to/file.py:function' or 'package.module:function'."
        )
    if target.endswith(".py"):
        module = _import_file(_checked_path(target, allowed_dirs))
    elif allowed_dirs is not None:
        raise ModelError(f"'{spec}': the dashboard only loads model files from its model folders.")
    else:
        module = _import_module(target)
    builder = getattr(module, name, None)
    if not callable(builder):
        raise ModelError(f"'{target}' has no function '{name}'. Define build(input_shape, n_classes) there.")
    return ModelSource(spec, builder)


@dataclass(frozen=True)
class Keywords:
    """The keyword arguments a builder takes beyond (input_shape, n_classes)."""

    defaults: dict[str, Any]  # name -> default (None when it has none, or one we did not evaluate)
    any: bool  # it takes **kwargs, so any keyword goes

    def refused(self, names: Sequence[str]) -> list[str]:
        return [] if self.any else [name for name in names if name not in self.defaults]


def configure(source: ModelSource, options: Mapping[str, Any]) -> ModelSource:
    """The builder called with `options` as keywords (dropout, width, depth); refused at once, naming the
    option, when the builder cannot take it (a model file without that keyword, the logistic baseline)."""
    if not options:
        return source
    try:
        keywords = _signature_keywords(source.build)
    except (TypeError, ValueError):  # a builtin or C callable without a signature: let the call decide
        return replace(source, options=dict(options))
    check_keywords(source.spec, keywords, list(options))
    return replace(source, options=dict(options))


def check_keywords(spec: str, keywords: Keywords, names: Sequence[str]) -> None:
    """ModelError naming the first of `names` the builder cannot take, and how to let it."""
    refused = keywords.refused(names)
    if refused:
        raise ModelError(
            f"'{spec}' takes no {' or '.join(refused)} option. Leave it unset, or give the builder a keyword "
            f"argument for it: build(input_shape, n_classes, {refused[0]}=...)."
        )


def builder_keywords(spec: str, *, kind: str = "image", allowed_dirs: Sequence[Path] | None = None) -> Keywords:
    """A builder's keywords and defaults; a model file is read, never run (the dashboard asks before any
    worker loads it), so only literal defaults are known."""
    target, colon, name = spec.strip().rpartition(":")
    if not (colon and target.endswith(".py")):
        return _signature_keywords(resolve_model(spec, kind=kind, allowed_dirs=allowed_dirs).build)
    path = _checked_path(target, allowed_dirs)
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError, OSError) as err:
        raise ModelError(f"Reading '{path}' failed: {type(err).__name__}: {err}") from None
    found = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name]
    if not found:
        raise ModelError(f"'{target}' has no function '{name}'. Define build(input_shape, n_classes) there.")
    args = found[-1].args
    positional = [*args.posonlyargs, *args.args][2:]  # after (input_shape, n_classes)
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    pairs = [*zip(positional, defaults, strict=True), *zip(args.kwonlyargs, args.kw_defaults, strict=True)]
    return Keywords({arg.arg: _literal(default) for arg, default in pairs}, args.kwarg is not None)


def _signature_keywords(build: Builder) -> Keywords:
    parameters = list(inspect.signature(build).parameters.values())
    named = [p for p in parameters[2:] if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    return Keywords(
        {p.name: None if p.default is p.empty else p.default for p in named},
        any(p.kind is p.VAR_KEYWORD for p in parameters),
    )


def _literal(node: ast.expr | None) -> Any:
    try:
        return None if node is None else ast.literal_eval(node)
    except ValueError:
        return None


def check_offered(spec: str, allowed_dirs: Sequence[Path]) -> None:
    """Refuse (without running anything) a spec the dashboard may not load: not built-in, not in a model folder."""
    if spec == AUTO or spec in BUILTIN_MODELS:
        return
    target, colon, _ = spec.rpartition(":")
    if not colon or not target.endswith(".py"):
        raise ModelError(f"'{spec}': the dashboard only loads built-ins and model files from its model folders.")
    _checked_path(target, allowed_dirs)


def build_model(
    source: ModelSource,
    input_shape: tuple[int, ...],
    n_classes: int,
    *,
    seed: int,
    example: torch.Tensor,
    device: torch.device | None = None,
) -> nn.Module:
    """Build with a fixed seed (same seed, same weights) on `device` (default: CUDA when present, else CPU),
    and check that the output on two `example` samples is float logits shaped (2, n_classes)."""
    device = device or pick_device()
    torch.manual_seed(seed)
    shape = tuple(int(d) for d in input_shape)
    try:
        model = source.build(shape, n_classes, **source.options)
    except Exception as err:  # the user's code: any failure is a message, not a traceback
        extra = "".join(f", {key}={value!r}" for key, value in source.options.items())
        raise ModelError(
            f"'{source.spec}': build({shape}, {n_classes}{extra}) raised {type(err).__name__}: {err}"
        ) from None
    if not isinstance(model, nn.Module):
        raise ModelError(f"'{source.spec}' returned {type(model).__name__}, not a torch.nn.Module.")
    model = model.to(device)
    batch = example[:2].to(device)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            output = model(batch)
    except Exception as err:
        raise ModelError(
            f"'{source.spec}' failed on a batch shaped {tuple(batch.shape)}: {type(err).__name__}: {err}"
        ) from None
    finally:
        model.train(was_training)
    expected = (len(batch), n_classes)
    if not isinstance(output, torch.Tensor) or not output.is_floating_point() or tuple(output.shape) != expected:
        got = tuple(output.shape) if isinstance(output, torch.Tensor) else type(output).__name__
        raise ModelError(
            f"'{source.spec}' maps a batch shaped {tuple(batch.shape)} to {got}; expected float logits "
            f"shaped {expected} (one row per sample, one column per class)."
        )
    return model


def list_model_specs(dirs: Sequence[Path]) -> list[str]:
    """`file.py:build…` specs in the model folders, found by reading (not running) each file."""
    specs: list[str] = []
    for folder in dirs:
        if not Path(folder).is_dir():
            continue
        for path in sorted(Path(folder).glob("*.py")):
            if path.name.startswith("_"):
                continue
            try:
                tree = ast.parse(path.read_text(encoding="utf-8"))
            except (SyntaxError, UnicodeDecodeError, OSError):
                continue
            specs += [
                f"{path.resolve()}:{node.name}"
                for node in tree.body
                if isinstance(node, ast.FunctionDef) and (node.name == "build" or node.name.startswith("build_"))
            ]
    return specs


def _checked_path(target: str, allowed_dirs: Sequence[Path] | None) -> Path:
    path = Path(target).expanduser().resolve()
    if allowed_dirs is not None and not any(path.is_relative_to(Path(d).resolve()) for d in allowed_dirs):
        folders = ", ".join(str(d) for d in allowed_dirs)
        raise ModelError(
            f"'{target}' is outside the model folders ({folders}). Put it there or ask the admin to add its "
            "folder to RECIPE_DASH_MODEL_DIRS."
        )
    if not path.is_file():
        raise ModelError(f"Model file '{target}' does not exist.")
    return path


def _import_file(path: Path) -> object:
    """Run a model file as its own module; its folder is importable meanwhile, for sibling helpers."""
    name = "recipe_dash_user_model_" + hashlib.sha1(str(path).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    except Exception as err:
        raise ModelError(f"Importing '{path}' failed: {type(err).__name__}: {err}") from None
    finally:
        sys.path.remove(str(path.parent))
    return module


def _import_module(name: str) -> object:
    try:
        return importlib.import_module(name)
    except Exception as err:
        raise ModelError(
            f"Cannot import '{name}': {type(err).__name__}: {err}. "
            "Is the package installed, or its folder on PYTHONPATH?"
        ) from None
