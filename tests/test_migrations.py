"""The schema is made by Alembic migrations, and they match the models exactly."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, select, text
from sqlalchemy.orm import Session

import bot.content_jobs  # noqa: F401
import bot.dashboard.accounts  # noqa: F401
import bot.quiz.bank  # noqa: F401
import bot.quiz.records  # noqa: F401
import bot.store  # noqa: F401  (registers the bot tables on the shared metadata)
import ingest.registry  # noqa: F401
from bot.store import Exchange
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


def _migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    from alembic import command
    from alembic.config import Config

    from ingest.db import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


@pytest.fixture(params=["sqlite", "postgresql"])
def bare_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database (no migrations run yet) of each kind guidebot supports."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    from tests.servers import postgres_bin, postgres_server

    if postgres_bin() is None or shutil.which("runuser") is None and os.geteuid() == 0:
        if os.environ.get("CI"):
            pytest.fail("CI must run the PostgreSQL migration test: PostgreSQL is missing (make test installs it)")
        pytest.skip("PostgreSQL server binaries are not installed")
    with postgres_server() as url:
        engine = create_engine(url)
        yield engine
        engine.dispose()


def test_exchanges_stored_before_0006_keep_everything_and_gain_empty_follow_up_fields(bare_database: Engine) -> None:
    _migrate(bare_database, "0005")
    with bare_database.begin() as connection:
        connection.execute(text(
            "INSERT INTO exchanges (channel, question, language, found, answer, sources, latency_ms, created_at)"
            " VALUES ('telegram', '云朵空气净化器多少钱', 'zh', :found, '2999元', '[]', 12, :at)"),
            {"found": True, "at": dt.datetime(2026, 11, 1, 9, 30)})
        connection.execute(text(
            "INSERT INTO knowledge_gaps (exchange_id, question, closest, resolved, created_at)"
            " SELECT id, question, '[]', :no, created_at FROM exchanges"), {"no": False})
    _migrate(bare_database, "head")
    with bare_database.connect() as connection:
        row = connection.execute(text(
            "SELECT channel, question, answer, latency_ms, asked, subject FROM exchanges")).one()
        assert tuple(row) == ("telegram", "云朵空气净化器多少钱", "2999元", 12, None, None)
        assert connection.execute(text("SELECT count(*) FROM knowledge_gaps")).scalar() == 1
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    with Session(bare_database) as session:
        [exchange] = session.scalars(select(Exchange)).all()
        assert exchange.created_at == dt.datetime(2026, 11, 1, 9, 30) and exchange.found
        assert exchange.turn is None, "an old exchange offers no subject to refer back to"
    _migrate(bare_database, "0005", down=True)  # and back, with the knowledge gap still pointing at it
    with bare_database.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM exchanges")).scalar() == 1
        assert connection.execute(text("SELECT count(*) FROM knowledge_gaps")).scalar() == 1


def test_trainers_invited_by_a_store_trainer_are_brought_back_to_their_store_at_0007(bare_database: Engine) -> None:
    _migrate(bare_database, "0006")
    at = dt.datetime(2026, 11, 1, 9, 30)
    with bare_database.begin() as connection:
        run = connection.execute
        run(text("INSERT INTO regions (id, name) VALUES (1, '华东')"))
        run(text("INSERT INTO stores (id, name, region_id) VALUES (1, '湖滨店', 1)"))
        run(text("INSERT INTO dashboard_users (id, name, password_hash, role, active, created_at)"
                 " VALUES (1, 'lake', 'x', 'trainer', :yes, :at), (2, 'boss', 'x', 'admin', :yes, :at)"),
            {"yes": True, "at": at})
        for i, (role, by) in enumerate([("trainer", "dashboard:lake"), ("trainer", "dashboard:boss"),
                                        ("trainer", "command line"), ("guide", "dashboard:lake")], start=1):
            run(text("INSERT INTO people (id, name, role, store_id, active, created_at)"
                     " VALUES (:i, :name, :role, 1, :yes, :at)"), {"i": i, "name": f"p{i}", "role": role,
                                                                   "yes": True, "at": at})
            run(text("INSERT INTO invites (id, code, store_id, role, expires_at, max_uses, uses, revoked,"
                     " created_by, created_at) VALUES (:i, :code, 1, :role, :at, 1, 1, :no, :by, :at)"),
                {"i": i, "code": f"CODE{i}", "role": role, "at": at, "no": False, "by": by})
            run(text("INSERT INTO invite_redemptions (invite_id, person_id, redeemed_at) VALUES (:i, :i, :at)"),
                {"i": i, "at": at})
    _migrate(bare_database, "head")
    with bare_database.connect() as connection:
        reach = dict(connection.execute(text("SELECT name, reach FROM people")).all())
        invites = {row[0] for row in connection.execute(text("SELECT reach FROM invites"))}
    assert reach == {"p1": "store", "p2": "region", "p3": "region", "p4": None}
    assert invites == {"store"}
