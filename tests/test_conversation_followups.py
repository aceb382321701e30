"""Follow-ups and small talk in the conversation path Telegram and the terminal chat share:
a real Conversation and Answerer over the shared index, a real SQLite file per test, and
a pinned clock (any date will do: only the gaps between turns matter)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.access import create_invite, redeem
from bot.conversation import Conversation, PersonView
from bot.service import Services
from bot.smalltalk import small_talk, without_small_talk
from bot.store import Exchange, KnowledgeGap
from tests.conftest import Corpus
from tests.test_telegram_bot import settings_with

PRICE = "2999"  # 云朵空气净化器
OTHER_PRICES = ("899", "399")  # 晨光破壁机, 青竹声波电动牙刷
START = dt.datetime(2031, 3, 14, 9, 26)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def conversation(corpus: Corpus, tmp_path: Path, services: Services, clock: Clock) -> Conversation:
    settings, fresh = settings_with(corpus, tmp_path, services)
    return Conversation(settings, fresh, clock=clock)


def guide(conversation: Conversation, telegram_id: int) -> PersonView:
    with conversation.sessions.begin() as session:
        code = create_invite(session, store="湖滨店", role="guide", region="华东").code
        assert redeem(session, code, telegram_id=telegram_id, name=f"导购{telegram_id}", language="zh").person
    view = conversation.person(telegram_id)
    assert view is not None
    return view


def counts(conversation: Conversation) -> tuple[int, int]:
    """(exchanges, knowledge gaps) stored."""
    with conversation.sessions() as session:
        return (session.scalar(select(func.count(Exchange.id))) or 0,
                session.scalar(select(func.count(KnowledgeGap.id))) or 0)


def ask(conversation: Conversation, person: PersonView | None, question: str, channel: str = "telegram") -> str:
    outcome = conversation.ask(person, question, channel=channel, language="zh")
    assert outcome.kind == "answer", outcome
    return outcome.text


def test_a_follow_up_is_answered_about_the_previous_product_and_stored_with_its_subject(
    conversation: Conversation,
) -> None:
    alice = guide(conversation, 1001)
    first = ask(conversation, alice, "云朵空气净化器适合什么人群")
    assert "婴儿" in first and PRICE not in first
    follow_up = ask(conversation, alice, "那它多少钱")
    assert PRICE in follow_up and not any(p in follow_up for p in OTHER_PRICES)
    assert counts(conversation) == (2, 0)
    with conversation.sessions() as session:
        stored = session.scalars(select(Exchange).order_by(Exchange.id)).all()
    assert [e.question for e in stored] == ["云朵空气净化器适合什么人群", "那它多少钱"]
    assert [e.subject for e in stored] == ["云朵空气净化器", "云朵空气净化器"]
    assert stored[1].asked == "云朵空气净化器 那它多少钱" and stored[1].found


def test_the_subject_never_crosses_from_one_person_to_another(conversation: Conversation) -> None:
    alice, bob, carol = guide(conversation, 1101), guide(conversation, 1102), guide(conversation, 1103)
    assert PRICE in ask(conversation, alice, "云朵空气净化器多少钱")
    assert "婴儿" not in ask(conversation, bob, "晨光破壁机适合什么人群")
    bobs = ask(conversation, bob, "那它多少钱")
    assert "899" in bobs and PRICE not in bobs, "Bob's follow-up is about his own product"
    outcome = conversation.ask(carol, "那它多少钱", channel="telegram", language="zh")
    assert outcome.answer is not None and not outcome.answer.found, "Carol asked nothing before"
    assert not any(p in outcome.text for p in (PRICE, *OTHER_PRICES))
    assert counts(conversation) == (4, 1)


def test_a_follow_up_after_the_window_or_on_another_channel_borrows_nothing(
    conversation: Conversation, clock: Clock,
) -> None:
    window = conversation.settings.followup_window_s
    alice = guide(conversation, 1201)
    assert PRICE in ask(conversation, alice, "云朵空气净化器多少钱")
    clock.advance(window - 1)
    assert "HY-AP300" in ask(conversation, alice, "那它的SKU是什么"), "still within the window"
    clock.advance(window + 1)
    late = conversation.ask(alice, "那它多少钱", channel="telegram", language="zh")
    assert late.answer is not None and not late.answer.found and PRICE not in late.text
    assert PRICE in ask(conversation, alice, "云朵空气净化器多少钱")
    elsewhere = conversation.ask(alice, "那它多少钱", channel="console", language="zh")
    assert elsewhere.answer is not None and not elsewhere.answer.found and PRICE not in elsewhere.text
    assert counts(conversation) == (5, 2)


def test_an_anonymous_asker_gets_no_follow_up_context(conversation: Conversation) -> None:
    assert PRICE in ask(conversation, None, "云朵空气净化器多少钱")
    outcome = conversation.ask(None, "那它多少钱", channel="telegram", language="zh")
    assert outcome.answer is not None and not outcome.answer.found and PRICE not in outcome.text
    assert counts(conversation) == (2, 1)


def test_greetings_and_thanks_get_a_short_reply_and_leave_no_record(conversation: Conversation) -> None:
    alice = guide(conversation, 1301)
    hello = conversation.ask(alice, "你好", channel="telegram", language="zh")
    assert hello.kind == "smalltalk" and hello.answer is None and hello.exchange_id is None
    assert hello.text.startswith("你好！") and "/product" in hello.text and "/sop" in hello.text
    assert "/lang" in hello.text and "/help" in hello.text
    thanks = conversation.ask(alice, "thanks!", channel="telegram", language="en")
    assert thanks.kind == "smalltalk" and thanks.text.startswith("You're welcome!") and "/product NAME" in thanks.text
    assert counts(conversation) == (0, 0)
    # a greeting neither becomes the subject of a follow-up nor hides the one before it
    assert PRICE in ask(conversation, alice, "云朵空气净化器多少钱")
    assert conversation.ask(alice, "好的，谢谢", channel="telegram", language="zh").kind == "smalltalk"
    assert "HY-AP300" in ask(conversation, alice, "那它的SKU是什么")
    # a greeting with a question in it is a question
    assert "899" in ask(conversation, alice, "你好，晨光破壁机多少钱")
    assert counts(conversation) == (3, 0)
    with conversation.sessions() as session:
        last = session.scalars(select(Exchange).order_by(Exchange.id.desc())).first()
    assert last is not None and last.question == "你好，晨光破壁机多少钱" and last.asked == "晨光破壁机多少钱"


@pytest.mark.parametrize("message", [
    "你好", "您好！", "在吗？", "在不在", "hi", "Hello, bot!", "hey there", "good morning", "谢谢",
    "謝謝", "谢谢老师", "thanks!", "Thank you so much", "好的", "好的，谢谢", "OK", "收到👍", "嗯嗯",
])
def test_small_talk_is_recognised(message: str) -> None:
    assert small_talk(message) is not None


@pytest.mark.parametrize("message", [
    "你好，退货要几天", "hi, how much is the purifier", "this", "好评怎么要", "早班几点到", "在", "啊", "bot",
    "谢谢卡怎么用", "ok to return after 8 days?", "那它多少钱", "👍", "", "你好" * 250 + "？退货",
])
def test_questions_are_not_small_talk(message: str) -> None:
    assert small_talk(message) is None


def test_hello_and_thanks_are_told_apart() -> None:
    assert [small_talk(m) for m in ("你好", "在吗", "hi", "谢谢", "好的", "thanks", "你好，谢谢")] == \
        ["hello", "hello", "hello", "thanks", "thanks", "thanks", "thanks"]


@pytest.mark.parametrize(("message", "asked"), [
    ("你好，晨光破壁机多少钱", "晨光破壁机多少钱"),
    ("退货要几天？谢谢", "退货要几天？"),
    ("Hi, how much is the Lumora clock? Thank you very much!", "how much is the Lumora clock?"),
    ("好的，那它多少钱", "那它多少钱"),
    ("好评怎么要", "好评怎么要"),
    ("谢谢卡怎么用", "谢谢卡怎么用"),
    ("你好", "你好"),
])
def test_a_question_is_asked_without_the_greeting_around_it(message: str, asked: str) -> None:
    assert without_small_talk(message) == asked


def test_a_greeting_beside_a_customers_number_is_still_small_talk(conversation: Conversation) -> None:
    alice = guide(conversation, 1401)
    outcome = conversation.ask(alice, "你好 13812345678", channel="telegram", language="zh")
    assert outcome.kind == "smalltalk" and "13812345678" not in outcome.text
    assert counts(conversation) == (0, 0)
