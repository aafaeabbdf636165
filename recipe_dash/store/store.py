"""The store: SQLite by default (WAL, so a worker writes while pages read), any SQLAlchemy URL otherwise."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from recipe_dash.errors import StoreError
from recipe_dash.io.dataset import Dataset
from recipe_dash.io.names import path_text
from recipe_dash.store.models import DatasetRecord, utcnow

MIGRATIONS = Path(__file__).parent / "migrations"
# Alembic runs a migration through module-global proxies (`alembic.context`, `alembic.op`): two threads
# upgrading at once (two sessions of one dashboard opening the store together) undo each other's proxies.
_UPGRADING = threading.Lock()


class Store:
    """Opens (and migrates) the database once; methods are short transactions."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            if url.startswith("sqlite:///"):
                Path(url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
            self.engine = _make_engine(url)
            upgrade(self.engine)
        except ImportError as err:
            raise StoreError(
                f"Cannot open the store at {_safe(url)}: its database driver is missing ({err.name}). "
                "For PostgreSQL: pip install 'recipe-dash[postgres]'."
            ) from None
        except (SQLAlchemyError, OSError) as err:
            raise StoreError(f"Cannot open the store at {_safe(url)}: {err}") from None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Session:
        return self._sessions()

    def now(self) -> datetime:
        """The database's clock (UTC), for heartbeats: workers on several hosts sharing a PostgreSQL store
        agree on it even when their own clocks drift. A SQLite file lives on one host, whose clock it is."""
        if self.engine.dialect.name == "sqlite":
            return utcnow()
        with self.engine.connect() as connection:
            moment = connection.scalar(select(func.now()))
        assert isinstance(moment, datetime)
        return moment.astimezone(UTC)

    def record_dataset(self, dataset: Dataset) -> int:
        """Remember a loaded dataset (one record per source and label column) and return its id."""
        source = path_text(dataset.source.resolve())  # valid text for any path; workspace.py reverses it
        fields: dict[str, Any] = dict(
            name=dataset.name,
            kind=dataset.kind,
            n_samples=dataset.n_samples,
            class_names=list(dataset.class_names),
            splits=list(dataset.splits),
            opened_at=utcnow(),
        )
        try:
            with self.session() as session, session.begin():
                record = session.scalar(
                    select(DatasetRecord).where(
                        DatasetRecord.source == source, DatasetRecord.label_column == dataset.label_column
                    )
                )
                if record is None:
                    record = DatasetRecord(source=source, label_column=dataset.label_column, **fields)
                    session.add(record)
                else:
                    for key, value in fields.items():
                        setattr(record, key, value)
                session.flush()
                return record.id
        except SQLAlchemyError as err:
            raise StoreError(f"Could not record dataset '{dataset.name}' in {_safe(self.url)}: {err}") from None

    def datasets(self) -> list[DatasetRecord]:
        """Every recorded dataset, most recently opened first."""
        with self.session() as session:
            return list(session.scalars(select(DatasetRecord).order_by(DatasetRecord.opened_at.desc())))

    def dataset(self, dataset_id: int) -> DatasetRecord | None:
        with self.session() as session:
            return session.get(DatasetRecord, dataset_id)


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision; a user's existing data is kept."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with _UPGRADING, engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")  # features may add parallel branches


def _make_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if url not in ("sqlite://", "sqlite:///:memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return "<invalid database URL>"
