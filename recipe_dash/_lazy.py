"""Package names imported on first use, so importing a package (training, tuning, regularize) does not
import torch or Optuna until a name that needs them is touched."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` that serves `exports` ({name: submodule}) from `package`'s submodules."""

    def get(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module '{package}' has no attribute '{name}'")
        return getattr(importlib.import_module(f"{package}.{exports[name]}"), name)

    return get
