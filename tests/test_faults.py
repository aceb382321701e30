"""Faults: ingest killed at random moments, the Chroma server going away and coming
back, the database locked under the bot, and the bot restarted mid SOP walk-through."""

from __future__ import annotations

import logging
import random
import signal
import sqlite3
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.service import Services
from bot.settings import Settings
from bot.store import Exchange
from ingest.db import session_factory
from ingest.embedder import Embedder
from ingest.pipeline import ingest
from tests.builders import RETURNS_SOP_MD, build_corpus
from tests.conftest import REPO, guidebot_command, run_guidebot
from tests.servers import chroma_server, free_port
from tests.telegram_standin import BotApiStandIn
from tests.test_quiz_telegram import bot_running


def _services(settings: Settings, embedder: Embedder) -> Services:
    services = Services(settings)
    services.__dict__["embedder"] = embedder
    return services


@pytest.mark.parametrize("seed", [3, 17, 29])
def test_ingest_killed_at_a_random_moment_leaves_the_old_index_answering(
        seed: int, tmp_path: Path, real_embedder: Embedder) -> None:
    home = tmp_path / "home"
    content = build_corpus(tmp_path / "content")
    ingest(Settings(home=home), [content / "knowledge", content / "sop"], embedder=real_embedder)
    (content / "sop" / "returns.md").write_text(RETURNS_SOP_MD.replace("七天内", "十五天内"), encoding="utf-8")
    (content / "sop" / "new_rule.md").write_text("# 雨伞借用规则\n\n1. 雨伞借用押金50元。\n", encoding="utf-8")
    delay = random.Random(seed).uniform(0.3, 6.0)
    process = subprocess.Popen([*guidebot_command(), "--home", str(home), "ingest", str(content / "knowledge"),
                                str(content / "sop")], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    answer = _services(Settings(home=home), real_embedder).answerer.answer("退货要几天")
    assert answer.found and ("七天" in answer.text or "十五天" in answer.text), \
        f"killed after {delay:.1f} s: an index (old or new) still answers"
    finished = run_guidebot(home, "ingest", str(content / "knowledge"), str(content / "sop"), timeout=300)
    assert finished.returncode == 0 and "Traceback" not in finished.stderr, finished.stderr
    fresh = _services(Settings(home=home), real_embedder).answerer.answer("退货要几天")
    assert "十五天" in fresh.text and "七天内" not in fresh.text
    assert "50元" in _services(Settings(home=home), real_embedder).answerer.answer("借雨伞要押金吗").text


def test_answers_fall_back_to_the_lexical_index_while_the_chroma_server_is_away(
        tmp_path: Path, real_embedder: Embedder, caplog: pytest.LogCaptureFixture) -> None:
    port = free_port()
    content = build_corpus(tmp_path / "content")
    with chroma_server(tmp_path, port) as (host, _):
        settings = Settings(home=tmp_path / "home", chroma_mode="http", chroma_host=host, chroma_port=port,
                            vector_retry_s=0.5)  # away for longer than it is waited for
        ingest(settings, [content / "knowledge", content / "sop"], embedder=real_embedder)
        services = _services(settings, real_embedder)
        before = services.answerer.answer("退货要几天")
        assert before.found and "dense" in before.passages[0].ranks
    caplog.set_level(logging.WARNING)
    during = services.answerer.answer("退货要几天")
    assert during.found and during.passages[0].document.path == "returns.md", "the lexical index answers alone"
    assert during.passages[0].lexical_only and "dense" not in during.passages[0].ranks
    assert "vector store unavailable" in caplog.text
    assert not services.answerer.answer("门店WiFi密码是多少").found, "and still declines what it cannot answer"
    with chroma_server(tmp_path, port):
        after = services.answerer.answer("退货要几天")
        assert after.found and "dense" in after.passages[0].ranks, "vectors are used again once it is back"
    assert "vector store is back" in caplog.text


async def test_a_locked_database_gets_a_please_retry_and_nothing_acknowledged_is_lost(
        tmp_path: Path, services: Services) -> None:
    database = tmp_path / "bot.db"
    # no waiting beyond SQLite's own busy timeout: the lock here outlasts any wait
    settings = Settings(home=services.settings.home, database_url=f"sqlite:///{database}", database_retry_s=0)
    fresh = Services(settings)
    fresh.__dict__["reader"] = services.reader
    async with BotApiStandIn() as api, bot_running(settings, fresh, api) as h:
        guide = api.user(71, "Guide", language_code="zh-hans")
        await h.register(guide)
        first = await h.send(guide, "云朵空气净化器多少钱")
        assert "2999" in first[0]["rendered"]
        blocker = sqlite3.connect(database, timeout=1)
        blocker.execute("BEGIN EXCLUSIVE")  # another program holds the database
        try:
            before = len(api.sent(guide))
            api.send_text(guide, "晨光破壁机多少钱")
            # the bot waits out SQLite's 30 s busy timeout, then asks them to retry
            during = (await api.wait_sent(guide, before + 1, timeout=60))[-1]
            assert "稍后再试" in during["rendered"] and "899" not in during["rendered"]
        finally:
            blocker.rollback()
            blocker.close()
        after = await h.send(guide, "晨光破壁机多少钱")
        assert "899" in after[0]["rendered"]
    with session_factory(settings.db_url)() as db:
        stored = [e.question for e in db.scalars(select(Exchange).order_by(Exchange.id))]
    assert stored == ["云朵空气净化器多少钱", "晨光破壁机多少钱"], "every answer sent was stored once"


async def test_an_sop_walk_through_continues_after_a_restart(tmp_path: Path, services: Services) -> None:
    settings = Settings(home=services.settings.home, database_url=f"sqlite:///{tmp_path / 'bot.db'}")
    fresh = Services(settings)
    fresh.__dict__["reader"] = services.reader
    async with BotApiStandIn() as api:
        guide = api.user(72, "Guide", language_code="zh-hans")
        async with bot_running(settings, fresh, api) as h:
            await h.register(guide)
            page = (await h.send(guide, "/sop 退换货"))[0]
            assert "（1/" in page["rendered"]
        async with bot_running(settings, fresh, api):
            next_data = dict(api.buttons(page))["下一步 ▶"]
            api.press(guide, page, next_data)
            await api.wait_for(lambda: api.sent(guide)[-1]["edits"] or None, timeout=10)
            edited = api.sent(guide)[-1]
            assert "（2/" in edited["rendered"], "the restarted bot takes the step from the button itself"


def test_postgresql_restarting_is_waited_for_and_loses_nothing(services: Services) -> None:
    """PostgreSQL stopped under the bot and started again: a question asked meanwhile
    is answered and stored once the database is back (database_retry_s); one asked
    while it stays away longer than that fails (the channel then asks the person to
    retry); nothing stored before is lost, and no restart of the bot is needed."""
    from sqlalchemy.exc import OperationalError

    from bot.access import create_invite, redeem
    from bot.conversation import Conversation
    from bot.quiz.bank import add_imported
    from bot.quiz.model import QuizQuestion
    from bot.quiz.practice import Practice
    from bot.quiz.records import Attempt
    from tests.servers import PostgresServer, postgres_bin

    if postgres_bin() is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    server = PostgresServer()
    try:
        server.start()
        settings = Settings(home=services.settings.home, database_url=server.url)
        with session_factory(settings.db_url).begin() as db:
            code = create_invite(db, store="湖滨店", role="guide").code
            redeem(db, code, telegram_id=81, name="王芳", language="zh")
        fresh = Services(settings)
        fresh.__dict__["reader"] = services.reader
        conversation = Conversation(settings, fresh)
        person = conversation.person(81)
        assert person is not None
        assert conversation.ask(person, "退货要几天", channel="telegram", language="zh").exchange_id
        server.stop()
        impatient = Conversation(settings.model_copy(update={"database_retry_s": 0.5}), fresh)
        with pytest.raises(OperationalError):
            impatient.ask(person, "门店几点开门", channel="telegram", language="zh")
        with ThreadPoolExecutor(max_workers=1) as pool:
            asked = pool.submit(conversation.ask, person, "退款多久到账", channel="telegram", language="zh",
                                update_key="tg:82")
            assert not asked.done()
            server.start()
            outcome = asked.result(timeout=120)
        assert outcome.kind == "answer" and outcome.exchange_id
        with session_factory(settings.db_url)() as db:
            stored = [e.question for e in db.scalars(select(Exchange).order_by(Exchange.id))]
        assert stored == ["退货要几天", "退款多久到账"]
        # a quiz answer given while the database restarts is waited for and counted once
        with session_factory(settings.db_url).begin() as db:
            add_imported(db, [QuizQuestion(topic="退货", kind="multiple_choice", stem=f"退货第{n}问？",
                                           options=["7天", "3天", "30天"], answer_index=0, origin="imported")
                              for n in range(2)])
        practice = Practice(settings, session_factory(settings.db_url))
        delivery = practice.start(person.id).delivery
        assert delivery is not None and delivery.correct_index is not None
        server.stop()
        with ThreadPoolExecutor(max_workers=1) as pool:
            answered = pool.submit(practice.answer, person.id, attempt_id=delivery.attempt_id,
                                   choice=delivery.correct_index)
            assert not answered.done()
            server.start()
            feedback = answered.result(timeout=120)
        assert feedback.status == "ok" and feedback.correct
        with session_factory(settings.db_url)() as db:
            assert len(db.scalars(select(Attempt).where(Attempt.answered_at.is_not(None))).all()) == 1
    finally:
        server.remove()


async def test_strangers_deactivated_people_and_guides_cannot_use_trainer_or_content_commands(
        tmp_path: Path, services: Services) -> None:
    from bot.access import deactivate
    from bot.store import Person

    settings = Settings(home=services.settings.home, database_url=f"sqlite:///{tmp_path / 'bot.db'}")
    fresh = Services(settings)
    fresh.__dict__["reader"] = services.reader
    async with BotApiStandIn() as api, bot_running(settings, fresh, api) as h:
        stranger = api.user(91, "Stranger", language_code="zh-hans")
        guide = api.user(92, "Guide", language_code="zh-hans")
        gone = api.user(93, "Gone", language_code="zh-hans")
        await h.register(guide)
        await h.register(gone)
        with session_factory(settings.db_url).begin() as db:
            person = db.scalar(select(Person).where(Person.telegram_id == 93))
            assert person is not None
            deactivate(db, person)
        commands = ["/report", "/assign store 湖滨店 2099-01-01", "/deactivate Guide", "/quiz", "/progress"]
        for user, refusal in ((stranger, "邀请码"), (gone, "停用")):
            for command in commands:
                reply = (await h.send(user, command))[0]["rendered"]
                assert refusal in reply, (user.id, command, reply)
            before = len(api.sent(user))
            api.send_document(user, "x.md", b"# x\n\n1. y\n")
            assert refusal in (await api.wait_sent(user, before + 1))[-1]["rendered"]
        for command in commands[:3]:
            assert "只对培训师" in (await h.send(guide, command))[0]["rendered"], command
        before = len(api.sent(guide))
        api.send_document(guide, "x.md", b"# x\n\n1. y\n")
        assert "只有内容负责人" in (await api.wait_sent(guide, before + 1))[-1]["rendered"]
    with session_factory(settings.db_url)() as db:
        assert db.scalar(select(Person).where(Person.telegram_id == 92)).active  # type: ignore[union-attr]
        assert db.scalar(select(Exchange)) is None, "nothing reached the knowledge base"


def test_a_chroma_server_restart_is_waited_for_without_degrading(tmp_path: Path, real_embedder: Embedder) -> None:
    """A restart shorter than vector_retry_s: the question asked meanwhile waits for the
    server and is answered with its vectors, not from the lexical index alone."""
    port = free_port()
    content = build_corpus(tmp_path / "content")
    with chroma_server(tmp_path, port) as (host, _):
        settings = Settings(home=tmp_path / "home", chroma_mode="http", chroma_host=host, chroma_port=port,
                            vector_retry_s=60)
        ingest(settings, [content / "knowledge", content / "sop"], embedder=real_embedder)
        services = _services(settings, real_embedder)
        assert "dense" in services.answerer.answer("退货要几天").passages[0].ranks
    with ThreadPoolExecutor(max_workers=1) as pool:
        during = pool.submit(services.answerer.answer, "退货要几天")
        with chroma_server(tmp_path, port):
            answer = during.result(timeout=120)
    assert answer.found and "dense" in answer.passages[0].ranks and not answer.passages[0].lexical_only
    assert not services.reader.degraded
