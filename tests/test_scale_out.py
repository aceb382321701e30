"""The same integration tests in both modes: embedded (SQLite + embedded Chroma) and
scale-out (a real PostgreSQL + a real Chroma server, selected by config alone)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.access import create_invite, redeem
from bot.conversation import Conversation
from bot.dashboard.accounts import create_user
from bot.dashboard.app import create_app
from bot.quiz.bank import add_imported
from bot.quiz.plans import Plans
from bot.quiz.practice import Practice
from bot.service import Services
from bot.settings import Settings
from bot.store import Exchange, KnowledgeGap
from ingest.db import session_factory
from ingest.embedder import Embedder
from ingest.pipeline import ingest
from tests.builders import RETURNS_SOP_MD, build_corpus
from tests.dashboard_site import PASSWORD
from tests.servers import chroma_server, postgres_bin, postgres_server
from tests.test_dashboard_http import sign_in
from tests.test_quiz_telegram import RETURNS


@dataclass
class Backend:
    mode: str
    settings: Settings
    content: Path
    services: Services


def _services(settings: Settings, embedder: Embedder) -> Services:
    services = Services(settings)
    services.__dict__["embedder"] = embedder
    return services


@pytest.fixture(scope="module", params=["embedded", "server"])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
            real_embedder: Embedder) -> Iterator[Backend]:
    mode = request.param
    base = tmp_path_factory.mktemp(f"scale-{mode}")
    with contextlib.ExitStack() as stack:
        if mode == "embedded":
            settings = Settings(home=base / "home")
        else:
            if postgres_bin() is None or shutil.which("runuser") is None and os.geteuid() == 0:
                if os.environ.get("CI"):
                    pytest.fail("CI must run the scale-out tests: PostgreSQL is missing (make test installs it)")
                pytest.skip("PostgreSQL server binaries are not installed")
            url = stack.enter_context(postgres_server())
            host, port = stack.enter_context(chroma_server(base))
            settings = Settings(home=base / "home", database_url=url, chroma_mode="http",
                                chroma_host=host, chroma_port=port, dashboard_secret="scale-secret-" + "s" * 20)
        content = build_corpus(base / "content")
        report = ingest(settings, [content / "knowledge", content / "sop"], embedder=real_embedder)
        assert report.counts()["failed"] == 0, report.render()
        yield Backend(mode, settings, content, _services(settings, real_embedder))


def test_answers_and_incremental_ingest(backend: Backend, real_embedder: Embedder) -> None:
    answer = backend.services.answerer.answer("退货要几天")
    assert answer.found and "七天" in answer.text
    if backend.mode == "server":
        assert backend.settings.db_url.startswith("postgresql")
    sop = backend.content / "sop" / "returns.md"
    sop.write_text(RETURNS_SOP_MD.replace("七天内", "十五天内"), encoding="utf-8")
    try:
        report = ingest(backend.settings, [backend.content / "knowledge", backend.content / "sop"],
                        embedder=real_embedder)
        assert report.counts()["updated"] == 1 and report.counts()["unchanged"] >= 10
        fresh = _services(backend.settings, real_embedder).answerer.answer("退货要几天")
        assert fresh.found and "十五天" in fresh.text and "七天内" not in fresh.text
    finally:
        sop.write_text(RETURNS_SOP_MD, encoding="utf-8")
        ingest(backend.settings, [backend.content / "knowledge", backend.content / "sop"], embedder=real_embedder)


def test_two_bot_processes_share_conversations_quizzes_and_reminders(backend: Backend) -> None:
    sessions = session_factory(backend.settings.db_url)
    with sessions.begin() as db:
        add_imported(db, RETURNS)
        code = create_invite(db, store=f"{backend.mode}店", role="guide", region="华东").code
        person = redeem(db, code, telegram_id=hash(backend.mode) % 10**9, name="王芳", language="zh").person
        assert person is not None
        db.flush()
        person_id, telegram_id = person.id, person.telegram_id
    # two processes behind a load balancer: nothing shared but the database and index
    first, second = (Conversation(backend.settings, backend.services) for _ in range(2))
    view = first.person(telegram_id)
    assert view is not None
    first.ask(view, "退货要几天", channel="telegram", language="zh", update_key=f"{backend.mode}:1")
    duplicate = second.ask(view, "退货要几天", channel="telegram", language="zh", update_key=f"{backend.mode}:1")
    assert duplicate.kind == "duplicate", "the same update handled by the other process is not answered twice"
    second.ask(view, "门店WiFi密码是多少", channel="telegram", language="zh", update_key=f"{backend.mode}:2")
    with sessions() as db:
        assert len(db.scalars(select(Exchange).where(Exchange.person_id == person_id)).all()) == 2
        assert db.scalar(select(KnowledgeGap).where(KnowledgeGap.person_id == person_id)) is not None
    a, b = (Practice(backend.settings, session_factory(backend.settings.db_url)) for _ in range(2))
    delivery = a.start(person_id, topic="退换货").delivery
    answered = 0
    while delivery is not None:
        assert delivery.correct_index is not None
        feedback = (a if answered % 2 else b).answer(person_id, attempt_id=delivery.attempt_id,
                                                      choice=delivery.correct_index)
        assert feedback.status == "ok"
        answered += 1
        delivery = feedback.next
    assert answered == 5 and feedback.summary is not None and feedback.summary.correct == 5
    Plans(backend.settings, sessions).set_reminder(person_id, "09:00")
    now = dt.datetime(2026, 11, 24, 2, 0)
    notices = [n for plans in (Plans(backend.settings, sessions), Plans(backend.settings, sessions))
               for n in plans.due_notices(now) if n.person_id == person_id]
    assert len(notices) == 1


def test_dashboard_runs_on_the_backend(backend: Backend) -> None:
    with session_factory(backend.settings.db_url).begin() as db:
        create_user(db, f"admin-{backend.mode}", "admin", PASSWORD)
    settings = backend.settings.model_copy(update={"dashboard_secret": None})
    with TestClient(create_app(settings, backend.services), base_url="http://127.0.0.1") as client:
        sign_in(client, f"admin-{backend.mode}")
        assert client.get("/overview").status_code == 200
        documents = client.get("/documents").text
        assert "returns.md" in documents


def test_the_rate_limit_holds_across_bot_processes(backend: Backend) -> None:
    settings = backend.settings.model_copy(update={"rate_limit_count": 2, "rate_limit_window_s": 60})
    with session_factory(settings.db_url).begin() as db:
        code = create_invite(db, store=f"{backend.mode}限流店", role="guide").code
        redeem(db, code, telegram_id=4242 + len(backend.mode), name="快手", language="zh")
    first, second = (Conversation(settings, backend.services) for _ in range(2))
    view = first.person(4242 + len(backend.mode))
    assert view is not None
    assert first.ask(view, "退货要几天", channel="telegram", language="zh").kind == "answer"
    assert second.ask(view, "退款多久到账", channel="telegram", language="zh").kind == "answer"
    limited = first.ask(view, "会员积分怎么算", channel="telegram", language="zh")
    assert limited.kind == "rate_limited" and "稍等" in limited.text
