"""Quizzes in Telegram: sessions as quiz polls or button questions, reminders, progress,
assignments, certification and the trainer's report.

    /quiz [TOPIC]   start (or resume) a short session;  /stop ends it
    /cert [LEVEL]   certification levels, or take one
    /remind HH:MM   daily reminder (/remind off);  /progress   own progress
    /assign KIND NAME DUE [TOPIC]   trainers: an assignment for a store, region or person
    /report         trainers: completion and scores for their own stores

Callback data: qa:<attempt>:<option> (a button answer), go: (start practice from a
reminder), asg:<assignment> (start an assignment). Poll answers find their attempt by
poll id in the database, so answers to polls sent before a restart still count.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import logging
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Poll, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    PollAnswerHandler,
)

from bot.channels.telegram_text import fit_message
from bot.conversation import PersonView
from bot.messages import say
from bot.quiz.plans import Notice, Plans, parse_time_of_day
from bot.quiz.practice import Delivery, Feedback, Practice, Start, Summary
from bot.quiz.progress import Progress, StoreReport, progress, report

if TYPE_CHECKING:
    from bot.channels.telegram_bot import TelegramBot

log = logging.getLogger(__name__)

OPTION_LETTERS = "ABCDEFGHIJKL"
REPORT_DAYS = 30
ASSIGN_KINDS = {"store": "store", "门店": "store", "region": "region", "区域": "region",
                "person": "person", "人员": "person"}


def _percent(value: float) -> str:
    return f"{round(value * 100)}"


def _source(topic: str, path: str | None) -> str:
    return f"{topic} · {path}" if path and path not in topic else topic


class TelegramQuiz:
    """The quiz handlers, sharing access checks and sending with the TelegramBot."""

    def __init__(self, bot: TelegramBot) -> None:
        self.bot = bot
        conversation = bot.conversation
        self.practice = Practice(bot.settings, conversation.sessions)
        self.plans = Plans(bot.settings, conversation.sessions)
        self.sweeps_done = 0  # finished sweeps: a sign of life, and what tests wait for

    def register(self, app: Application) -> None:
        app.add_handler(CommandHandler("quiz", self.quiz))
        app.add_handler(CommandHandler("stop", self.stop))
        app.add_handler(CommandHandler("cert", self.cert))
        app.add_handler(CommandHandler("remind", self.remind))
        app.add_handler(CommandHandler("progress", self.show_progress))
        app.add_handler(CommandHandler("assign", self.assign))
        app.add_handler(CommandHandler("report", self.show_report))
        app.add_handler(PollAnswerHandler(self.poll_answer))
        app.add_handler(CallbackQueryHandler(self.button, pattern=r"^(qa|go|asg):"))
        if app.job_queue is not None:
            app.job_queue.run_repeating(self.sweep, interval=self.bot.settings.quiz_sweep_interval_s,
                                        first=0.5, name="quiz-sweep")

    # -- sending -------------------------------------------------------------------------
    async def _send(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str, **kwargs: Any) -> Message:
        return await context.bot.send_message(chat_id, fit_message(text, kwargs.get("parse_mode")), **kwargs)

    async def send_question(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int,
                            delivery: Delivery, language: str) -> None:
        header = say("quiz_header", language, n=delivery.position + 1, total=delivery.total,
                     topic=delivery.topic)
        if delivery.fits_poll:
            numbered = f"({delivery.position + 1}/{delivery.total}) {delivery.stem}"
            message = await context.bot.send_poll(
                chat_id, numbered if len(numbered) <= 300 else delivery.stem, delivery.options,
                type=Poll.QUIZ, is_anonymous=False,
                correct_option_ids=[delivery.correct_index] if delivery.correct_index is not None else None,  # type: ignore[list-item]
                explanation=delivery.poll_explanation,
            )
            poll_id = message.poll.id if message.poll else None
            await asyncio.to_thread(self.practice.sent, delivery.attempt_id,
                                    message_id=message.message_id, poll_id=poll_id)
            return
        text = f"<b>{html.escape(header)}</b>\n{html.escape(delivery.stem)}"
        markup = None
        if delivery.options:
            lines = [f"{OPTION_LETTERS[i]}. {html.escape(o)}" for i, o in enumerate(delivery.options)]
            text += "\n\n" + "\n".join(lines)
            buttons = [InlineKeyboardButton(OPTION_LETTERS[i], callback_data=f"qa:{delivery.attempt_id}:{i}")
                       for i in range(len(delivery.options))]
            markup = InlineKeyboardMarkup([buttons[i:i + 4] for i in range(0, len(buttons), 4)])
        else:
            text += f"\n<i>{html.escape(say('quiz_type_answer', language))}</i>"
        message = await self._send(context, chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)
        await asyncio.to_thread(self.practice.sent, delivery.attempt_id, message_id=message.message_id)

    async def _begin(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, started: Start,
                     language: str, topic: str | None = None) -> None:
        if started.delivery is None:
            key = {"unknown_assignment": "assignment_unknown"}.get(started.problem or "", "")
            if key:
                await self._send(context, chat_id, say(key, language))
            elif topic:
                await self._send(context, chat_id, say("quiz_none_topic", language, topic=topic))
            else:
                await self._send(context, chat_id, say("quiz_none", language))
            return
        if started.resumed:
            await self._send(context, chat_id, say("quiz_resumed", language))
        if started.level is not None:
            level = started.level
            await self._send(context, chat_id, say(
                "cert_start", language, level=level.name, questions=started.delivery.total,
                mark=_percent(level.pass_mark)))
        await self.send_question(context, chat_id, started.delivery, language)

    async def after_answer(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int,
                           feedback: Feedback, language: str) -> None:
        """Right or wrong, the explanation and the source; then the next question or the
        session's score."""
        if feedback.status == "duplicate":
            return
        if feedback.status != "ok":
            await self._send(context, chat_id, say("quiz_closed", language))
            return
        lines = [say("quiz_right", language) if feedback.correct
                 else say("quiz_wrong", language, answer=feedback.correct_text or "")]
        if feedback.explanation:
            lines.append(feedback.explanation)
        lines.append(say("quiz_source", language, source=_source(feedback.topic, feedback.source_path)))
        await self._send(context, chat_id, "\n".join(lines))
        if feedback.next is not None:
            await self.send_question(context, chat_id, feedback.next, language)
        elif feedback.summary is not None:
            await self._send(context, chat_id, self._summary_text(feedback.summary, language))

    @staticmethod
    def _summary_text(summary: Summary, language: str) -> str:
        lines = [say("quiz_done", language, correct=summary.correct, total=summary.total)]
        if summary.review_topics:
            separator = "、" if language == "zh" else "; "
            lines.append(say("quiz_review", language, topics=separator.join(summary.review_topics[:5])))
        else:
            lines.append(say("quiz_all_right", language))
        if summary.level is not None:
            key = "cert_passed" if summary.passed else "cert_failed"
            lines.append(say(key, language, level=summary.level.name, score=_percent(summary.score),
                             mark=_percent(summary.level.pass_mark)))
        if summary.assignment_title:
            lines.append(say("assignment_done", language, title=summary.assignment_title))
        return "\n".join(lines)

    # -- commands ------------------------------------------------------------------------
    async def _who(self, update: Update) -> tuple[PersonView, str, int] | None:
        person = await self.bot._member(update)
        chat = update.effective_chat
        if person is None or chat is None:
            return None
        return person, self.bot.language_of(person, update), chat.id

    async def _manager(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[PersonView, str, int] | None:
        """Like _who, for trainer and admin commands; anyone else is told no."""
        who = await self._who(update)
        if who is not None and who[0].role not in ("trainer", "admin"):
            await self._send(context, who[2], say("not_allowed", who[1]))
            return None
        return who

    async def quiz(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        who = await self._who(update)
        if who is None:
            return
        person, language, chat_id = who
        topic = " ".join(context.args or []) or None
        started = await asyncio.to_thread(self.practice.start, person.id, topic=topic, language=language)
        await self._begin(context, chat_id, started, language, topic)

    async def stop(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        who = await self._who(update)
        if who is None:
            return
        person, language, chat_id = who
        stopped = await asyncio.to_thread(self.practice.stop, person.id)
        await self._send(context, chat_id, say("quiz_stopped" if stopped else "quiz_nothing_open", language))

    async def cert(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        who = await self._who(update)
        if who is None:
            return
        person, language, chat_id = who
        name = " ".join(context.args or [])
        if not name:
            held = {c.level: c for c in (await asyncio.to_thread(
                progress, self.plans, person.id, self.practice.clock())).certificates}
            lines = [say("cert_level_line", language, level=level.name, questions=level.questions,
                         mark=_percent(level.pass_mark),
                         held=say("cert_held", language, date=held[level.name].passed_on)
                         if level.name in held else "")
                     for level in self.bot.settings.certification_levels]
            await self._send(context, chat_id, say("cert_levels", language, levels="\n".join(lines)))
            return
        if self.practice.level(name) is None:
            await self._send(context, chat_id, say("cert_unknown", language, level=name))
            return
        started = await asyncio.to_thread(self.practice.start, person.id, level=name, language=language)
        await self._begin(context, chat_id, started, language)

    async def remind(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        who = await self._who(update)
        if who is None:
            return
        person, language, chat_id = who
        wanted = " ".join(context.args or []).strip()
        if wanted.lower() in ("off", "关", "关闭", "取消", "stop"):
            await asyncio.to_thread(self.plans.set_reminder, person.id, None)
            await self._send(context, chat_id, say("remind_off", language))
            return
        at = parse_time_of_day(wanted) if wanted else None
        if at is None:
            current = await asyncio.to_thread(self.plans.reminder_of, person.id)
            note = say("remind_current", language, at=current) if current else say("remind_none", language)
            await self._send(context, chat_id, say("remind_usage", language, current=note))
            return
        await asyncio.to_thread(self.plans.set_reminder, person.id, at)
        await self._send(context, chat_id, say("remind_set", language, at=at))

    async def show_progress(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        who = await self._who(update)
        if who is None:
            return
        person, language, chat_id = who
        mine = await asyncio.to_thread(progress, self.plans, person.id, self.practice.clock())
        await self._send(context, chat_id, self._progress_text(mine, language), parse_mode=ParseMode.HTML)

    @staticmethod
    def _progress_text(mine: Progress, language: str) -> str:
        lines = [f"<b>{say('progress_title', language)}</b>"]
        if not mine.answered and not mine.assignments and not mine.certificates:
            lines.append(say("progress_none", language))
        else:
            accuracy = f"{_percent(mine.correct / mine.answered)}%" if mine.answered else "-"
            lines.append(say("progress_summary", language, answered=mine.answered, accuracy=accuracy,
                             streak=mine.streak_days, due=mine.due))
        if mine.topics:
            lines.append(say("progress_topics", language))
            for topic in mine.topics[:8]:
                bar = "▓" * round(topic.mastery * 5) + "░" * (5 - round(topic.mastery * 5))
                lines.append(f"{bar} {_percent(topic.mastery)}% {html.escape(topic.topic)} "
                             f"({topic.seen}/{topic.total})")
        if mine.assignments:
            lines.append(say("progress_assignments", language))
            for a in mine.assignments:
                state = (say("progress_done", language, score=_percent(a.score or 0)) if a.completed
                         else say("progress_open", language))
                lines.append(html.escape(say("progress_assignment", language, title=a.title,
                                             due=a.due_on.isoformat(), state=state)))
        if mine.certificates:
            lines.append(say("progress_certificates", language))
            lines.extend(html.escape(say("progress_certificate", language, level=c.level,
                                         date=c.passed_on.isoformat(), score=_percent(c.score)))
                         for c in mine.certificates)
        if mine.reminder:
            lines.append(say("remind_current", language, at=mine.reminder))
        return "\n".join(lines)

    async def assign(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        who = await self._manager(update, context)
        if who is None:
            return
        person, language, chat_id = who
        args = list(context.args or [])
        kind = ASSIGN_KINDS.get(args[0].lower()) if args else None
        due = None
        if len(args) >= 3:
            try:
                due = dt.date.fromisoformat(args[2])
            except ValueError:
                due = None
        if kind is None or due is None:
            await self._send(context, chat_id, say("assign_usage", language))
            return
        topic = " ".join(args[3:]) or None
        made = await asyncio.to_thread(self.plans.assign, by=person.id, target_kind=kind,
                                       target=args[1], topic=topic, due_on=due,
                                       question_count=self.bot.settings.quiz_session_size)
        if isinstance(made, str):
            await self._send(context, chat_id, say(f"assign_{made}", language))
            return
        people = await asyncio.to_thread(self.plans.assignee_count, made.id)
        await self._send(context, chat_id, say("assign_done", language, title=made.title, target=args[1],
                                               people=people, due=due.isoformat()))

    async def show_report(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        who = await self._manager(update, context)
        if who is None:
            return
        person, language, chat_id = who
        since = self.practice.clock() - dt.timedelta(days=REPORT_DAYS)
        rows = await asyncio.to_thread(report, self.plans, person.id, since)
        await self._send(context, chat_id, self._report_text(rows or [], language))

    @staticmethod
    def _report_text(rows: list[StoreReport], language: str) -> str:
        if not rows:
            return say("report_empty", language)
        lines = [say("report_title", language, days=REPORT_DAYS)]
        for row in rows:
            accuracy = f"{_percent(row.accuracy)}%" if row.accuracy is not None else "-"
            store = f"{row.region} / {row.store}" if row.region else row.store
            lines.append(say("report_row", language, store=store, practising=row.practising,
                             people=row.people, answered=row.answered, accuracy=accuracy,
                             done=row.assignments_done, given=row.assignments_given))
        return "\n".join(lines)

    # -- answers -------------------------------------------------------------------------
    async def poll_answer(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        answer = update.poll_answer
        if answer is None or answer.user is None or not answer.option_ids:
            return
        person = await asyncio.to_thread(self.bot.conversation.person, answer.user.id)
        if person is None or not person.active:
            return
        language = self.bot.language_of(person, update)
        feedback = await asyncio.to_thread(self.practice.answer, person.id, poll_id=answer.poll_id,
                                           choice=answer.option_ids[0])
        await self.after_answer(context, answer.user.id, feedback, language)

    async def typed_answer(self, update: Update, context: ContextTypes.DEFAULT_TYPE,
                           person: PersonView, attempt_id: int, text: str) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        feedback = await asyncio.to_thread(self.practice.answer, person.id, attempt_id=attempt_id, text=text)
        await self.after_answer(context, chat.id, feedback, self.bot.language_of(person, update))

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        who = await self._who(update)
        if query is None or query.data is None:
            return
        await query.answer()
        if who is None:
            return
        person, language, chat_id = who
        kind, _, rest = query.data.partition(":")
        if kind == "qa":
            attempt, _, option = rest.partition(":")
            if not (attempt.isdigit() and option.isdigit()):
                return
            feedback = await asyncio.to_thread(self.practice.answer, person.id, attempt_id=int(attempt),
                                               choice=int(option))
            if feedback.status == "ok":
                try:  # the question stays readable; its buttons go
                    await query.edit_message_reply_markup(None)
                except TelegramError as exc:
                    log.info("could not remove the answer buttons: %s", exc)
            await self.after_answer(context, chat_id, feedback, language)
        elif kind == "go":
            started = await asyncio.to_thread(self.practice.start, person.id, language=language)
            await self._begin(context, chat_id, started, language)
        elif kind == "asg" and rest.isdigit():
            started = await asyncio.to_thread(self.practice.start, person.id, assignment_id=int(rest),
                                              language=language)
            await self._begin(context, chat_id, started, language)

    # -- reminders -----------------------------------------------------------------------
    async def sweep(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Send what is due: daily reminders and assignment notices (claimed in the
        database, so each goes out once whichever process finds it)."""
        notices = await asyncio.to_thread(self.plans.due_notices, self.practice.clock())
        for notice in notices:
            try:
                await self._notify(context, notice)
            except TelegramError as exc:
                log.warning("reminder to person %s failed: %s", notice.person_id, exc.__class__.__name__)
        self.sweeps_done += 1

    async def _notify(self, context: ContextTypes.DEFAULT_TYPE, notice: Notice) -> None:
        language = notice.language
        if notice.kind == "daily":
            button = InlineKeyboardButton(say("quiz_start_button", language), callback_data="go:")
            await self._send(context, notice.telegram_id, say("reminder_daily", language, due=notice.due_count),
                             reply_markup=InlineKeyboardMarkup([[button]]))
            return
        assignment = notice.assignment
        assert assignment is not None
        button = InlineKeyboardButton(say("assignment_start", language), callback_data=f"asg:{assignment.id}")
        await self._send(context, notice.telegram_id, say(
            "assignment_notice", language, title=assignment.title, count=assignment.question_count,
            due=assignment.due_on.isoformat()), reply_markup=InlineKeyboardMarkup([[button]]))
