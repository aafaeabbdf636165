from __future__ import annotations
from pathlib import Path
from typing import Any
def make_table(path: Path, *, seed: int = 0) -> dict[str, Any]:
    raise NotImplementedError
