"""Settings read from RECIPE_DASH_* environment variables, so a server is configured without code."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from platformdirs import user_data_path
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA = PROJECT_ROOT / "sample_data"


class Settings(BaseSettings):
    """Where things live and how much untrusted input we accept."""

    model_config = SettingsConfigDict(env_prefix="RECIPE_DASH_", frozen=True)

    # Working folder: the SQLite store, extracted uploads, thumbnails and feature caches. The platform's user
    # data folder (~/.local/share/recipe-dash on Linux), so running the CLI in a folder leaves nothing there.
    home: Path = Field(default_factory=lambda: user_data_path("recipe-dash", appauthor=False))
    # SQLAlchemy URL of the store; empty means a SQLite file in `home`.
    db: str = ""
    # Server-side folders the dashboard may open besides the bundled samples (see `allowed_roots`);
    # the CLI opens any path its user can read. Given like PATH: folders separated by os.pathsep.
    # Empty by default: a shared server shows nothing of its disk the admin did not list.
    data_roots: Annotated[list[Path], NoDecode] = Field(default_factory=list)
    # Folders whose `*.py` model builders the dashboard offers (loading a model runs its code, so the
    # dashboard never takes an uploaded model); separated by os.pathsep like data_roots.
    model_dirs: Annotated[list[Path], NoDecode] = Field(default_factory=lambda: [PROJECT_ROOT / "examples" / "models"])
    # Zip bombs: total bytes we are willing to extract and the worst compression ratio we accept.
    max_extract_bytes: int = 20 * 1024**3
    max_compression_ratio: float = 200.0
    # Images with more pixels than this are reported, never decoded (Pillow's own default).
    max_image_pixels: int = 89_478_485
    # Largest upload taken through the browser, in megabytes.
    max_upload_mb: int = 2048
    # Worker processes this host runs at once; more jobs wait in the queue. Each job already uses
    # every core it can (feature passes, torch), so more workers than cores only thrash.
    max_workers: int = Field(default_factory=lambda: _core_count(), ge=1)
    # Seconds without a heartbeat after which a running job counts as lost (its worker was killed,
    # frozen, or its host went away); workers beat several times within it.
    heartbeat_timeout: float = Field(default=60.0, gt=0)
    # Tuning on a PostgreSQL store: a worker records a heartbeat this often (seconds); a running trial
    # without one for three times as long is failed, so a study outlives a worker that died on any machine.
    tune_heartbeat_seconds: int = Field(default=10, ge=1)

    @field_validator("data_roots", "model_dirs", mode="before")
    @classmethod
    def _split_roots(cls, value: object) -> object:
        if isinstance(value, str):
            return [part for part in value.split(os.pathsep) if part]
        return value

    @property
    def allowed_roots(self) -> list[Path]:
        """What the dashboard may open: the bundled samples, the admin's folders, and uploads."""
        return [SAMPLE_DATA, *self.data_roots, self.uploads_dir]

    @property
    def db_url(self) -> str:
        return self.db or f"sqlite:///{self.home / 'recipe_dash.db'}"

    @property
    def store_location(self) -> str:
        """Where the store lives, for `--help` and the Load page (a database URL without its password)."""
        if not self.db:
            return f"{self.home} (set RECIPE_DASH_HOME to move it)"
        from sqlalchemy.engine import make_url

        return f"{make_url(self.db).render_as_string(hide_password=True)}, files in {self.home}"

    @property
    def uploads_dir(self) -> Path:
        return self.home / "uploads"

    @property
    def thumbnails_dir(self) -> Path:
        return self.home / "thumbnails"


def _core_count() -> int:
    """Cores this process may use (a container's CPU set, not the host's)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests clear the cache after changing the environment."""
    return Settings()
