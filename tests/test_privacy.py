"""Customers' phone and ID-card numbers that guides type are masked before anything is
stored: questions, knowledge gaps and typed quiz answers keep only 138****5678."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.privacy import mask_personal_data, without_personal_data
from bot.service import Services
from bot.settings import Settings
from bot.store import KnowledgeGap
from tests.conftest import Corpus
from tests.telegram_standin import BotApiStandIn
from tests.test_quiz_telegram import SHORT_QUESTION, bot_running, fill_bank
from tests.test_telegram_bot import running_bot, settings_with


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("顾客电话13812345678", "顾客电话138****5678"),
        ("tel: 138 1234 5678.", "tel: 138****5678."),
        ("138-1234-5678", "138****5678"),
        ("+86 13812345678", "+86 138****5678"),
        ("+8613812345678", "+86138****5678"),
        ("008619912345678", "0086199****5678"),
        ("香港客人 +852 9123 4567", "香港客人 +852 ****4567"),
        ("身份证110101199003071234", "身份证110***********1234"),
        ("ID 11010119900307123X 要开发票", "ID 110***********123X 要开发票"),
        ("老身份证 110101900307123", "老身份证 110********7123"),
        ("两个号码 13812345678、15987654321", "两个号码 138****5678、159****4321"),
    ],
)
def test_phone_and_id_card_numbers_are_masked(typed: str, stored: str) -> None:
    assert mask_personal_data(typed) == stored


@pytest.mark.parametrize(
    "text",
    [
        "云朵空气净化器多少钱，是2999吗",
        "HY-AP300 的滤网多久换",
        "SKU HY13812345678 有货吗",
        "订单号 DD2026112413812345678 怎么退",
        "订单号 2026112413812345 查不到",
        "2026-11-24 的活动",
        "价格 12999.00 元，会员价 11999",
        "会员卡号 8888 6666",
        "营业时间 10:00-22:00，热线 400-820-8820",
        "12345678 是不是香港电话",
        "批次 20261124001 的货",
        "12813812345",
    ],
)
def test_prices_skus_dates_and_order_numbers_stay_as_typed(text: str) -> None:
    assert mask_personal_data(text) == text
    assert without_personal_data(text) == text


def test_the_knowledge_base_is_asked_without_the_numbers() -> None:
    assert without_personal_data("客户13812345678 身份证 11010119900307123X 退货要几天") == "客户 身份证 退货要几天"


@pytest.fixture
def pair(corpus: Corpus, tmp_path: Path, services: Services) -> tuple[Settings, Services]:
    """The shared index, with a database of this test's own."""
    return settings_with(corpus, tmp_path, services)


def _database_bytes(settings: Settings) -> bytes:
    path = Path(settings.db_url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


async def test_a_question_with_a_customer_phone_is_answered_and_stored_masked(
    pair: tuple[Settings, Services],
) -> None:
    settings, services = pair
    async with running_bot(settings, services) as h:
        guide = h.api.user(61, "Guide", language_code="zh-hans")
        await h.register(guide)
        plain = await h.ask(guide, "云朵空气净化器多少钱")
        reply = await h.ask(guide, "云朵空气净化器多少钱 客户13812345678")
        assert "2999" in reply["rendered"] and reply["rendered"] == plain["rendered"]
        await h.ask(guide, "顾客身份证110101199003071234能办分期吗")
        exchanges = h.exchanges()
        with h.conversation.sessions() as session:
            gaps = [g.question for g in session.scalars(select(KnowledgeGap))]
    assert [e.question for e in exchanges] == [
        "云朵空气净化器多少钱", "云朵空气净化器多少钱 客户138****5678", "顾客身份证110***********1234能办分期吗"]
    assert gaps == ["顾客身份证110***********1234能办分期吗"]
    raw = _database_bytes(settings)
    assert b"13812345678" not in raw and b"110101199003071234" not in raw


async def test_a_typed_quiz_answer_with_a_phone_number_is_stored_masked(
    pair: tuple[Settings, Services],
) -> None:
    settings, services = pair
    fill_bank(settings, services, [SHORT_QUESTION])
    async with BotApiStandIn() as api, bot_running(settings, services, api) as h:
        guide = api.user(62, "Guide", language_code="zh-hans")
        await h.register(guide)
        question = (await h.send(guide, "/quiz 自提"))[0]
        assert SHORT_QUESTION.stem in question["rendered"]
        replies = await h.send(guide, "7天，顾客电话 138-1234-5678", replies=2)
        assert replies
        attempts = h.attempts()
    assert [a.answer_text for a in attempts] == ["7天，顾客电话 138****5678"]
    assert b"1234-5678" not in _database_bytes(settings)
