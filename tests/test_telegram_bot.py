"""The real bot (python-telegram-bot Application, polling) against the Bot API stand-in:
simulated people send updates, the tests read what the bot sent back and what it stored."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.access import create_invite, deactivate
from bot.channels.telegram_bot import TelegramBot
from bot.conversation import Conversation
from bot.service import Services
from bot.settings import Settings
from bot.store import Exchange, KnowledgeGap, Person
from tests.conftest import Corpus
from tests.telegram_standin import BotApiStandIn, SimUser


@dataclass
class Harness:
    api: BotApiStandIn
    conversation: Conversation

    def invite(self, role: str = "guide", *, uses: int = 1, days: float = 7, store: str = "湖滨店") -> str:
        with self.conversation.sessions.begin() as session:
            return create_invite(session, store=store, role=role, region="华东", days=days, max_uses=uses).code

    async def register(self, user: SimUser) -> None:
        self.api.send_text(user, f"/start {self.invite()}")
        await self.reply(user)

    async def reply(self, user: SimUser, count: int = 1, timeout: float = 10) -> dict[str, Any]:
        """The next message the bot sends to `user` (waits for it)."""
        already = len(self.api.sent(user))
        sent = await self.api.wait_sent(user, already + count, timeout=timeout)
        return sent[-1]

    async def ask(self, user: SimUser, text: str) -> dict[str, Any]:
        before = len(self.api.sent(user))
        self.api.send_text(user, text)
        sent = await self.api.wait_sent(user, before + 1, timeout=10)
        return sent[before]

    def exchanges(self) -> list[Exchange]:
        with self.conversation.sessions() as session:
            return list(session.scalars(select(Exchange).order_by(Exchange.id)))


@contextlib.asynccontextmanager
async def running_bot(settings: Settings, services: Services) -> AsyncIterator[Harness]:
    conversation = Conversation(settings, services)
    async with BotApiStandIn() as api, polling(TelegramBot(settings, conversation), api):
        yield Harness(api, conversation)


@contextlib.asynccontextmanager
async def polling(bot: TelegramBot, api: BotApiStandIn) -> AsyncIterator[None]:
    """The real Application polling the stand-in until the block ends."""
    app = bot.build(api.token, api.url)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0)
        try:
            yield
        finally:
            await app.updater.stop()
            await app.stop()


def settings_with(corpus: Corpus, tmp_path: Path, services: Services, **overrides: Any) -> tuple[Settings, Services]:
    """Settings for one test (own database, some values changed) over the shared index."""
    settings = Settings(home=corpus.home, database_url=f"sqlite:///{tmp_path / 'bot.db'}", **overrides)
    fresh = Services(settings)
    fresh.__dict__["reader"] = services.reader  # share the warm index reader
    return settings, fresh


@pytest.fixture
def bot_pair(corpus: Corpus, tmp_path: Path, services: Services) -> tuple[Settings, Services]:
    return settings_with(corpus, tmp_path, services)


@pytest.fixture
def bot_settings(bot_pair: tuple[Settings, Services]) -> Settings:
    """The shared index, with a database of its own for each test."""
    return bot_pair[0]


@pytest.fixture
def bot_services(bot_pair: tuple[Settings, Services]) -> Services:
    return bot_pair[1]


async def test_valid_invite_registers_and_expired_or_used_codes_are_refused(bot_settings: Settings, bot_services: Services) -> None:
    async with running_bot(bot_settings, bot_services) as h:
        code = h.invite(uses=1)
        expired = h.invite(days=7)
        with h.conversation.sessions.begin() as session:
            from bot.store import Invite

            invite = session.scalar(select(Invite).where(Invite.code == expired))
            assert invite is not None
            invite.expires_at = dt.datetime(2001, 1, 1)
        alice, bob, carol = (h.api.user(i, name, language_code="zh-hans") for i, name in
                             ((11, "Alice"), (12, "Bob"), (13, "Carol")))
        h.api.send_text(alice, f"/start {code}")
        assert "欢迎" in (await h.reply(alice))["rendered"]
        h.api.send_text(bob, f"/start {code}")
        assert "用完" in (await h.reply(bob))["rendered"]
        h.api.send_text(carol, f"/start {expired}")
        assert "过期" in (await h.reply(carol))["rendered"]
        with h.conversation.sessions() as session:
            people = session.scalars(select(Person)).all()
            assert [(p.telegram_id, p.role) for p in people] == [(11, "guide")]


async def test_strangers_and_deactivated_people_get_a_polite_refusal_and_nothing_else(bot_settings: Settings, bot_services: Services) -> None:
    async with running_bot(bot_settings, bot_services) as h:
        stranger = h.api.user(21, "Stranger", language_code="en")
        reply = await h.ask(stranger, "云朵空气净化器多少钱")
        assert "invite code" in reply["rendered"] and "2999" not in reply["rendered"]
        guide = h.api.user(22, "Guide", language_code="zh-hans")
        await h.register(guide)
        with h.conversation.sessions.begin() as session:
            person = session.scalar(select(Person).where(Person.telegram_id == 22))
            assert person is not None
            deactivate(session, person)
        reply = await h.ask(guide, "云朵空气净化器多少钱")
        assert "停用" in reply["rendered"] and "2999" not in reply["rendered"]
        assert h.exchanges() == []


async def test_answer_has_citations_buttons_and_is_stored(bot_settings: Settings, bot_services: Services) -> None:
    async with running_bot(bot_settings, bot_services) as h:
        guide = h.api.user(31, "Guide", language_code="zh-hans")
        await h.register(guide)
        reply = await h.ask(guide, "云朵空气净化器多少钱")
        assert "2999" in reply["rendered"]
        assert reply["parse_mode"] == "HTML"
        assert "[1]" in reply["rendered"] and "来源" in reply["rendered"]
        buttons = [text for text, _ in h.api.buttons(reply)]
        assert buttons[:2] == ["👍", "👎"] and "出处" in buttons
        [exchange] = h.exchanges()
        assert exchange.found and exchange.channel == "telegram" and exchange.store_id is not None
        assert "2999" in exchange.answer and exchange.latency_ms >= 0 and "HY-AP300" in exchange.sources


async def test_feedback_and_source_buttons(bot_settings: Settings, bot_services: Services) -> None:
    async with running_bot(bot_settings, bot_services) as h:
        guide = h.api.user(41, "Guide", language_code="zh-hans")
        await h.register(guide)
        reply = await h.ask(guide, "实付多少钱以上的退货要店长审批")
        data = dict((t, d) for t, d in h.api.buttons(reply))
        h.api.press(guide, reply, str(data["👎"]))
        await h.api.wait_for(lambda: h.exchanges()[0].feedback == "down", what="feedback stored")
        await h.api.wait_for(lambda: all(q["answered"] for q in h.api.callback_queries))
        h.api.press(guide, reply, str(data["出处"]))
        source = await h.reply(guide)
        assert "一千元以上" in source["rendered"] and "returns.md" in source["rendered"]


async def test_question_without_answer_is_recorded_as_a_knowledge_gap(bot_settings: Settings, bot_services: Services) -> None:
    async with running_bot(bot_settings, bot_services) as h:
        guide = h.api.user(51, "Guide", language_code="en")
        await h.register(guide)
        reply = await h.ask(guide, "Who won the football world cup in 2022?")
        assert "content team" in reply["rendered"]
        with h.conversation.sessions() as session:
            [gap] = session.scalars(select(KnowledgeGap)).all()
            assert gap.question == "Who won the football world cup in 2022?"
            assert gap.person_id is not None and gap.store_id is not None and gap.closest.startswith("[")


async def test_product_card_matches_a_fuzzy_name(bot_settings: Settings, bot_services: Services) -> None:
    async with running_bot(bot_settings, bot_services) as h:
        guide = h.api.user(61, "Guide", language_code="zh-hans")
        await h.register(guide)
        card = await h.ask(guide, "/product 云朵净化器")
        for field in ("云朵空气净化器", "HY-AP300", "2999", "优势", "推荐话术", "异议回复"):
            assert field in card["rendered"]
        missing = await h.ask(guide, "/product 不存在的冰箱型号XYZ")
        assert "没有找到" in missing["rendered"]


async def test_sop_walk_through_goes_forward_and_back(bot_settings: Settings, bot_services: Services) -> None:
    async with running_bot(bot_settings, bot_services) as h:
        guide = h.api.user(71, "Guide", language_code="zh-hans")
        await h.register(guide)
        page = await h.ask(guide, "/sop 退换货")
        assert "门店退换货处理流程" in page["rendered"] and "（1/" in page["rendered"]
        next_data = dict(h.api.buttons(page))["下一步 ▶"]
        h.api.press(guide, page, str(next_data))
        await h.api.wait_for(lambda: h.api.sent(guide)[-1]["edits"], what="edited to step 2")
        step_two = h.api.sent(guide)[-1]
        assert "（2/" in step_two["rendered"]
        back = dict(h.api.buttons(step_two))["◀ 上一步"]
        h.api.press(guide, step_two, str(back))
        await h.api.wait_for(lambda: len(h.api.sent(guide)[-1]["edits"]) >= 2, what="back to step 1")
        assert "（1/" in h.api.sent(guide)[-1]["rendered"]


async def test_language_follows_telegram_and_switches_with_lang(bot_settings: Settings, bot_services: Services) -> None:
    async with running_bot(bot_settings, bot_services) as h:
        guide = h.api.user(81, "Guide", language_code="en")
        h.api.send_text(guide, f"/start {h.invite()}")
        assert "Welcome" in (await h.reply(guide))["rendered"]
        assert "中文" in (await h.ask(guide, "/lang zh"))["rendered"]
        assert "直接提问" in (await h.ask(guide, "/start"))["rendered"]


async def test_photos_voice_and_stickers_get_a_short_explanation(bot_settings: Settings, bot_services: Services) -> None:
    async with running_bot(bot_settings, bot_services) as h:
        guide = h.api.user(91, "Guide", language_code="zh-hans")
        await h.register(guide)
        for send in (h.api.send_photo, h.api.send_voice, h.api.send_sticker):
            before = len(h.api.sent(guide))
            send(guide)
            reply = (await h.api.wait_sent(guide, before + 1))[before]
            assert "文字" in reply["rendered"]
        assert h.exchanges() == []


async def test_flooding_and_overlong_messages_get_a_polite_message(corpus: Corpus, tmp_path: Path, services: Services) -> None:
    settings, fresh = settings_with(corpus, tmp_path, services, rate_limit_count=2, rate_limit_window_s=60, max_question_chars=50)
    async with running_bot(settings, fresh) as h:
        guide = h.api.user(101, "Guide", language_code="zh-hans")
        await h.register(guide)
        assert "太长" in (await h.ask(guide, "退货" * 40))["rendered"]
        await h.ask(guide, "云朵空气净化器多少钱")
        await h.ask(guide, "晨光破壁机多少钱")
        assert "稍等" in (await h.ask(guide, "青竹声波电动牙刷多少钱"))["rendered"]
        assert len(h.exchanges()) == 2


async def test_429_timeouts_and_dropped_connections_are_retried_without_loss(bot_settings: Settings, bot_services: Services) -> None:
    async with running_bot(bot_settings, bot_services) as h:
        guide = h.api.user(111, "Guide", language_code="zh-hans")
        await h.register(guide)
        h.api.fail("sendMessage", times=1, status=429, retry_after=1)
        assert "2999" in (await h.ask(guide, "云朵空气净化器多少钱"))["rendered"]
        h.api.drop_connection("sendMessage", times=1)
        assert "899" in (await h.ask(guide, "晨光破壁机多少钱"))["rendered"]
        h.api.fail("sendMessage", times=1, status=502)
        assert "399" in (await h.ask(guide, "青竹声波电动牙刷多少钱"))["rendered"]
        answers = [m for m in h.api.sent(guide) if "来源" in (m["rendered"] or "")]
        assert len(answers) == 3, "each answer arrives exactly once"
        assert len(h.exchanges()) == 3


async def test_a_failing_handler_tells_the_person_and_the_bot_keeps_going(
    bot_settings: Settings, bot_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_bot(bot_settings, bot_services) as h:
        guide = h.api.user(121, "Guide", language_code="zh-hans")
        await h.register(guide)
        original = h.conversation.ask

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("index exploded")

        monkeypatch.setattr(h.conversation, "ask", broken)
        assert "出了点问题" in (await h.ask(guide, "云朵空气净化器多少钱"))["rendered"]
        monkeypatch.setattr(h.conversation, "ask", original)
        assert "2999" in (await h.ask(guide, "云朵空气净化器多少钱"))["rendered"]


async def test_one_slow_answer_does_not_hold_up_others_and_each_person_stays_in_order(
    bot_settings: Settings, bot_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_bot(bot_settings, bot_services) as h:
        slow, quick = h.api.user(131, "Slow", language_code="zh-hans"), h.api.user(132, "Quick", language_code="zh-hans")
        await h.register(slow)
        await h.register(quick)
        original = h.conversation.ask
        slow_started, quick_answered = threading.Event(), threading.Event()

        def ask(person: Any, question: str, **kwargs: Any) -> Any:
            if question == "慢问题":  # answered only once the quick person has had theirs
                slow_started.set()
                assert quick_answered.wait(30), "the quick person waited for the slow one"
            return original(person, question, **kwargs)

        monkeypatch.setattr(h.conversation, "ask", ask)
        h.api.send_text(slow, "慢问题")
        h.api.send_text(slow, "云朵空气净化器多少钱")
        await h.api.wait_for(slow_started.is_set, timeout=10, what="the slow question being worked on")

        def typing_to_slow() -> bool:
            return any(c.params.get("chat_id") == slow.id and c.params.get("action") == "typing"
                       for c in h.api.calls_to("sendChatAction"))

        await h.api.wait_for(typing_to_slow, timeout=10, what="typing… for the slow answer")
        h.api.send_text(quick, "晨光破壁机多少钱")
        quick_reply = await h.reply(quick, timeout=10)
        quick_answered.set()
        assert "899" in quick_reply["rendered"]
        slow_replies = await h.api.wait_sent(slow, 3, timeout=10)
        assert "2999" in slow_replies[2]["rendered"], "the slow person's second answer came second"
        assert len(slow_replies) == 3


async def test_trainers_deactivate_people_of_their_own_store_and_guides_cannot(bot_settings: Settings, bot_services: Services) -> None:
    async with running_bot(bot_settings, bot_services) as h:
        trainer, guide, other_trainer = (h.api.user(i, n, language_code="en") for i, n in
                                         ((141, "Trainer"), (142, "Guide"), (143, "Other")))
        for user, role, store in ((trainer, "trainer", "湖滨店"), (guide, "guide", "湖滨店"),
                                  (other_trainer, "trainer", "成都店")):
            with h.conversation.sessions.begin() as session:
                code = create_invite(session, store=store, role=role,
                                     region="华东" if store == "湖滨店" else "西南").code
            h.api.send_text(user, f"/start {code}")
            await h.reply(user)
        assert "trainers and admins" in (await h.ask(guide, "/deactivate 141"))["rendered"]
        assert "may not" in (await h.ask(other_trainer, "/deactivate 142"))["rendered"]
        assert "Guide has been deactivated" in (await h.ask(trainer, "/deactivate 142"))["rendered"]
        assert "deactivated" in (await h.ask(guide, "what is the return policy"))["rendered"]


async def test_more_button_shows_the_whole_passage_of_a_trimmed_answer(corpus: Corpus, tmp_path: Path, services: Services) -> None:
    settings, fresh = settings_with(corpus, tmp_path, services, answer_max_chars=60)
    async with running_bot(settings, fresh) as h:
        guide = h.api.user(151, "Guide", language_code="zh-hans")
        await h.register(guide)
        reply = await h.ask(guide, "退货操作步骤有哪些")
        buttons = dict(h.api.buttons(reply))
        assert "更多" in buttons, reply["rendered"]
        h.api.press(guide, reply, str(buttons["更多"]))
        whole = await h.reply(guide)
        assert "原路退款" in whole["rendered"] and "售后暂存区" in whole["rendered"]


async def test_a_send_whose_answer_timed_out_is_not_sent_twice(corpus: Corpus, tmp_path: Path, services: Services) -> None:
    """Telegram got the request and delivered it; only its answer was late. A resend
    would show the guide the same answer twice, and no error message follows."""
    settings, fresh = settings_with(corpus, tmp_path, services, telegram_timeout_s=1.0)
    async with running_bot(settings, fresh) as h:
        guide = h.api.user(161, "Guide", language_code="zh-hans")
        await h.register(guide)
        before = len(h.api.sent(guide))
        h.api.delay("sendMessage", 1.5, times=1)
        h.api.send_text(guide, "云朵空气净化器多少钱")
        await h.api.wait_for(lambda: any(not c.delivered and c.finished for c in h.api.calls_to("sendMessage")),
                             timeout=15, what="the late answer to the send")
        h.api.send_text(guide, "晨光破壁机多少钱")  # the next question shows the bot is done with the first
        await h.api.wait_for(lambda: any("899" in (m["rendered"] or "") for m in h.api.sent(guide)),
                             timeout=15, what="the next answer")
        replies = [m["rendered"] or "" for m in h.api.sent(guide)[before:]]
        assert len(replies) == 2, replies
        assert "2999" in replies[0] and "899" in replies[1]
        assert len(h.exchanges()) == 2


async def test_webhook_mode_answers_updates_posted_by_telegram(
    corpus: Corpus, tmp_path: Path, services: Services, unused_tcp_port: int
) -> None:
    import httpx

    from bot.channels.telegram_bot import run_telegram, webhook_path, webhook_secret

    settings, fresh = settings_with(corpus, tmp_path, services, telegram_mode="webhook",
                                    telegram_webhook_url="https://bot.example.com",
                                    telegram_webhook_port=unused_tcp_port)
    conversation = Conversation(settings, fresh)
    with conversation.sessions.begin() as session:
        code = create_invite(session, store="湖滨店", role="guide").code
    async with BotApiStandIn() as api:
        stop = asyncio.Event()
        task = asyncio.create_task(run_telegram(TelegramBot(settings, conversation), api.token, api.url, stop))
        await api.wait_for(lambda: api.webhook, timeout=15, what="setWebhook")
        assert api.webhook["url"] == f"https://bot.example.com/{webhook_path(api.token)}"
        assert api.token not in api.webhook["url"]
        guide = api.user(171, "Guide", language_code="zh-hans")
        local = f"http://127.0.0.1:{unused_tcp_port}/{webhook_path(api.token)}"
        async with httpx.AsyncClient() as client:
            for text in (f"/start {code}", "云朵空气净化器多少钱"):
                update = api.send_text(guide, text).update
                api.discard_pending()  # delivered by POST, not by getUpdates
                posted = await client.post(local, json=update,
                                           headers={"X-Telegram-Bot-Api-Secret-Token": webhook_secret(api.token)})
                assert posted.status_code == 200
                await api.wait_sent(guide, 1 if text.startswith("/start") else 2, timeout=15)
            forged = await client.post(local, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
            assert forged.status_code == 403
        assert "2999" in api.sent(guide)[-1]["rendered"]
        stop.set()
        await asyncio.wait_for(task, timeout=15)


async def test_a_follow_up_is_about_the_same_persons_previous_question(bot_settings: Settings, bot_services: Services) -> None:
    async with running_bot(bot_settings, bot_services) as h:
        alice, bob = h.api.user(181, "Alice", language_code="zh-hans"), h.api.user(182, "Bob", language_code="zh-hans")
        await h.register(alice)
        await h.register(bob)
        assert "婴儿" in (await h.ask(alice, "云朵空气净化器适合什么人群"))["rendered"]
        assert "899" in (await h.ask(bob, "晨光破壁机多少钱"))["rendered"]
        follow_up = await h.ask(alice, "那它多少钱")
        assert "2999" in follow_up["rendered"] and "899" not in follow_up["rendered"]
        assert "👍" in [text for text, _ in h.api.buttons(follow_up)]
        stored = h.exchanges()
        assert [(e.question, e.subject) for e in stored] == [
            ("云朵空气净化器适合什么人群", "云朵空气净化器"), ("晨光破壁机多少钱", "晨光破壁机"),
            ("那它多少钱", "云朵空气净化器")]
        with h.conversation.sessions() as session:
            assert session.scalars(select(KnowledgeGap)).all() == []


async def test_a_greeting_gets_what_the_bot_can_do_and_is_not_a_gap(bot_settings: Settings, bot_services: Services) -> None:
    async with running_bot(bot_settings, bot_services) as h:
        guide = h.api.user(191, "Guide", language_code="zh-hans")
        await h.register(guide)
        before = len(h.api.sent(guide))
        hello = await h.ask(guide, "你好")
        assert hello["rendered"].startswith("你好！") and "/product" in hello["rendered"] and "/sop" in hello["rendered"]
        assert "2999" in (await h.ask(guide, "云朵空气净化器多少钱"))["rendered"]
        assert len(h.api.sent(guide)) == before + 2, "one reply to the greeting, one to the question"
        assert [e.question for e in h.exchanges()] == ["云朵空气净化器多少钱"]
        with h.conversation.sessions() as session:
            assert session.scalars(select(KnowledgeGap)).all() == []
