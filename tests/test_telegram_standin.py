"""The Bot API stand-in, driven by a real python-telegram-bot Application (polling)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator

import httpx
import pytest

telegram = pytest.importorskip("telegram")

from telegram import (  # noqa: E402
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode  # noqa: E402
from telegram.error import (  # noqa: E402
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (  # noqa: E402
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    PollAnswerHandler,
    filters,
)

from tests.telegram_standin import (  # noqa: E402
    DEFAULT_TOKEN,
    BotApiStandIn,
    SimUser,
    StandInError,
)

logging.getLogger("httpx").setLevel(logging.WARNING)


@contextlib.asynccontextmanager
async def running(
    api: BotApiStandIn, *handlers, allowed_updates=None, read_timeout: float | None = None
) -> AsyncIterator[Application]:
    """A real PTB Application polling the stand-in, as the bot's `serve` runs it."""
    builder = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
    )
    if read_timeout is not None:
        builder = builder.read_timeout(read_timeout)
    app = builder.build()
    app.bot_data["errors"] = []

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        context.bot_data["errors"].append(context.error)

    app.add_error_handler(on_error)
    for handler in handlers:
        app.add_handler(handler)
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, allowed_updates=allowed_updates)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(f"echo: {update.message.text}", do_quote=True)


def direct_bot(api: BotApiStandIn, token: str | None = None) -> Bot:
    return Bot(token or api.token, base_url=api.base_url, base_file_url=api.base_file_url)


async def started_user(api: BotApiStandIn, bot: Bot, **kwargs) -> SimUser:
    """A user who has written to the bot (so the bot may write to them)."""
    user = api.user(**kwargs)
    api.send_text(user, "hi")
    await bot.get_updates()  # fetch, then confirm so polling tests start clean
    await bot.get_updates(offset=api.updates[-1]["update_id"] + 1)
    return user


# ----------------------------------------------------------------------------- polling


async def test_startup_echo_and_shutdown_confirms_offsets():
    async with BotApiStandIn() as api:
        alice = api.user(id=1001, first_name="Alice", language_code="en")
        async with running(api, MessageHandler(filters.TEXT & ~filters.COMMAND, echo)) as app:
            await api.send_text(alice, "hello")
            await api.send_text(alice, "你好，店员")
            sent = await api.wait_sent(alice, 2)
            assert [m["text"] for m in sent] == ["echo: hello", "echo: 你好，店员"]
            assert [m["message_id"] for m in sent] == [3, 4]  # one id sequence per chat
            await api.wait_until_idle()
            assert app.bot_data["errors"] == []
        # getMe, then deleteWebhook, then long polling; a last getUpdates confirms offsets
        assert api.methods[:3] == ["getMe", "deleteWebhook", "getUpdates"]
        polls = api.calls_to("getUpdates")
        assert polls[1].params["timeout"] == 10 and isinstance(polls[1].params["offset"], int)
        assert polls[-1].params["timeout"] == 0
        assert polls[-1].params["offset"] == api.updates[-1]["update_id"] + 1
        assert api.pending_updates == []
        # the transcript keeps the decoded parameters the bot sent
        assert sent[0]["params"]["chat_id"] == 1001
        assert sent[0]["params"]["reply_parameters"]["message_id"] == 1
        assert sent[0]["message"]["reply_to_message"]["text"] == "hello"


async def test_restart_does_not_redeliver_confirmed_updates():
    async with BotApiStandIn() as api:
        bob = api.user(first_name="Bob")
        handler = MessageHandler(filters.TEXT, echo)
        async with running(api, handler):
            await api.send_text(bob, "one")
            await api.wait_sent(bob, 1)
        async with running(api, handler):
            await api.send_text(bob, "two")
            await api.wait_sent(bob, 2)
            await api.wait_until_idle()
        assert [m["text"] for m in api.sent(bob)] == ["echo: one", "echo: two"]
        # the second Application starts at offset 0, yet "one" was confirmed on shutdown
        assert [api.deliveries[u["update_id"]] for u in api.updates] == [1, 1]


async def test_command_handler_needs_bot_command_entity_at_offset_zero():
    seen: list[list[str]] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(list(context.args))
        await update.message.reply_text("welcome")

    async def plain(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text("plain")

    async with BotApiStandIn() as api:
        guide = api.user(id=2002, first_name="小王", language_code="zh-hans")
        async with running(
            api,
            CommandHandler("start", start),
            MessageHandler(filters.TEXT & ~filters.COMMAND, plain),
        ):
            msg = await api.send_text(guide, "/start SHOP-42")
            assert msg["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
            await api.send_text(guide, f"/start@{api.bot_username}")
            await api.send_text(guide, "please /start")  # a command, but not at offset 0
            sent = await api.wait_sent(guide, 3)
        assert seen == [["SHOP-42"], []]
        assert [m["text"] for m in sent] == ["welcome", "welcome", "plain"]
        [please] = [m for m in api.history(guide) if m["text"] == "please /start"]
        assert please["message"]["entities"] == [{"type": "bot_command", "offset": 7, "length": 6}]


async def test_photo_voice_sticker_and_document_download():
    got: dict[str, object] = {}

    async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        tg_file = await update.message.document.get_file()
        got["bytes"] = bytes(await tg_file.download_as_bytearray())
        got["name"] = update.message.document.file_name
        await update.message.reply_text("got file")

    async def on_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        kind = "photo" if update.message.photo else "voice" if update.message.voice else "sticker"
        await update.message.reply_text(kind)

    async with BotApiStandIn() as api:
        user = api.user(first_name="Doc")
        async with running(
            api,
            MessageHandler(filters.Document.ALL, on_document),
            MessageHandler(filters.PHOTO | filters.VOICE | filters.Sticker.ALL, on_media),
        ):
            api.send_photo(user, caption="shelf")
            api.send_voice(user)
            api.send_sticker(user)
            data = b"%PDF-1.4 stand-in \x00\xff" * 50
            api.send_document(user, "销售手册.pdf", data, "application/pdf")
            sent = await api.wait_sent(user, 4)
        assert [m["text"] for m in sent] == ["photo", "voice", "sticker", "got file"]
        assert got == {"bytes": data, "name": "销售手册.pdf"}
        assert len(api.downloads) == 1 and api.downloads[0].startswith("documents/")


async def test_allowed_updates_filters_and_idle():
    async with BotApiStandIn() as api:
        user = api.user()
        pressed: list[str] = []

        async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            pressed.append(update.callback_query.data)

        async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
            await update.message.reply_text("menu", reply_markup=markup)

        async with running(
            api,
            MessageHandler(filters.TEXT, menu),
            CallbackQueryHandler(on_press),
            allowed_updates=["message"],
        ):
            await api.send_text(user, "menu")
            [sent] = await api.wait_sent(user, 1)
            api.press(user, sent, "a")
            await api.wait_until_idle()
        assert pressed == []
        assert [next(iter(set(u) - {"update_id"})) for u in api.dropped_updates] == [
            "callback_query"
        ]
        assert api.calls_to("getUpdates")[1].params["allowed_updates"] == ["message"]


# ----------------------------------------------------------------------------- buttons


async def test_callback_query_answer_and_edit_history():
    async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("是", callback_data="yes"),
                    InlineKeyboardButton("否", callback_data="no"),
                ]
            ]
        )
        await update.message.reply_text(
            "<b>继续吗？</b>", parse_mode=ParseMode.HTML, reply_markup=markup
        )

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer("ok")
        await query.edit_message_text(f"chose {query.data}")  # no reply_markup: keyboard goes

    async with BotApiStandIn() as api:
        user = api.user(language_code="zh-hans")
        async with running(api, MessageHandler(filters.TEXT, menu), CallbackQueryHandler(on_press)):
            await api.send_text(user, "menu")
            [msg] = await api.wait_sent(user, 1)
            assert api.buttons(msg) == [("是", "yes"), ("否", "no")]
            assert msg["rendered"] == "继续吗？" and msg["parse_mode"] == "HTML"
            assert msg["entities"] == [{"type": "bold", "offset": 0, "length": 4}]
            with pytest.raises(ValueError, match="(?i)no button"):
                api.press(user, msg, "maybe")
            query = api.press(user, msg, "yes")
            await api.wait_for(lambda: msg["edits"])
        assert msg["text"] == "chose yes" and msg["reply_markup"] is None
        assert "reply_markup" not in msg["message"]
        assert msg["edits"][0]["rendered"] == "继续吗？"
        assert msg["edits"][0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "yes"
        [record] = api.callback_queries
        assert record["id"] == query["id"] and record["answered"]
        assert record["answer"]["text"] == "ok"


async def test_edit_rules_and_callback_limits():
    async with BotApiStandIn() as api:
        bot = direct_bot(api)
        async with bot:
            user = await started_user(api, bot)
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x")]])
            msg = await bot.send_message(user.id, "same", reply_markup=markup)
            with pytest.raises(BadRequest, match="(?i)Message is not modified"):
                await bot.edit_message_text("same", user.id, msg.message_id, reply_markup=markup)
            await bot.edit_message_reply_markup(user.id, msg.message_id)
            with pytest.raises(BadRequest, match="(?i)Message is not modified"):
                await bot.edit_message_reply_markup(user.id, msg.message_id)
            with pytest.raises(BadRequest, match="(?i)Message to edit not found"):
                await bot.edit_message_text("x", user.id, 999)
            with pytest.raises(BadRequest, match="(?i)Button_data_invalid"):
                too_long = InlineKeyboardMarkup(
                    [[InlineKeyboardButton("x", callback_data="é" * 33)]]
                )
                await bot.send_message(user.id, "x", reply_markup=too_long)
            with pytest.raises(BadRequest, match="(?i)Text buttons are unallowed"):
                await bot.send_message(
                    user.id, "x", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("t")]])
                )
            assert await bot.delete_message(user.id, msg.message_id)
            with pytest.raises(BadRequest, match="(?i)Message to delete not found"):
                await bot.delete_message(user.id, msg.message_id)
            with pytest.raises(BadRequest, match="(?i)Query is too old"):
                await bot.answer_callback_query("12345")
        [entry] = api.sent(user)
        assert entry["deleted"] and api.visible(user) == []
        assert [e["method"] for e in entry["edits"]] == ["editMessageReplyMarkup"]


# ----------------------------------------------------------------------------- text limits


@pytest.mark.parametrize(
    ("text", "mode", "error"),
    [
        ("<b>bold", "HTML", 'Can\'t find end tag corresponding to start tag "b"'),
        ("line<br>next", "HTML", 'Unsupported start tag "br" at byte offset 4'),
        ("价格 < 100", "HTML", 'Unsupported start tag "" at byte offset 7'),
        ("<b>x</i>", "HTML", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "HTML", "Unexpected end tag at byte offset 1"),
        ('<span class="x">s</span>', "HTML", 'Tag "span" must have class "tg-spoiler"'),
        ("Price: 1.5", "MarkdownV2", "Character '.' is reserved"),
        ("*bold", "MarkdownV2", "Can't find end of Bold entity at byte offset 0"),
        ("_it", "Markdown", "Can't find end of the entity starting at byte offset 0"),
    ],
)
async def test_bad_markup_is_rejected_like_telegram(text, mode, error):
    async with BotApiStandIn() as api:
        bot = direct_bot(api)
        async with bot:
            user = await started_user(api, bot)
            with pytest.raises(BadRequest) as info:
                await bot.send_message(user.id, text, parse_mode=mode)
        call = api.calls_to("sendMessage")[-1]
        assert call.status == 400 and not call.executed
        assert call.description == f"Bad Request: can't parse entities: {error}" or (
            call.description.startswith("Bad Request: can't parse entities: " + error)
        )
        assert "parse entities" in str(info.value)
        assert api.sent(user) == []


async def test_good_markup_lengths_and_entities():
    async with BotApiStandIn() as api:
        bot = direct_bot(api)
        async with bot:
            user = await started_user(api, bot)
            html = (
                '<b>粗</b> <i>i</i> <a href="https://shop.example/x">link</a> '
                '<pre><code class="language-python">print(1)</code></pre> '
                '<span class="tg-spoiler">s</span> &lt;ok&gt; &amp; 5 > 3 😀<u>u</u>'
            )
            msg = await bot.send_message(user.id, html, parse_mode=ParseMode.HTML)
            assert msg.text == "粗 i link print(1) s <ok> & 5 > 3 😀u"
            assert msg.parse_entity(msg.entities[-1]) == "u"  # UTF-16 offsets after the emoji
            types = [e.type for e in msg.entities]
            assert types == ["bold", "italic", "text_link", "pre", "spoiler", "underline"]
            assert msg.entities[3].language == "python"
            v2 = await bot.send_message(
                user.id, r"*b* _i_ __u__ \. [l](https://a.b/c) `c`", parse_mode="MarkdownV2"
            )
            assert v2.text == "b i u . l c"
            assert await bot.send_message(user.id, "x" * 4096)
            with pytest.raises(BadRequest, match="(?i)Message is too long"):
                await bot.send_message(user.id, "x" * 4097)
            with pytest.raises(BadRequest, match="(?i)Message text is empty"):
                await bot.send_message(user.id, "  <b> </b> ", parse_mode=ParseMode.HTML)
            auto = await bot.send_message(user.id, "see https://a.example/p and /help")
            assert [e.type for e in auto.entities] == ["url", "bot_command"]


# ----------------------------------------------------------------------------- polls


async def test_quiz_poll_answers_reach_poll_answer_handler():
    answers: list[tuple[int, tuple[int, ...], tuple[str, ...]]] = []

    async def quiz(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await context.bot.send_poll(
            update.effective_chat.id,
            "哪个是旗舰款？",
            ["A1", "B2", "C3"],
            type="quiz",
            correct_option_ids=[1],
            is_anonymous=False,
            explanation="B2 是旗舰\n见 FAB 表",
        )

    async def on_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        a = update.poll_answer
        answers.append((a.user.id, a.option_ids, a.option_persistent_ids))
        await context.bot.send_message(a.user.id, "recorded")

    async with BotApiStandIn() as api:
        user = api.user(id=3003)
        async with running(api, CommandHandler("quiz", quiz), PollAnswerHandler(on_answer)) as app:
            await api.send_text(user, "/quiz")
            [poll_msg] = await api.wait_sent(user, 1)
            poll = poll_msg["poll"]
            assert poll["type"] == "quiz" and poll["correct_option_ids"] == [1]
            assert poll["allows_revoting"] is False and poll["members_only"] is False
            answer = api.answer_poll(user, poll["id"], [1])
            await api.wait_sent(user, 2)
            with pytest.raises(ValueError, match="(?i)changing the vote"):
                api.answer_poll(user, poll["id"], [0])
            stopped = await app.bot.stop_poll(user.id, poll_msg["message_id"])
            assert stopped.is_closed and stopped.options[1].voter_count == 1
            assert stopped.options[1].persistent_id == answer["option_persistent_ids"][0]
            await api.wait_until_idle()
        assert answers == [(3003, (1,), tuple(answer["option_persistent_ids"]))]
        assert app.bot_data["errors"] == []


async def test_regular_poll_and_poll_limits():
    async with BotApiStandIn() as api:
        bot = direct_bot(api)
        async with bot:
            user = await started_user(api, bot)
            msg = await bot.send_poll(user.id, "Best shift?", ["Morning", "Evening"])
            assert msg.poll.allows_revoting and msg.poll.is_anonymous
            assert [o.persistent_id for o in msg.poll.options] != ["0", "1"]
            api.answer_poll(user, msg.poll.id, [0])
            assert api.polls[msg.poll.id]["poll"]["options"][0]["voter_count"] == 1
            cases = [
                (("q" * 301, ["a", "b"]), {}, "question length"),
                (("q", ["a"]), {}, "at least 2"),
                (("q", [str(i) for i in range(13)]), {}, "more than 12"),
                (("q", ["a", "b" * 101]), {}, "options length"),
                (("q", ["a", "b"]), {"type": "quiz"}, "correct option"),
                (
                    ("q", ["a", "b"]),
                    {"type": "quiz", "correct_option_ids": [0], "explanation": "1\n2\n3\n4"},
                    "line feeds",
                ),
                (
                    ("q", ["a", "b"]),
                    {"type": "quiz", "correct_option_ids": [0], "explanation": "e" * 201},
                    "explanation length",
                ),
            ]
            for args, kwargs, error in cases:
                with pytest.raises(BadRequest, match="(?i)" + error):
                    await bot.send_poll(user.id, *args, **kwargs)
            await bot.stop_poll(user.id, msg.message_id)
            with pytest.raises(BadRequest, match="(?i)already been closed"):
                await bot.stop_poll(user.id, msg.message_id)


# ----------------------------------------------------------------------------- other methods


async def test_commands_actions_documents_and_users():
    async with BotApiStandIn() as api:
        bot = direct_bot(api)
        async with bot:
            me = await bot.get_me()
            assert me.username == api.bot_username and me.is_bot
            user = api.user(id=4004)
            with pytest.raises(Forbidden, match="(?i)can't initiate conversation"):
                await bot.send_message(user.id, "hi")
            with pytest.raises(BadRequest, match="(?i)Chat not found"):
                await bot.send_message(999_999, "hi")
            user = await started_user(api, bot, id=4004)
            await bot.set_my_commands([("start", "开始"), ("quiz", "每日测验")], language_code="zh")
            assert [c.command for c in await bot.get_my_commands(language_code="zh")] == [
                "start",
                "quiz",
            ]
            assert await bot.get_my_commands() == ()
            with pytest.raises(BadRequest, match="(?i)Bot_command_invalid"):
                await bot.set_my_commands([("Start", "x")])
            assert await bot.send_chat_action(user.id, "typing")
            with pytest.raises(BadRequest, match="(?i)Wrong parameter action"):
                await bot.send_chat_action(user.id, "dancing")
            doc = await bot.send_document(user.id, b"col1,col2\n1,2\n", filename="export.csv")
            assert doc.document.file_name == "export.csv"
            tg_file = await bot.get_file(doc.document.file_id)
            assert tg_file.file_path.startswith(api.base_file_url)
            assert bytes(await tg_file.download_as_bytearray()) == b"col1,col2\n1,2\n"
            [entry] = [m for m in api.sent(user) if m["method"] == "sendDocument"]
            assert entry["file_bytes"] == b"col1,col2\n1,2\n"
            assert api.calls_to("sendDocument")[0].params["document"].filename == "export.csv"
            api.block(user)
            with pytest.raises(Forbidden, match="(?i)blocked by the user"):
                await bot.send_message(user.id, "quiz time")
            assert api.updates[-1]["my_chat_member"]["new_chat_member"]["status"] == "kicked"


async def test_tokens_unknown_methods_and_webhook_conflict():
    async with BotApiStandIn() as api:
        wrong = direct_bot(api, token="987654321:" + "B" * 35)
        with pytest.raises(InvalidToken):
            await wrong.get_me()
        async with httpx.AsyncClient() as client:
            r = await client.post(f"{api.url}/botnot-a-token/getMe")
            assert r.status_code == 404 and r.json()["ok"] is False
            r = await client.post(f"{api.base_url}{api.token}/getMe")
            assert r.status_code == 200 and r.json()["result"]["id"] == api.bot_id
            r = await client.post(f"{api.base_url}{api.token}/noSuchMethod")
            assert r.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
            r = await client.get(f"{api.base_url}{api.token}/getme")  # names are case-insensitive
            assert r.json()["ok"] is True
            r = await client.post(f"{api.base_url}{api.token}/getChat", data={"chat_id": "1"})
            assert r.status_code == 501
            r = await client.post(
                f"{api.base_url}{api.token}/sendMessage",
                json={"chat_id": 1, "text": "x"},
            )
            assert r.json()["description"] == "Bad Request: chat not found"
        bot = direct_bot(api)
        async with bot:
            await bot.set_webhook("https://example.invalid/hook")
            with pytest.raises(Conflict, match="(?i)webhook is active"):
                await bot.get_updates()
            await bot.delete_webhook()
            assert await bot.get_updates() == ()
        assert DEFAULT_TOKEN.split(":")[0] == str(api.bot_id)


# ----------------------------------------------------------------------------- faults


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_rate_limit_and_server_errors_are_recorded_not_executed():
    async with BotApiStandIn() as api:
        bot = direct_bot(api)
        async with bot:
            user = await started_user(api, bot)
            api.fail("sendMessage", times=1, status=429, retry_after=3)
            with pytest.raises(RetryAfter) as info:
                await bot.send_message(user.id, "first")
            assert "Retry in 3 seconds" in str(info.value)
            api.fail("sendMessage", status=500)
            with pytest.raises(NetworkError, match="(?i)Internal Server Error"):
                await bot.send_message(user.id, "first")
            api.fail("sendMessage", status=502)
            with pytest.raises(NetworkError, match="(?i)Bad Gateway"):
                await bot.send_message(user.id, "first")
            await bot.send_message(user.id, "first")
        assert [m["text"] for m in api.sent(user)] == ["first"]
        failed = api.failed_calls
        assert [(c.method, c.status, c.executed) for c in failed] == [
            ("sendMessage", 429, False),
            ("sendMessage", 500, False),
            ("sendMessage", 502, False),
        ]
        assert failed[0].response["parameters"] == {"retry_after": 3}


async def test_timeouts_and_dropped_connections():
    async with BotApiStandIn() as api:
        bot = Bot(
            api.token,
            base_url=api.base_url,
            base_file_url=api.base_file_url,
            request=telegram.request.HTTPXRequest(read_timeout=0.1),
        )
        async with bot:
            user = await started_user(api, bot)
            api.delay("sendMessage", 0.3)
            with pytest.raises(TimedOut):
                await bot.send_message(user.id, "late")
            await api.wait_calls("sendMessage", 1)
            # Telegram did send it: a blind retry would duplicate the message
            assert [m["text"] for m in api.sent(user)] == ["late"]
            api.drop_connection("sendMessage")
            with pytest.raises(NetworkError):
                await bot.send_message(user.id, "lost request")
            api.drop_connection("sendMessage", after=True)
            with pytest.raises(NetworkError):
                await bot.send_message(user.id, "lost answer")
        assert [m["text"] for m in api.sent(user)] == ["late", "lost answer"]
        assert [(c.fault, c.executed, c.delivered) for c in api.failed_calls] == [
            ("delay", True, False),
            ("drop", False, False),
            ("drop", True, False),
        ]


async def test_polling_survives_get_updates_failure():
    async with BotApiStandIn() as api:
        user = api.user()
        api.fail("getUpdates", status=409, description="Conflict: terminated by other getUpdates")
        async with running(api, MessageHandler(filters.TEXT, echo)):
            await api.send_text(user, "still there?")
            [reply] = await api.wait_sent(user, 1)
        assert reply["text"] == "echo: still there?"
        assert api.calls_to("getUpdates")[0].status == 409


async def test_update_ptb_cannot_parse_is_caught():
    async with BotApiStandIn() as api:
        user = api.user()
        bad = {"poll_answer": {"poll_id": "1", "user": user.to_dict(), "option_ids": [0]}}
        with pytest.raises(StandInError, match="(?i)option_persistent_ids"):
            api.enqueue_update(bad)
        api.enqueue_update(bad, validate=False)  # what Telegram < 9.6 data would do to PTB 22.8
        async with running(api):
            with pytest.raises(StandInError, match="(?i)never confirmed"):
                await api.wait_until_idle(timeout=3)
            assert api.discard_pending()[0]["poll_answer"]["poll_id"] == "1"
            await api.wait_until_idle()
        assert len(api.problems) == 1
        api.problems.clear()


async def test_injected_helpers_are_awaitable_and_numbered():
    async with BotApiStandIn() as api:
        user = api.user(id=5005, username="shop_guide", language_code="zh-hans")
        first = api.send_text(user, "a #tag @someone https://x.example")
        second = await api.send_text(user, "b")
        assert second.update_id == first.update_id + 1
        assert [e["type"] for e in first["entities"]] == ["hashtag", "mention", "url"]
        assert first["from"]["language_code"] == "zh-hans"
        assert first["chat"] == {
            "id": 5005,
            "type": "private",
            "first_name": "Test",
            "username": "shop_guide",
        }
        edited = api.edit_text(user, second, "b2")
        assert edited.update["edited_message"]["text"] == "b2" and "edit_date" in edited
        pending = await api.wait_for(lambda: api.pending_updates)
        assert [u["update_id"] for u in pending] == [
            first.update_id,
            second.update_id,
            edited.update_id,
        ]
        # a raw form POST, encoded as PTB encodes: strings as is, other values as JSON
        markup = {"inline_keyboard": [[{"text": "ok", "callback_data": "ok"}]]}
        async with httpx.AsyncClient() as client:
            r = await client.post(
                f"{api.base_url}{api.token}/sendMessage",
                data={"chat_id": "5005", "text": "123", "reply_markup": json.dumps(markup)},
            )
        assert r.json()["result"]["text"] == "123"
        call = api.calls_to("sendMessage")[0]
        assert call.params == {"chat_id": 5005, "text": "123", "reply_markup": markup}


async def test_get_updates_offset_limit_and_long_poll_wakeup():
    async with BotApiStandIn() as api:
        user = api.user()
        bot = direct_bot(api)
        async with bot:
            ids = [api.send_text(user, str(i)).update_id for i in range(3)]
            assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
            assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
            assert [u.update_id for u in await bot.get_updates(offset=-1)] == ids[2:]
            assert [u["update_id"] for u in api.pending_updates] == ids[2:]
            assert await bot.get_updates(offset=ids[2] + 1, timeout=0) == ()

            async def later() -> None:
                await asyncio.sleep(0.05)
                api.send_text(user, "wake up")

            task = asyncio.create_task(later())
            loop = asyncio.get_running_loop()
            started = loop.time()
            [update] = await bot.get_updates(offset=ids[2] + 1, timeout=10)
            assert update.message.text == "wake up" and loop.time() - started < 2
            await task
