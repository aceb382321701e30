"""Whole quiz sessions through the Bot API stand-in with the real python-telegram-bot
Application: quiz polls and button questions, right and wrong answers, explanations,
the session's end, reminders, assignments, certification and restarts."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.access import create_invite
from bot.channels.telegram_bot import TelegramBot
from bot.conversation import Conversation
from bot.quiz.bank import add_imported, sync_generated
from bot.quiz.generate import generate_questions
from bot.quiz.model import QuizQuestion
from bot.quiz.records import Attempt, CardState, Certificate, QuizSession
from bot.service import Services
from bot.settings import CertificationLevel, Settings
from bot.store import Person
from tests.conftest import Corpus
from tests.telegram_standin import BotApiStandIn, SimUser
from tests.test_telegram_bot import polling, settings_with

LONG_OPTION = "先核对订单号、姓名和手机号后四位，再检查商品外观与配件是否齐全，" * 4
LONG_QUESTION = QuizQuestion(
    topic="自提流程", kind="multiple_choice",
    stem="顾客到店自提时，第一步应该做什么？",
    options=[LONG_OPTION, "直接把商品交给顾客", "先请顾客付款", "让顾客自己去货架拿"],
    answer_index=0, explanation="先核对身份与订单，再交付。", source_path="sop/pickup.md", origin="imported",
)
SHORT_QUESTION = QuizQuestion(
    topic="自提流程", kind="short_answer", stem="自提订单最多保留几天？（填数字）",
    answers=["7", "7天"], explanation="自提订单保留7天。", source_path="sop/pickup.md", origin="imported",
)


def _mc(topic: str, n: int) -> QuizQuestion:
    return QuizQuestion(
        topic=topic, kind="multiple_choice", stem=f"{topic}：第{n}题，正确的做法是？",
        options=[f"正确做法{n}", f"错误做法{n}A", f"错误做法{n}B", f"错误做法{n}C"], answer_index=0,
        explanation=f"第{n}题的解释。", source_path="sop/returns.md", origin="imported",
    )


RETURNS = [_mc("退换货流程", n) for n in range(1, 7)]


@dataclass
class Harness:
    api: BotApiStandIn
    bot: TelegramBot

    @property
    def conversation(self) -> Conversation:
        return self.bot.conversation

    def invite(self, role: str = "guide", store: str = "湖滨店", region: str = "华东") -> str:
        with self.conversation.sessions.begin() as session:
            return create_invite(session, store=store, role=role, region=region, days=7, max_uses=5).code

    async def register(self, user: SimUser, role: str = "guide", store: str = "湖滨店", region: str = "华东") -> None:
        self.api.send_text(user, f"/start {self.invite(role, store, region)}")
        await self.next(user)

    async def next(self, user: SimUser, timeout: float = 10) -> dict[str, Any]:
        """The next message (or poll) the bot sends `user`."""
        already = len(self.api.sent(user))
        return (await self.api.wait_sent(user, already + 1, timeout=timeout))[-1]

    async def send(self, user: SimUser, text: str, replies: int = 1) -> list[dict[str, Any]]:
        before = len(self.api.sent(user))
        self.api.send_text(user, text)
        return (await self.api.wait_sent(user, before + replies, timeout=10))[before:]

    async def vote(self, user: SimUser, poll_message: dict[str, Any], right: bool, replies: int = 2) -> list[dict[str, Any]]:
        poll = poll_message["message"]["poll"]
        correct = poll["correct_option_ids"][0]
        choice = correct if right else (correct + 1) % len(poll["options"])
        before = len(self.api.sent(user))
        self.api.answer_poll(user, poll["id"], [choice])
        return (await self.api.wait_sent(user, before + replies, timeout=10))[before:]

    async def sweeps(self, count: int) -> None:
        """Until `count` more reminder sweeps have finished: what they send is sent."""
        target = self.bot.quiz.sweeps_done + count
        await self.api.wait_for(lambda: self.bot.quiz.sweeps_done >= target, timeout=30, what=f"{count} sweeps")

    def attempts(self) -> list[Attempt]:
        with self.conversation.sessions() as session:
            return list(session.scalars(select(Attempt).order_by(Attempt.id)))


def fill_bank(settings: Settings, services: Services, questions: list[QuizQuestion] | None = None) -> None:
    from ingest.db import session_factory

    with session_factory(settings.db_url).begin() as session:
        if questions is None:
            sync_generated(session, generate_questions(services.reader))
        else:
            add_imported(session, questions)


@contextlib.asynccontextmanager
async def bot_running(settings: Settings, services: Services, api: BotApiStandIn,
                      clock: Callable[[], dt.datetime] | None = None) -> AsyncIterator[Harness]:
    bot = TelegramBot(settings, Conversation(settings, services))
    if clock is not None:
        bot.quiz.practice.clock = clock
    async with polling(bot, api):
        yield Harness(api, bot)


@pytest.fixture
def quiz_pair(corpus: Corpus, tmp_path: Path, services: Services) -> tuple[Settings, Services]:
    levels = [CertificationLevel(name="初级", topics=["退换货"], questions=3, pass_mark=0.6),
              CertificationLevel(name="高级", topics=[], questions=4, pass_mark=1.0)]
    return settings_with(corpus, tmp_path, services, quiz_sweep_interval_s=0.2, certification_levels=levels)


async def test_generated_quiz_goes_out_as_polls_with_feedback_and_a_final_score(quiz_pair: tuple[Settings, Services]) -> None:
    settings, services = quiz_pair
    fill_bank(settings, services)
    async with BotApiStandIn() as api, bot_running(settings, services, api) as h:
        guide = api.user(41, "Guide", language_code="zh-hans")
        await h.register(guide)
        poll = (await h.send(guide, "/quiz"))[0]
        outcomes = [True, False, True, True, True]
        for n, right in enumerate(outcomes):
            assert poll["method"] == "sendPoll"
            sent = poll["message"]["poll"]
            assert sent["type"] == "quiz" and not sent["is_anonymous"]
            assert sent["question"].startswith(f"({n + 1}/5)")
            feedback, after = await h.vote(guide, poll, right)
            if right:
                assert "答对了" in feedback["rendered"]
            else:
                answer = sent["options"][sent["correct_option_ids"][0]]["text"]
                assert "答错了" in feedback["rendered"] and answer in feedback["rendered"]
            assert "出处" in feedback["rendered"]
            poll = after
        assert "得分 4/5" in poll["rendered"] and "建议复习" in poll["rendered"]
        attempts = h.attempts()
        assert [a.correct for a in attempts] == outcomes
        assert all(a.time_ms is not None and a.poll_id and a.store_id for a in attempts)
        with h.conversation.sessions() as session:
            cards = {c.question_id: c for c in session.scalars(select(CardState))}
            status = session.scalar(select(QuizSession.status))
        assert status == "finished"
        missed = cards[attempts[1].question_id]
        known = cards[attempts[0].question_id]
        assert missed.lapses == 1 and known.lapses == 0
        assert missed.due < known.due, "a missed question comes back sooner"
        assert missed.due - attempts[1].answered_at <= dt.timedelta(days=1)


async def test_long_options_become_buttons_and_short_answers_are_typed(quiz_pair: tuple[Settings, Services]) -> None:
    settings, services = quiz_pair
    fill_bank(settings, services, [LONG_QUESTION, SHORT_QUESTION])
    async with BotApiStandIn() as api, bot_running(settings, services, api) as h:
        guide = api.user(42, "Guide", language_code="en")
        await h.register(guide)
        first = (await h.send(guide, "/quiz 自提"))[0]
        if first["method"] == "sendMessage" and not h.api.buttons(first):  # short answer first
            replies = await h.send(guide, "7天", replies=2)
            assert "Right" in replies[0]["rendered"]
            first = replies[1]
        assert first["method"] == "sendMessage", "an option over 100 characters cannot be a poll"
        buttons = h.api.buttons(first)
        assert [b[0] for b in buttons] == ["A", "B", "C", "D"]
        assert LONG_OPTION[:20] in first["rendered"]
        shown = first["rendered"]
        wrong = next(data for label, data in buttons if f"{label}. 直接把商品交给顾客" in shown)
        before = len(api.sent(guide))
        api.press(guide, first, wrong)
        sent = await api.wait_sent(guide, before + 2)
        assert "Not quite" in sent[before]["rendered"] and "先核对身份" in sent[before]["rendered"]
        assert h.api.buttons(api.sent(guide)[before - 1]) == [], "the answered question loses its buttons"
        if len([a for a in h.attempts() if a.answered_at]) < 2:
            assert "Reply with your answer" in sent[before + 1]["rendered"]
            done = await h.send(guide, "８", replies=2)
            assert "Not quite" in done[0]["rendered"] and "7" in done[0]["rendered"]
            assert "Quiz finished" in done[1]["rendered"]
        else:
            assert "Quiz finished" in sent[before + 1]["rendered"]
        # pressing the old button again changes nothing
        before = len(api.sent(guide))
        api.press(guide, first, wrong, strict=False)
        await api.wait_for(lambda: api.callback_queries and api.callback_queries[-1]["answer"] is not None)
        assert len(api.sent(guide)) == before
        assert [a.answered_at is not None for a in h.attempts()] == [True, True]


async def test_a_restart_mid_session_keeps_the_session_and_stale_polls_are_handled(quiz_pair: tuple[Settings, Services]) -> None:
    settings, services = quiz_pair
    fill_bank(settings, services, RETURNS)
    async with BotApiStandIn() as api:
        guide = api.user(43, "Guide", language_code="zh-hans")
        async with bot_running(settings, services, api) as h:
            await h.register(guide)
            first = (await h.send(guide, "/quiz 退换货"))[0]
            second = (await h.vote(guide, first, right=True))[1]
        # the bot restarts; the poll sent before it still counts
        async with bot_running(settings, services, api) as h:
            feedback, third = await h.vote(guide, second, right=True)
            assert "答对了" in feedback["rendered"] and third["message"]["poll"]["question"].startswith("(3/5)")
            resumed = await h.send(guide, "/quiz", replies=2)
            assert "继续上次的练习" in resumed[0]["rendered"]
            assert resumed[1]["message"]["poll"]["question"].startswith("(3/5)")
            stopped = await h.send(guide, "/stop")
            assert "已结束" in stopped[0]["rendered"]
            late = await h.vote(guide, resumed[1], right=True, replies=1)
            assert "已经结束" in late[0]["rendered"], "an answer to a finished session is turned away politely"
        with h.conversation.sessions() as session:
            assert session.scalar(select(QuizSession.status)) == "abandoned"
        assert sum(a.answered_at is not None for a in h.attempts()) == 2


async def test_daily_reminder_fires_once_and_is_restored_after_a_restart(quiz_pair: tuple[Settings, Services]) -> None:
    settings, services = quiz_pair
    fill_bank(settings, services, RETURNS)
    now = [dt.datetime(2026, 11, 24, 1, 30)]  # 09:30 in Shanghai
    async with BotApiStandIn() as api:
        guide = api.user(44, "Guide", language_code="zh-hans")
        async with bot_running(settings, services, api, clock=lambda: now[0]) as h:
            await h.register(guide)
            assert "10:00" in (await h.send(guide, "/remind 10:00"))[0]["rendered"]
            assert "10:00" in (await h.send(guide, "/remind"))[0]["rendered"]
            before = len(api.sent(guide))
            await h.sweeps(3)
            assert len(api.sent(guide)) == before, "not yet 10:00"
        now[0] = dt.datetime(2026, 11, 24, 2, 1)  # 10:01: the restarted bot finds it due
        async with bot_running(settings, services, api, clock=lambda: now[0]) as h:
            reminder = await h.next(guide)
            assert "该练习啦" in reminder["rendered"]
            (label, data), = api.buttons(reminder)
            before = len(api.sent(guide))
            api.press(guide, reminder, data)
            poll = (await api.wait_sent(guide, before + 1))[-1]
            assert poll["method"] == "sendPoll"
            await h.sweeps(3)  # the reminder is not sent again today
            assert sum("该练习啦" in m["rendered"] for m in api.sent(guide)) == 1
        async with bot_running(settings, services, api, clock=lambda: now[0]) as h:
            off = (await h.send(guide, "/remind off"))[0]
        assert "关闭" in off["rendered"]


async def test_assignment_is_announced_completed_and_reported_to_its_trainer_only(quiz_pair: tuple[Settings, Services]) -> None:
    settings, services = quiz_pair
    fill_bank(settings, services, RETURNS)
    async with BotApiStandIn() as api, bot_running(settings, services, api) as h:
        trainer = api.user(50, "Trainer", language_code="zh-hans")
        outsider = api.user(51, "Other trainer", language_code="zh-hans")
        guide = api.user(52, "Guide", language_code="zh-hans")
        await h.register(trainer, "trainer")
        await h.register(outsider, "trainer", store="深圳店", region="华南")
        await h.register(guide)
        refused = await h.send(outsider, "/assign store 湖滨店 2099-12-31 退换货")
        assert "只能给自己负责" in refused[0]["rendered"]
        made = await h.send(trainer, "/assign store 湖滨店 2099-12-31 退换货")
        assert "已布置" in made[0]["rendered"] and "2 人" in made[0]["rendered"]
        notice = await h.next(guide)
        assert "培训任务" in notice["rendered"] and "2099-12-31" in notice["rendered"]
        (_, data), = api.buttons(notice)
        before = len(api.sent(guide))
        api.press(guide, notice, data)
        poll = (await api.wait_sent(guide, before + 1))[-1]
        for _ in range(5):
            poll = (await h.vote(guide, poll, right=True))[1]
        assert "得分 5/5" in poll["rendered"] and "已完成" in poll["rendered"]
        with h.conversation.sessions() as session:
            assert {a.assignment_id for a in session.scalars(select(Attempt))} == {1}
        report = (await h.send(trainer, "/report"))[0]["rendered"]
        assert "湖滨店" in report and "任务完成 1/2" in report and "深圳店" not in report
        other = (await h.send(outsider, "/report"))[0]["rendered"]
        assert "湖滨店" not in other
        progress = (await h.send(guide, "/progress"))[0]["rendered"]
        assert "已完成 100%" in progress and "退换货流程" in progress
        guide_report = (await h.send(guide, "/report"))[0]["rendered"]
        assert "培训师" in guide_report


async def test_passing_a_certification_records_a_certificate(quiz_pair: tuple[Settings, Services]) -> None:
    settings, services = quiz_pair
    fill_bank(settings, services, RETURNS)
    async with BotApiStandIn() as api, bot_running(settings, services, api) as h:
        guide = api.user(53, "Guide", language_code="en")
        await h.register(guide)
        levels = (await h.send(guide, "/cert"))[0]["rendered"]
        assert "初级" in levels and "3 questions" in levels
        started = await h.send(guide, "/cert 初级", replies=2)
        assert "pass mark 60%" in started[0]["rendered"]
        poll = started[1]
        for right in (True, False, True):
            poll = (await h.vote(guide, poll, right))[1]
        assert "passed the 初级" in poll["rendered"]
        failed = await h.send(guide, "/cert 高级", replies=2)
        poll = failed[1]
        for right in (True, True, True, False):
            poll = (await h.vote(guide, poll, right))[1]
        assert "Not passed" in poll["rendered"]
        with h.conversation.sessions() as session:
            person = session.scalar(select(Person).where(Person.telegram_id == 53))
            assert person is not None
            certificates = list(session.scalars(select(Certificate)))
            assert [(c.level, round(c.score, 2), c.person_id) for c in certificates] == [("初级", 0.67, person.id)]
        progress = (await h.send(guide, "/progress"))[0]["rendered"]
        assert "初级" in progress and "1-day streak" in progress
        assert "passed" in (await h.send(guide, "/cert"))[0]["rendered"]
