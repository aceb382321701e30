"""The schema is made by Alembic migrations, and they match the models exactly."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import bot.dashboard.accounts  # noqa: F401
import bot.quiz.bank  # noqa: F401
import bot.quiz.records  # noqa: F401
import bot.store  # noqa: F401  (registers the bot tables on the shared metadata)
import ingest.registry  # noqa: F401
from ingest.db import Base, make_engine


def test_migrations_create_every_table_and_match_the_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'g.db'}")
    tables = set(inspect(engine).get_table_names())
    assert {"documents", "people", "invites", "exchanges", "knowledge_gaps"} <= tables
    assert "alembic_version" in tables
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_migrating_twice_is_harmless(tmp_path: Path) -> None:
    from ingest.db import migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'g.db'}")
    migrate(engine)
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() is not None
