"""The relational store: SQLAlchemy over a SQLite file by default, PostgreSQL by URL."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker


class Base(DeclarativeBase):
    pass


@lru_cache(maxsize=8)
def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    else:
        engine = create_engine(url, pool_pre_ping=True)
    migrate(engine)
    return engine


MIGRATIONS = Path(__file__).with_name("migrations")


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision. A file lock beside a SQLite
    database keeps two processes starting at once from migrating together."""
    from alembic import command
    from alembic.config import Config
    from filelock import FileLock

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    lock = FileLock(f"{database}.migrate.lock") if database and database != ":memory:" else None
    if lock is not None:
        lock.acquire(timeout=120)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        if lock is not None:
            lock.release()


def session_factory(url: str) -> sessionmaker:
    return sessionmaker(make_engine(url), expire_on_commit=False)


_GONE = re.compile(  # how PostgreSQL and SQLite say the server or the file is not there now
    r"connection (failed|refused)|could not connect|server closed the connection|shutting down"
    r"|terminating connection|consuming input failed|database is locked|unable to open database",
    re.IGNORECASE)


def _transient(exc: BaseException) -> bool:
    """The database could not be reached or dropped the connection (a restart, a
    failover): worth trying again. A wrong query or a constraint is not."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError) and _GONE.search(str(exc.orig)) is not None


def riding_out_restarts(seconds: float) -> Any:
    """A decorator: the call is tried again, with backoff, while the database is briefly
    away, for up to `seconds`; then the last error is raised. Only for calls that can be
    repeated whole (reads, or one transaction that either committed or did not)."""
    import tenacity

    return tenacity.retry(
        retry=tenacity.retry_if_exception(_transient),
        wait=tenacity.wait_exponential(multiplier=0.2, max=3.0),
        stop=tenacity.stop_after_delay(seconds),
        reraise=True,
    )
