"""Text that looks like HTML or Markdown (in documents, product names, quiz questions,
certification names) reaches the person literally: Telegram never rejects a message
for bad markup and nothing is silently bolded, hidden or cut mid-tag."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.channels.telegram_text import clip_html
from bot.quiz.model import QuizQuestion
from bot.quiz.records import Certificate, QuizSession
from bot.service import Services
from bot.settings import CertificationLevel, Settings
from bot.store import Person
from ingest.embedder import Embedder
from ingest.pipeline import ingest
from tests.telegram_standin import BotApiStandIn, _parse_html
from tests.test_quiz_telegram import bot_running, fill_bank

INVOICE = '发票抬头写 "A&B <Co>"，不要写 <b>加粗</b> 或 <script>alert(1)</script>，*星号* 和 _下划线_ 原样保留。'
PRODUCT = "净化器<Pro> & *Max*"
# a SOP section written with a lot of ampersands (a shortcut table pasted as text):
# escaped for Telegram it is several times longer than the characters a person sees
SHORTCUTS = "快捷键对照（原样照抄）：" + "<&>" * 350


@pytest.fixture(scope="module")
def markup_home(tmp_path_factory: pytest.TempPathFactory, real_embedder: Embedder) -> Path:
    base = tmp_path_factory.mktemp("markup")
    sop = base / "content" / "sop"
    sop.mkdir(parents=True)
    (sop / "invoice.txt").write_text(f"开票规范\n一、发票抬头\n{INVOICE}\n", encoding="utf-8")
    (sop / "shortcuts.txt").write_text(f"收银机快捷键\n一、快捷键\n1. 开机后登录。\n2. {SHORTCUTS}\n",
                                       encoding="utf-8")
    fab = base / "content" / "fab"
    fab.mkdir()
    (fab / "products.csv").write_text(
        f"产品,SKU,价格,特点,优势\n{PRODUCT},HY-<9>,3999,静音 & 除醛 <b>高效</b>,_省电_\n", encoding="utf-8")
    home = base / "home"
    ingest(Settings(home=home), [base / "content"], embedder=real_embedder)
    return home


@pytest.fixture
def markup_pair(markup_home: Path, tmp_path: Path) -> tuple[Settings, Services]:
    levels = [CertificationLevel(name="R&D <初级>", topics=[], questions=1, pass_mark=0.5)]
    settings = Settings(home=markup_home, database_url=f"sqlite:///{tmp_path / 'bot.db'}",
                        certification_levels=levels)
    return settings, Services(settings)


def _clean(api: BotApiStandIn) -> None:
    assert api.failed_calls == [], api.describe()


async def test_a_document_with_markup_characters_is_answered_literally(markup_pair: tuple[Settings, Services]) -> None:
    settings, services = markup_pair
    async with BotApiStandIn() as api, bot_running(settings, services, api) as h:
        guide = api.user(71, "Guide", language_code="zh-hans")
        await h.register(guide)
        reply = (await h.send(guide, "发票抬头怎么写"))[0]
        assert '"A&B <Co>"' in reply["rendered"] and "<b>加粗</b>" in reply["rendered"]
        assert "<script>alert(1)</script>" in reply["rendered"]
        assert "*星号* 和 _下划线_" in reply["rendered"]
        assert not any(e["type"] == "bold" and "加粗" in reply["rendered"][e["offset"]:e["offset"] + e["length"]]
                       for e in reply["message"].get("entities", []))
        source = next(data for label, data in api.buttons(reply) if label == "出处")
        before = len(api.sent(guide))
        api.press(guide, reply, source)
        shown = (await api.wait_sent(guide, before + 1))[-1]
        assert "<script>alert(1)</script>" in shown["rendered"]
        _clean(api)


async def test_a_source_full_of_ampersands_is_sent_whole_or_cut_cleanly(markup_pair: tuple[Settings, Services]) -> None:
    settings, services = markup_pair
    async with BotApiStandIn() as api, bot_running(settings, services, api) as h:
        guide = api.user(72, "Guide", language_code="zh-hans")
        await h.register(guide)
        reply = (await h.send(guide, "收银机快捷键是什么"))[0]
        source = next(data for label, data in api.buttons(reply) if label == "出处")
        before = len(api.sent(guide))
        api.press(guide, reply, source)
        shown: dict[str, Any] = (await api.wait_sent(guide, before + 1))[-1]
        assert "<&>" * 350 in shown["rendered"], "the whole passage fits one message"
        assert shown["rendered"].endswith("sop/shortcuts.txt")
        assert "出错" not in shown["rendered"]
        _clean(api)


async def test_an_sop_step_full_of_ampersands_is_shown_when_walking_to_it(markup_pair: tuple[Settings, Services]) -> None:
    settings, services = markup_pair
    async with BotApiStandIn() as api, bot_running(settings, services, api) as h:
        guide = api.user(76, "Guide", language_code="zh-hans")
        await h.register(guide)
        page = (await h.send(guide, "/sop 收银机快捷键"))[0]
        assert "（1/2）" in page["rendered"] and "开机后登录" in page["rendered"]
        api.press(guide, page, dict(api.buttons(page))["下一步 ▶"])
        await api.wait_for(lambda: api.sent(guide)[-1]["edits"], what="edited to step 2")
        step_two = api.sent(guide)[-1]
        assert "（2/2）" in step_two["rendered"] and "<&>" * 350 in step_two["rendered"]
        _clean(api)


async def test_a_product_name_with_angle_brackets_shows_on_its_card(markup_pair: tuple[Settings, Services]) -> None:
    settings, services = markup_pair
    async with BotApiStandIn() as api, bot_running(settings, services, api) as h:
        guide = api.user(73, "Guide", language_code="zh-hans")
        await h.register(guide)
        card = (await h.send(guide, "/product 净化器"))[0]
        assert card["rendered"].startswith(PRODUCT)
        assert "静音 & 除醛 <b>高效</b>" in card["rendered"]
        _clean(api)


async def test_quiz_questions_and_options_with_markup_are_shown_literally(markup_pair: tuple[Settings, Services]) -> None:
    settings, services = markup_pair
    long_option = "先确认 <x> 标签 & 价签一致，" * 8
    fill_bank(settings, services, [
        QuizQuestion(topic="标签<x>", kind="multiple_choice", stem="价签写 <x> & *促销* 时怎么办？",
                     options=[long_option, "撕掉 <x>", "写成 <b>", "不管 _它_"], answer_index=0,
                     explanation="核对 <x> & 价签。", source_path="sop/<x>.md", origin="imported"),
        QuizQuestion(topic="标签<x>", kind="multiple_choice", stem="<x> & <y> 哪个对？",
                     options=["<x>", "<y>", "&amp;"], answer_index=0, explanation="<x> 对。",
                     source_path="sop/<x>.md", origin="imported"),
    ])
    # The order of new questions is seeded by the day: pin it, and answer both either way.
    fixed = dt.datetime(2026, 3, 2, 9, 0)
    async with BotApiStandIn() as api, bot_running(settings, services, api, clock=lambda: fixed) as h:
        guide = api.user(74, "Guide", language_code="zh-hans")
        await h.register(guide)
        question = (await h.send(guide, "/quiz"))[0]
        seen = [question]
        for _ in range(2):
            if question["method"] == "sendPoll":
                replies = await h.vote(guide, question, right=True)
            else:
                right = next(data for label, data in api.buttons(question)
                             if f"{label}. {long_option[:10]}" in question["rendered"])
                before = len(api.sent(guide))
                api.press(guide, question, right)
                replies = (await api.wait_sent(guide, before + 2))[before:]
            seen += replies
            question = replies[-1]
        text = "\n".join(m.get("rendered") or "" for m in seen)
        polls = [m["message"]["poll"] for m in seen if m["method"] == "sendPoll"]
        assert "价签写 <x> & *促销* 时怎么办？" in text and "撕掉 <x>" in text and "写成 <b>" in text
        assert polls and [o["text"] for o in polls[0]["options"]] == ["<x>", "<y>", "&amp;"]
        assert "核对 <x> & 价签。" in text
        _clean(api)


async def test_progress_shows_a_certificate_whose_name_has_markup(markup_pair: tuple[Settings, Services]) -> None:
    settings, services = markup_pair
    async with BotApiStandIn() as api, bot_running(settings, services, api) as h:
        guide = api.user(75, "Guide", language_code="zh-hans")
        await h.register(guide)
        with h.conversation.sessions.begin() as session:
            person = session.scalar(select(Person).where(Person.telegram_id == 75))
            assert person is not None
            quiz = QuizSession(person_id=person.id, kind="certification", level="R&D <初级>",
                               question_ids="[]", language="zh", status="finished",
                               started_at=dt.datetime(2026, 11, 1))
            session.add(quiz)
            session.flush()
            session.add(Certificate(person_id=person.id, level="R&D <初级>", score=1.0, session_id=quiz.id,
                                    passed_at=dt.datetime(2026, 11, 2)))
        progress = (await h.send(guide, "/progress"))[0]
        assert "R&D <初级>" in progress["rendered"]
        _clean(api)


@settings(max_examples=200, deadline=None, database=None)
@given(title=st.text(max_size=30), body=st.text(alphabet="ab&<>\"'中 \n", max_size=400),
       path=st.text(max_size=20), limit=st.integers(5, 300))
def test_html_cut_to_the_limit_still_parses_and_keeps_its_start(title: str, body: str, path: str, limit: int) -> None:
    message = f"<b>{html.escape(title)}</b>\n{html.escape(body)}\n<i>{html.escape(path)}</i>"
    shown, _ = _parse_html(clip_html(message, limit))  # raises where Telegram would reject it
    whole, _ = _parse_html(message)
    assert len(shown) <= limit
    assert shown == whole or (shown.endswith("…") and whole.startswith(shown[:-1]))
