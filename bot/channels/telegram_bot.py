"""The Telegram bot: python-telegram-bot's Application with one handler per intent.

    /start [CODE]   redeem an invite (or a t.me deep link carrying it)
    text            a question → answer with citations and 👍 👎 / source / more buttons
                    (a follow-up is about the person's previous question; greetings and
                    thanks get what the bot can do: see bot/conversation.py)
    /product NAME   product card;  /sop NAME   step-by-step walk-through (◀ ▶ buttons)
    /lang [zh|en]   switch language;  /help
    /deactivate WHO trainers (own store/region) and admins refuse someone from now on
    anything else   a short note on what the bot can read

Callback data (≤ 64 bytes, no server-side state): fb:<exchange>:<up|down>,
src:<exchange>, more:<exchange>, sop:<doc>:<step>.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.access import redeem
from bot.answer import Answer, citation_label
from bot.catalog import SopWalk, find_product, find_sop, sop_by_key
from bot.channels.telegram_plumbing import (
    PerPersonUpdateProcessor,
    RetryingRateLimiter,
    UnconfirmedSend,
)
from bot.channels.telegram_text import fit_message
from bot.conversation import Conversation, PersonView
from bot.messages import language_from_code, say
from bot.settings import Settings

log = logging.getLogger(__name__)

SOURCE_PREVIEW_CHARS = 1500
TYPING_AFTER_S = 0.3


def _language(person: PersonView | None, update: Update) -> str:
    if person and person.language:
        return person.language
    user = update.effective_user
    return language_from_code(user.language_code if user else None)


def render_answer(answer: Answer, language: str) -> str:
    """Telegram HTML: the answer as lines, citations in italics under it."""
    body = html.escape(answer.body)
    if not answer.found:
        return body
    labels = [f"[{n + 1}] {html.escape(citation_label(p))}" for n, p in enumerate(answer.cited_passages)]
    separator = "；" if language == "zh" else "; "
    return f"{body}\n<i>{say('sources_label', language)}: {separator.join(labels)}</i>"


def answer_keyboard(exchange_id: int, language: str, found: bool, trimmed: bool) -> InlineKeyboardMarkup:
    rows = [[
        InlineKeyboardButton("👍", callback_data=f"fb:{exchange_id}:up"),
        InlineKeyboardButton("👎", callback_data=f"fb:{exchange_id}:down"),
    ]]
    extra = []
    if found:
        extra.append(InlineKeyboardButton(say("source", language), callback_data=f"src:{exchange_id}"))
    if trimmed:
        extra.append(InlineKeyboardButton(say("more", language), callback_data=f"more:{exchange_id}"))
    if extra:
        rows.append(extra)
    return InlineKeyboardMarkup(rows)


class TelegramBot:
    """Handlers bound to one Conversation; the Application is built by `build`."""

    def __init__(self, settings: Settings, conversation: Conversation) -> None:
        from bot.channels.telegram_quiz import TelegramQuiz

        self.settings = settings
        self.conversation = conversation
        self.quiz = TelegramQuiz(self)

    @staticmethod
    def language_of(person: PersonView | None, update: Update) -> str:
        return _language(person, update)

    # -- building -------------------------------------------------------------------
    def build(self, token: str, api_url: str | None = None) -> Application:
        builder = (
            ApplicationBuilder()
            .token(token)
            .rate_limiter(RetryingRateLimiter(max_retries=3))
            .concurrent_updates(PerPersonUpdateProcessor(self.settings.telegram_concurrency))
            .connect_timeout(5)
            .read_timeout(self.settings.telegram_timeout_s)
            .write_timeout(self.settings.telegram_timeout_s)
        )
        if api_url:
            base = api_url.rstrip("/")
            builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
        app = builder.build()
        self.quiz.register(app)
        app.add_handler(CommandHandler("start", self.start))
        app.add_handler(CommandHandler("help", self.help))
        app.add_handler(CommandHandler("lang", self.lang))
        app.add_handler(CommandHandler("product", self.product))
        app.add_handler(CommandHandler("sop", self.sop))
        app.add_handler(CommandHandler("deactivate", self.deactivate))
        app.add_handler(CallbackQueryHandler(self.button))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self.question))
        app.add_handler(MessageHandler(filters.Document.ALL, self.document))
        app.add_handler(MessageHandler(filters.ALL & ~filters.COMMAND, self.not_text))
        app.add_error_handler(self.on_error)
        return app

    # -- access ---------------------------------------------------------------------
    async def _member(self, update: Update) -> PersonView | None:
        """The registered, active person behind an update; strangers and deactivated
        people are told why and get nothing else."""
        user = update.effective_user
        if user is None:
            return None
        person = await asyncio.to_thread(self.conversation.person, user.id)
        if person is not None and person.active:
            return person
        key = "deactivated" if person is not None else "stranger"
        await self._say(update, say(key, _language(person, update)))
        return None

    async def _say(self, update: Update, text: str, **kwargs: Any) -> Message | None:
        chat = update.effective_chat
        if chat is None:
            return None
        return await chat.send_message(fit_message(text, kwargs.get("parse_mode")), **kwargs)

    # -- commands -------------------------------------------------------------------
    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        if user is None:
            return
        person = await asyncio.to_thread(self.conversation.person, user.id)
        language = _language(person, update)
        code = context.args[0] if context.args else ""
        if person is not None and person.active:
            await self._say(update, say("already", language))
            return
        if not code:
            await self._say(update, say("deactivated" if person else "stranger", language))
            return
        name = user.full_name or user.username or str(user.id)
        result = await asyncio.to_thread(self._redeem, code, user.id, name, language)
        if isinstance(result, str):
            await self._say(update, say(f"invite_{result}", language))
            return
        await self._say(update, say(
            "welcome", language, name=result.name, store=result.store_name or "-",
            role=say(f"role_{result.role}", language),
        ))

    def _redeem(self, code: str, telegram_id: int, name: str, language: str) -> PersonView | str:
        with self.conversation.sessions.begin() as session:
            outcome = redeem(session, code, telegram_id=telegram_id, name=name, language=language)
            if outcome.person is None:
                return outcome.problem or "unknown"
            person = outcome.person
            return PersonView.of(person, person.store)

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        person = await self._member(update)
        if person is not None:
            language = _language(person, update)
            text = say("help", language)
            if person.role in ("trainer", "admin"):
                text += "\n\n" + say("help_manager", language)
            await self._say(update, text)

    async def lang(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        person = await self._member(update)
        if person is None:
            return
        wanted = (context.args[0].lower() if context.args else "")[:2]
        if wanted not in ("zh", "en"):
            wanted = "en" if _language(person, update) == "zh" else "zh"
        await asyncio.to_thread(self.conversation.set_language, person.id, wanted)
        await self._say(update, say("language_set", wanted))

    async def _command_argument(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, usage: str
    ) -> tuple[PersonView, str, str] | None:
        """(person, language, argument) of a member's command, or None after telling
        a stranger no, or the member how to use the command."""
        person = await self._member(update)
        if person is None:
            return None
        language = _language(person, update)
        argument = " ".join(context.args or [])
        if not argument:
            await self._say(update, say(usage, language))
            return None
        return person, language, argument

    async def product(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        given = await self._command_argument(update, context, "product_usage")
        if given is None:
            return
        _, language, name = given
        card = await asyncio.to_thread(find_product, self.conversation.services.reader, name)
        if card is None:
            await self._say(update, say("product_none", language, name=name))
            return
        title = f"<b>{html.escape(card.name)}</b>"
        source = html.escape(f"{card.document.title} › {card.chunk.section or card.name}")
        await self._say(update, f"{title}\n{html.escape(card.chunk.text)}\n<i>{source}</i>",
                        parse_mode=ParseMode.HTML)

    async def sop(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        given = await self._command_argument(update, context, "sop_usage")
        if given is None:
            return
        _, language, name = given
        walk = await asyncio.to_thread(find_sop, self.conversation.services.reader, name)
        if walk is None or not walk.steps:
            await self._say(update, say("sop_none", language, name=name))
            return
        text, keyboard = self._sop_page(walk, 0, language)
        await self._say(update, text, parse_mode=ParseMode.HTML, reply_markup=keyboard)

    async def deactivate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        given = await self._command_argument(update, context, "deactivate_usage")
        if given is None:
            return
        person, language, who = given
        if person.role not in ("trainer", "admin"):
            await self._say(update, say("not_allowed", language))
            return
        name = await asyncio.to_thread(self.conversation.deactivate, person.id, who)
        await self._say(update, say("deactivated_done", language, name=name) if name
                        else say("deactivate_refused", language))

    def _sop_page(self, walk: SopWalk, index: int, language: str) -> tuple[str, InlineKeyboardMarkup | None]:
        index = max(0, min(index, len(walk.steps) - 1))
        step = walk.steps[index]
        header = say("sop_step", language, title=walk.title, n=index + 1, total=len(walk.steps))
        section = f"\n<i>{html.escape(step.section)}</i>" if step.section else ""
        text = f"<b>{html.escape(header)}</b>{section}\n{html.escape(step.text)}"
        buttons = []
        if index > 0:
            buttons.append(InlineKeyboardButton(say("back", language), callback_data=f"sop:{walk.key}:{index - 1}"))
        if index < len(walk.steps) - 1:
            buttons.append(InlineKeyboardButton(say("next", language), callback_data=f"sop:{walk.key}:{index + 1}"))
        return text, InlineKeyboardMarkup([buttons]) if buttons else None

    # -- questions ------------------------------------------------------------------
    async def question(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        person = await self._member(update)
        if person is None or message is None or not message.text:
            return
        language = _language(person, update)
        waiting = await asyncio.to_thread(self.quiz.practice.waiting_for_text, person.id)
        if waiting is not None:  # the reply to a short-answer quiz question
            await self.quiz.typed_answer(update, context, person, waiting, message.text)
            return
        work = asyncio.ensure_future(asyncio.to_thread(
            self.conversation.ask, person, message.text, channel="telegram", language=language,
            update_key=f"tg:{update.update_id}",
        ))
        # "typing…" only when the answer is not back at once: a fast answer needs no
        # indicator, and every request counts against Telegram's ~30 per second.
        done, _ = await asyncio.wait({work}, timeout=TYPING_AFTER_S)
        chat = update.effective_chat
        if not done and chat is not None:
            await chat.send_action(ChatAction.TYPING)
        outcome = await work
        if outcome.kind == "duplicate":
            return
        if outcome.answer is None or outcome.exchange_id is None:
            await self._say(update, outcome.text)
            return
        answer = outcome.answer
        await self._say(
            update, render_answer(answer, language), parse_mode=ParseMode.HTML,
            reply_markup=answer_keyboard(outcome.exchange_id, language, answer.found, answer.trimmed),
        )

    async def document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A content owner sends a file: it is stored and acknowledged at once, then
        ingested like a dashboard upload, and the report follows. Everyone else is told
        that only content owners may."""
        from bot.content import UPLOAD_TYPES, UploadError, save_upload
        from bot.content_jobs import ingest_upload_lines

        message = update.effective_message
        person = await self._member(update)
        if person is None or message is None or message.document is None:
            return
        language = _language(person, update)
        if person.role not in ("content_owner", "admin"):
            await self._say(update, say("upload_not_allowed", language))
            return
        document = message.document
        limit = int(self.settings.max_file_mb * 1024 * 1024)
        if document.file_size is not None and document.file_size > limit:
            await self._say(update, say("upload_too_big", language, mb=self.settings.max_file_mb))
            return
        caption = (message.caption or "").strip().lower()
        doc_type = caption if caption in UPLOAD_TYPES else "auto"
        data = bytes(await (await document.get_file()).download_as_bytearray())
        try:
            stored = await asyncio.to_thread(save_upload, self.settings, document.file_name or "upload", data,
                                             doc_type)
        except UploadError as exc:
            await self._say(update, say("upload_refused", language, reason=str(exc)))
            return
        name = stored.name
        if stored.updates:
            await self._say(update, say("upload_updates", language, name=name, place=stored.updates))
        else:
            await self._say(update, say("upload_received", language, name=name))
        try:
            lines = await asyncio.to_thread(ingest_upload_lines, self.settings, stored)
        except Exception as exc:  # the file is kept; the next change ingests it
            log.exception("upload ingest failed")
            await self._say(update, say("upload_ingest_failed", language, name=name, reason=str(exc)[:200]))
            return
        await self._say(update, f"<b>{html.escape(say('upload_done', language, name=name))}</b>\n"
                        f"<pre>{html.escape(chr(10).join(lines))}</pre>", parse_mode=ParseMode.HTML)

    async def not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        person = await self._member(update)
        if person is not None:
            await self._say(update, say("not_text", _language(person, update)))

    # -- buttons --------------------------------------------------------------------
    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or query.data is None:
            return
        person = await self._member(update)
        if person is None:
            await query.answer()
            return
        language = _language(person, update)
        kind, _, rest = query.data.partition(":")
        if kind == "fb":
            exchange, _, value = rest.partition(":")
            ok = value in ("up", "down") and await asyncio.to_thread(
                self.conversation.feedback, int(exchange), person.id, value  # type: ignore[arg-type]
            )
            await query.answer(say("thanks_feedback" if ok else "source_gone", language))
        elif kind in ("src", "more"):
            await query.answer()
            sources = await asyncio.to_thread(self.conversation.exchange_sources, int(rest), person.id)
            if not sources:
                await self._say(update, say("source_gone", language))
                return
            top = sources[0]
            label = " › ".join(str(x) for x in (top["title"], top["section"]) if x)
            text = str(top["text"])[:SOURCE_PREVIEW_CHARS]
            await self._say(update, f"<b>{html.escape(label)}</b>\n{html.escape(text)}\n<i>{html.escape(str(top['path']))}</i>",
                            parse_mode=ParseMode.HTML)
        elif kind == "sop":
            key, _, step = rest.partition(":")
            walk = await asyncio.to_thread(sop_by_key, self.conversation.services.reader, key)
            await query.answer()
            if walk is None or not walk.steps or not step.isdigit():
                await self._say(update, say("source_gone", language))
                return
            text, keyboard = self._sop_page(walk, int(step), language)
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
        else:
            await query.answer()

    # -- failures -------------------------------------------------------------------
    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A failing handler never stops the bot; the person hears that it failed."""
        error = context.error
        if isinstance(error, UnconfirmedSend):  # the reply most likely arrived: say nothing more
            log.warning("a reply's delivery is unconfirmed: %s", error)
            return
        log.error("handler failed: %s: %s", error.__class__.__name__, error, exc_info=error)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                person = await asyncio.to_thread(self.conversation.person, update.effective_chat.id)
            except Exception:  # the database itself may be what failed
                person = None
            try:
                await update.effective_chat.send_message(say("error", _language(person, update)))
            except Exception as exc:  # telling them failed too: nothing more to do
                log.error("could not report the failure: %s", exc.__class__.__name__)


def webhook_path(token: str) -> str:
    """A path Telegram knows and scanners cannot guess, without the token in it."""
    return "telegram-" + hashlib.sha256(f"path:{token}".encode()).hexdigest()[:24]


def webhook_secret(token: str) -> str:
    return hashlib.sha256(f"secret:{token}".encode()).hexdigest()[:48]


async def run_telegram(
    bot: TelegramBot, token: str, api_url: str | None, stop: asyncio.Event,
) -> None:
    """Run polling (or the webhook) inside an existing event loop until `stop` is set,
    so the bot can share the process with the dashboard."""
    app = bot.build(token, api_url)
    async with app:
        await app.start()
        assert app.updater is not None
        if bot.settings.telegram_mode == "webhook" and bot.settings.telegram_webhook_url:
            # Behind a TLS-terminating proxy: Telegram posts to webhook_url, the proxy
            # forwards to 127.0.0.1; the secret header proves a post came from Telegram.
            await app.updater.start_webhook(
                listen=bot.settings.telegram_webhook_listen, port=bot.settings.telegram_webhook_port,
                url_path=webhook_path(token),
                webhook_url=f"{bot.settings.telegram_webhook_url.rstrip('/')}/{webhook_path(token)}",
                secret_token=webhook_secret(token), allowed_updates=Update.ALL_TYPES,
            )
        else:
            await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
        await stop.wait()
        await app.updater.stop()
        await app.stop()
