"""Invite codes from the command line, and the terminal chat going through the same
conversation path as Telegram (exchanges and knowledge gaps are recorded)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.access import create_invite, redeem
from bot.settings import Settings
from bot.store import Exchange, Invite, KnowledgeGap, Person, Store
from ingest.db import session_factory
from tests.conftest import Corpus, run_guidebot


def test_invite_create_prints_a_code_bound_to_a_new_store(tmp_path: Path) -> None:
    result = run_guidebot(tmp_path / "home", "invite", "create", "--store", "湖滨店", "--role", "guide",
                          "--region", "华东")
    assert result.returncode == 0, result.stderr
    code = result.stdout.strip()
    assert len(code) == 8 and code.isalnum()
    with session_factory(Settings(home=tmp_path / "home").db_url)() as session:
        invite = session.scalar(select(Invite).where(Invite.code == code))
        assert invite is not None and invite.role == "guide" and invite.max_uses == 1
        store = session.get(Store, invite.store_id)
        assert store is not None and store.name == "湖滨店" and store.region is not None
        assert store.region.name == "华东"


def test_invite_with_unknown_role_is_one_line_error(tmp_path: Path) -> None:
    result = run_guidebot(tmp_path / "home", "invite", "create", "--store", "S", "--role", "boss")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "boss" in result.stderr


@pytest.mark.parametrize(("days", "uses", "problem"), [(-1, 1, "expired"), (7, 1, "used_up")])
def test_expired_and_used_up_codes_are_refused(tmp_path: Path, days: float, uses: int, problem: str) -> None:
    sessions = session_factory(Settings(home=tmp_path).db_url)
    with sessions.begin() as session:
        invite = create_invite(session, store="S", role="guide", max_uses=uses)
        if days < 0:
            invite.expires_at = dt.datetime(2000, 1, 1)
        code = invite.code
    with sessions.begin() as session:
        if problem == "used_up":
            assert redeem(session, code, telegram_id=1, name="a", language="zh").person is not None
        outcome = redeem(session, code, telegram_id=2, name="b", language="zh")
    assert outcome.person is None and outcome.problem == problem


def test_terminal_chat_records_exchanges_and_knowledge_gaps(corpus: Corpus, tmp_path: Path) -> None:
    home = tmp_path / "home"
    run = run_guidebot(home, "ingest", str(corpus.root / "knowledge"), str(corpus.root / "sop"))
    assert run.returncode == 0, run.stderr
    chat = run_guidebot(home, "chat", input="云朵空气净化器多少钱\nWho won the football world cup in 2022?\n")
    assert chat.returncode == 0, chat.stderr
    assert "2999" in chat.stdout
    with session_factory(Settings(home=home).db_url)() as session:
        exchanges = session.scalars(select(Exchange).order_by(Exchange.id)).all()
        assert [e.found for e in exchanges] == [True, False]
        assert all(e.channel == "console" and e.latency_ms >= 0 for e in exchanges)
        person = session.get(Person, exchanges[0].person_id)
        assert person is not None and person.telegram_id is None
        gaps = session.scalars(select(KnowledgeGap)).all()
        assert [g.question for g in gaps] == ["Who won the football world cup in 2022?"]
