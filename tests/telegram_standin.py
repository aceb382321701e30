"""A faithful stand-in for the Telegram Bot API, so tests can drive the real bot.

No test may reach Telegram. Point a real python-telegram-bot (PTB 22.8) ``Application``
at this server instead; it then goes through its real HTTP path, polling included::

    from telegram.ext import ApplicationBuilder
    from tests.telegram_standin import BotApiStandIn

    async def test_greets():
        async with BotApiStandIn() as api:
            app = (
                ApplicationBuilder()
                .token(api.token)
                .base_url(api.base_url)            # == f"{api.url}/bot"
                .base_file_url(api.base_file_url)  # == f"{api.url}/file/bot"
                .build()
            )
            ...  # add handlers
            async with app:
                await app.start()
                await app.updater.start_polling(poll_interval=0)
                alice = api.user(id=1001, first_name="Alice", language_code="en")
                await api.send_text(alice, "/start SHOP-42")
                [reply] = await api.wait_sent(alice, 1)
                assert "Welcome" in reply["rendered"]
                await app.updater.stop()
                await app.stop()

The server runs on 127.0.0.1 on a free port, in the event loop of the test, and
answers ``{url}/bot{token}/{method}`` the way Telegram does: form-encoded or multipart
POSTs whose non-string values are JSON inside the field (also GET query strings and JSON
bodies), ``{"ok": true, "result": ...}`` answers, Telegram-worded 400/401/403/404/409/429
errors. Every object it returns or queues carries the fields PTB 22.8 requires (Bot API
10.0: poll options' ``persistent_id``, polls' ``allows_revoting`` and ``members_only``,
poll answers' ``option_persistent_ids``); when PTB is importable each queued update and
each answer is checked with PTB's own ``de_json`` first, because an update PTB cannot
parse is fetched again forever.

What a test can do:

* people: ``api.user(id=..., first_name=..., language_code="zh-hans")`` (private chat,
  chat id = user id). The bot can write to a user only after that user wrote to it
  (else 403, as on Telegram); ``api.block(user)`` / ``api.unblock(user)``.
* inject updates (each returns the injected message / query / answer, as a dict that may
  also be awaited): ``send_text`` (adds ``bot_command``/url/mention/hashtag entities like
  Telegram, so ``/start CODE`` deep links reach ``CommandHandler``), ``send_photo``,
  ``send_voice``, ``send_sticker``, ``send_document`` (its bytes download from
  ``{url}/file/bot{token}/{file_path}`` after ``getFile``), ``edit_text``, ``press``
  (a button of a message the bot sent), ``answer_poll`` (``poll_answer`` + ``poll``).
* read what happened: ``api.calls`` (every request in order: method, decoded params,
  time, status, fault, executed, delivered), ``api.sent(chat)`` (what the bot sent, with
  edits applied and ``edits`` history kept, ``deleted`` flagged), ``api.visible(chat)``,
  ``api.history(chat)``, ``api.callback_queries``, ``api.polls``, ``api.commands()``.
* wait: ``await api.wait_sent(chat, count)``, ``await api.wait_for(predicate)``,
  ``await api.wait_until_idle()``.
* faults: ``api.fail(method, times=1, status=429, retry_after=1)`` (also 400/403/500/502),
  ``api.delay(method, seconds)`` (executes late: a client timeout with the message sent
  all the same), ``api.drop_connection(method, after=False)``. ``api.failed_calls`` lists
  what was not answered 200 to a live client.

Telegram limits checked: message text 1-4096 characters after entity parsing, captions
1024, ``parse_mode`` HTML/MarkdownV2/Markdown parsed like tdlib does (``Bad Request:
can't parse entities: ...`` on unknown or unbalanced tags, unescaped reserved
characters), ``callback_data`` 1-64 bytes, polls (question 1-300, options 2-12 of 1-100,
explanation 0-200 with at most 2 line feeds), bot commands, chat actions,
"message is not modified". Descriptions of errors that PTB's callers match on (``can't
parse entities``, ``message is not modified``, ``query is too old``, ``chat not found``,
``bot was blocked by the user``, ``BUTTON_DATA_INVALID``, ``Too Many Requests: retry
after N``) are Telegram's; a few rarer ones (poll limits) are close paraphrases.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import itertools
import json
import logging
import mimetypes
import re
import socket
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

__all__ = [
    "DEFAULT_TOKEN",
    "BotApiError",
    "BotApiStandIn",
    "Call",
    "Injected",
    "SimUser",
    "StandInError",
    "Upload",
]

log = logging.getLogger(__name__)

#: A well-formed token (``<bot id>:<35 characters>``) that is not a real bot's.
DEFAULT_TOKEN = "123456789:AAStandInTokenForTestsOnly-0123456"
_TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{30,64}$")

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
POLL_MAX_QUESTION = 300
POLL_MAX_OPTION = 100
POLL_MAX_OPTIONS = 12
POLL_MAX_EXPLANATION = 200
POLL_MAX_EXPLANATION_LINE_FEEDS = 2

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# Update types a bot receives when it never named allowed_updates (or named []).
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

# Parameters that are strings on the Bot API even when they look like JSON.
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "question",
        "explanation",
        "description",
        "short_description",
        "name",
        "parse_mode",
        "explanation_parse_mode",
        "question_parse_mode",
        "description_parse_mode",
        "callback_query_id",
        "inline_message_id",
        "file_id",
        "url",
        "action",
        "language_code",
        "secret_token",
        "ip_address",
        "type",
        "emoji",
        "business_connection_id",
        "message_effect_id",
        "document",
        "photo",
        "thumbnail",
    }
)

# Real Bot API methods this stand-in does not serve: 501, so a test sees why.
_UNIMPLEMENTED = {
    name.lower(): name
    for name in (
        "forwardMessage",
        "forwardMessages",
        "copyMessage",
        "copyMessages",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendVoice",
        "sendVideoNote",
        "sendPaidMedia",
        "sendMediaGroup",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendDice",
        "sendSticker",
        "editMessageMedia",
        "editMessageLiveLocation",
        "stopMessageLiveLocation",
        "setMessageReaction",
        "getUserProfilePhotos",
        "getChat",
        "getChatMember",
        "getChatAdministrators",
        "getChatMemberCount",
        "leaveChat",
        "banChatMember",
        "unbanChatMember",
        "restrictChatMember",
        "pinChatMessage",
        "unpinChatMessage",
        "unpinAllChatMessages",
        "answerInlineQuery",
        "getMyName",
        "getMyDescription",
        "getMyShortDescription",
        "getChatMenuButton",
        "setMyDefaultAdministratorRights",
        "getMyDefaultAdministratorRights",
        "sendInvoice",
        "createInvoiceLink",
        "answerShippingQuery",
        "answerPreCheckoutQuery",
        "sendGame",
    )
}

_METHODS = [
    "getMe",
    "logOut",
    "close",
    "getUpdates",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "sendMessage",
    "editMessageText",
    "editMessageCaption",
    "editMessageReplyMarkup",
    "deleteMessage",
    "deleteMessages",
    "answerCallbackQuery",
    "sendChatAction",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "setMyDescription",
    "setMyShortDescription",
    "setMyName",
    "setChatMenuButton",
    "sendPoll",
    "stopPoll",
    "sendDocument",
    "sendPhoto",
    "getFile",
]
_CANONICAL = {name.lower(): name for name in _METHODS}

_BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


class StandInError(AssertionError):
    """Something a test must hear about: a stand-in bug, an object PTB cannot parse,
    an update the bot keeps fetching without confirming it."""


class BotApiError(Exception):
    """An error answer, worded as Telegram words it (``description``)."""

    def __init__(self, status: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def _bad(description: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {description}")


class _ParseError(Exception):
    pass


# --------------------------------------------------------------------------- records


@dataclass
class Upload:
    """A file part of a multipart request."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes

    def __repr__(self) -> str:
        return f"Upload({self.field!r}, {self.filename!r}, {len(self.data)} bytes)"


@dataclass
class Call:
    """One request the bot made, in arrival order."""

    method: str
    params: dict[str, Any]
    time: float
    http_method: str = "POST"
    status: int | None = None
    response: Any = None
    fault: str | None = None  # "fail", "delay", "drop" when a fault was injected
    executed: bool = False  # the request took effect (a message was sent, ...)
    delivered: bool = False  # the answer went to a client still listening
    finished: float | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return self.response.get("result") if isinstance(self.response, dict) else None

    @property
    def description(self) -> str | None:
        return self.response.get("description") if isinstance(self.response, dict) else None


@dataclass(eq=False)
class SimUser:
    """A simulated Telegram user; their private chat with the bot has chat id = user id."""

    id: int
    first_name: str = "Test"
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_premium: bool | None = None
    started: bool = False  # wrote to the bot at least once
    blocked: bool = False  # blocked the bot

    @property
    def chat_id(self) -> int:
        return self.id

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code", "is_premium"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data

    def chat_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        for key in ("last_name", "username"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


class Injected(dict):
    """What an injection helper returns: the injected object (message, callback query,
    poll answer). ``.update`` is the whole Update. It can be used as is or awaited."""

    update: dict[str, Any]

    @property
    def update_id(self) -> int:
        return self.update["update_id"]

    def __await__(self):
        yield from ()
        return self


@dataclass
class _Fault:
    method: str  # lower-case method name, or "*"
    kind: str  # "fail" | "delay" | "drop"
    times: int
    status: int = 429
    retry_after: int | None = None
    description: str | None = None
    seconds: float = 0.0
    after: bool = False
    when: Callable[[dict[str, Any]], bool] | None = None


@dataclass
class _File:
    file_id: str
    file_unique_id: str
    data: bytes
    kind: str
    file_name: str | None = None
    mime_type: str | None = None
    file_path: str | None = None


@dataclass
class _ChatState:
    user: SimUser
    next_message_id: int = 1
    messages: list[dict[str, Any]] = field(default_factory=list)
    by_id: dict[int, dict[str, Any]] = field(default_factory=dict)


# --------------------------------------------------------------------------- text


def _u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _to_u16_entities(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Char offsets -> UTF-16 offsets, sorted like Telegram sorts them."""
    prefix = [0]
    for ch in text:
        prefix.append(prefix[-1] + (2 if ord(ch) > 0xFFFF else 1))
    out = []
    for ent in entities:
        start, end = ent["offset"], ent["offset"] + ent["length"]
        new = dict(ent)
        new["offset"] = prefix[start]
        new["length"] = prefix[end] - prefix[start]
        out.append(new)
    out.sort(key=lambda e: (e["offset"], -e["length"]))
    return out


def _from_u16_entities(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    index: dict[int, int] = {}
    pos = 0
    for i, ch in enumerate(text):
        index[pos] = i
        pos += 2 if ord(ch) > 0xFFFF else 1
    index[pos] = len(text)
    out = []
    for ent in entities:
        if not isinstance(ent, dict) or "type" not in ent:
            raise _bad("can't parse entities JSON object")
        try:
            start = index[int(ent["offset"])]
            end = index[int(ent["offset"]) + int(ent["length"])]
        except (KeyError, ValueError, TypeError) as exc:
            raise _bad("entity beginning or end is out of the text") from exc
        new = dict(ent)
        new["offset"], new["length"] = start, end - start
        out.append(new)
    return out


_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}
_HTML_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _decode_html_entity(text: str, i: int) -> tuple[str | None, int]:
    end = text.find(";", i + 1, i + 12)
    if end == -1:
        return None, i
    name = text[i + 1 : end]
    if name.startswith("#"):
        try:
            code = int(name[2:], 16) if name[1:2] in ("x", "X") else int(name[1:])
        except ValueError:
            return None, i
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code), end + 1
        return None, i
    char = _HTML_NAMED.get(name)
    return (char, end + 1) if char else (None, i)


def _parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """tdlib's parse_html: supported tags only, balanced, attributes quoted or name tokens."""
    out: list[str] = []
    stack: list[dict[str, Any]] = []
    entities: list[dict[str, Any]] = []
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if c == "&":
            char, j = _decode_html_entity(text, i)
            if char is not None:
                out.append(char)
                i = j
                continue
            out.append("&")
            i += 1
            continue
        if c != "<":
            out.append(c)
            i += 1
            continue
        begin = i
        i += 1
        if i < n and text[i] == "/":
            # end tag
            if not stack:
                raise _ParseError(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
            j = i + 1
            while j < n and not text[j].isspace() and text[j] != ">":
                j += 1
            end_name = text[i + 1 : j].lower()
            while j < n and text[j].isspace():
                j += 1
            if j >= n or text[j] != ">":
                raise _ParseError(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
            item = stack[-1]
            if end_name and end_name != item["tag"]:
                raise _ParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                    f'expected "</{item["tag"]}>", found "</{end_name}>"'
                )
            stack.pop()
            i = j + 1
            _close_html_entity(item, len(out), stack, entities)
            continue
        # start tag
        j = i
        while j < n and not text[j].isspace() and text[j] != ">":
            j += 1
        if j >= n:
            raise _ParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        tag = text[i:j].lower()
        if tag not in _HTML_TAGS:
            raise _ParseError(
                f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}'
            )
        i = j
        attrs: dict[str, str] = {}
        while True:
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                raise _ParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            if text[i] == ">":
                i += 1
                break
            j = i
            while j < n and not text[j].isspace() and text[j] not in "=>":
                j += 1
            attr = text[i:j].lower()
            if not attr:
                raise _ParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset '
                    f"{_byte_offset(text, begin)}"
                )
            i = j
            while i < n and text[i].isspace():
                i += 1
            if i >= n or text[i] != "=":
                if i < n:  # attribute without a value (e.g. <blockquote expandable>)
                    attrs[attr] = ""
                    continue
                raise _ParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            i += 1
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                raise _ParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            if text[i] in "'\"":
                quote = text[i]
                i += 1
                value: list[str] = []
                while i < n and text[i] != quote:
                    if text[i] == "&":
                        char, j = _decode_html_entity(text, i)
                        if char is not None:
                            value.append(char)
                            i = j
                            continue
                    value.append(text[i])
                    i += 1
                if i >= n:
                    raise _ParseError(
                        f"Unclosed start tag at byte offset {_byte_offset(text, begin)}"
                    )
                i += 1
                attrs[attr] = "".join(value)
            else:
                j = i
                while j < n and (text[j].isalnum() or text[j] in ".-"):
                    j += 1
                if j < n and not text[j].isspace() and text[j] != ">":
                    raise _ParseError(
                        f"Unexpected end of name token at byte offset {_byte_offset(text, i)}"
                    )
                attrs[attr] = text[i:j].lower()
                i = j
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise _ParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset '
                f"{_byte_offset(text, begin)}"
            )
        stack.append({"tag": tag, "type": _HTML_TAGS[tag], "start": len(out), "attrs": attrs})
    if stack:
        raise _ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1]["tag"]}"')
    return "".join(out), entities


def _close_html_entity(
    item: dict[str, Any], end: int, stack: list[dict[str, Any]], entities: list[dict[str, Any]]
) -> None:
    start = item["start"]
    kind = item["type"]
    attrs = item["attrs"]
    entity: dict[str, Any] = {"type": kind, "offset": start, "length": end - start}
    if kind == "code":
        language = attrs.get("class", "")
        if stack and stack[-1]["type"] == "pre" and language.startswith("language-"):
            # <pre><code class="language-x"> is one pre entity with a language
            stack[-1]["language"] = language[len("language-") :]
            return
    elif kind == "pre":
        if item.get("language"):
            entity["language"] = item["language"]
    elif kind == "text_link":
        url = attrs.get("href", "")
        if not url:
            return
        match = re.fullmatch(r"tg://user\?id=(\d+)", url)
        if match:
            entity = {
                "type": "text_mention",
                "offset": start,
                "length": end - start,
                "user": {"id": int(match[1]), "is_bot": False, "first_name": "User"},
            }
        else:
            entity["url"] = url
    elif kind == "blockquote":
        if "expandable" in attrs:
            entity["type"] = "expandable_blockquote"
    elif kind == "custom_emoji":
        if not attrs.get("emoji-id"):
            return
        entity["custom_emoji_id"] = attrs["emoji-id"]
    elif kind == "date_time":
        try:
            entity["unix_time"] = int(attrs.get("unix", ""))
        except ValueError:
            return
        if attrs.get("format"):
            entity["date_time_format"] = attrs["format"]
    if entity["length"] > 0:
        entities.append(entity)


_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


def _parse_markdown_v2(text: str) -> tuple[str, list[dict[str, Any]]]:
    """tdlib's parse_markdown_v2: reserved characters must be escaped outside entities."""
    out: list[str] = []
    stack: list[dict[str, Any]] = []
    entities: list[dict[str, Any]] = []
    quote: dict[str, Any] | None = None
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        top = stack[-1]["type"] if stack else None
        if (i == 0 or text[i - 1] == "\n") and top not in ("code", "pre"):
            if text.startswith("**>", i) or c == ">":
                expandable = c == "*"
                i += 3 if expandable else 1
                if quote is None:
                    kind = "expandable_blockquote" if expandable else "blockquote"
                    quote = {"type": kind, "start": len(out)}
                continue
            if quote is not None:
                end = len(out) - 1 if out and out[-1] == "\n" else len(out)
                if end > quote["start"]:
                    entities.append(
                        {
                            "type": quote["type"],
                            "offset": quote["start"],
                            "length": end - quote["start"],
                        }
                    )
                quote = None
        if (
            quote is not None
            and quote["type"] == "expandable_blockquote"
            and text.startswith("||", i)
            and (i + 2 == n or text[i + 2] == "\n")
        ):
            i += 2
            continue
        if c == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            out.append(text[i + 1])
            i += 2
            continue
        reserved = "`" if top in ("code", "pre") else _MDV2_RESERVED
        if c not in reserved:
            out.append(c)
            i += 1
            continue
        nxt = text[i + 1] if i + 1 < n else ""
        is_end = (
            (top == "bold" and c == "*")
            or (top == "italic" and c == "_" and nxt != "_")
            or (top == "underline" and c == "_" and nxt == "_")
            or (top == "strikethrough" and c == "~")
            or (top == "spoiler" and c == "|" and nxt == "|")
            or (top == "code" and c == "`")
            or (top == "pre" and text.startswith("```", i))
            or (top in ("text_link", "custom_emoji") and c == "]")
        )
        if not is_end:
            begin = i
            language = ""
            if c == "_" and nxt == "_":
                kind, i = "underline", i + 2
            elif c == "_":
                kind, i = "italic", i + 1
            elif c == "*":
                kind, i = "bold", i + 1
            elif c == "~":
                kind, i = "strikethrough", i + 1
            elif c == "|" and nxt == "|":
                kind, i = "spoiler", i + 2
            elif c == "[":
                kind, i = "text_link", i + 1
            elif c == "!" and nxt == "[":
                kind, i = "custom_emoji", i + 2
            elif c == "`" and text.startswith("```", i):
                kind, i = "pre", i + 3
                j = i
                while j < n and not text[j].isspace() and text[j] != "`":
                    j += 1
                if j < n and text[j] == "\n":
                    language, i = text[i:j], j + 1
            elif c == "`":
                kind, i = "code", i + 1
            else:
                raise _ParseError(
                    f"Character '{c}' is reserved and must be escaped with the preceding '\\'"
                )
            stack.append({"type": kind, "start": len(out), "begin": begin, "language": language})
            continue
        item = stack.pop()
        kind = item["type"]
        entity: dict[str, Any] = {
            "type": kind,
            "offset": item["start"],
            "length": len(out) - item["start"],
        }
        if kind in ("text_link", "custom_emoji"):
            i += 1
            url = ""
            if i < n and text[i] == "(":
                j = i + 1
                buf: list[str] = []
                while j < n and text[j] != ")":
                    if text[j] == "\\" and j + 1 < n:
                        buf.append(text[j + 1])
                        j += 2
                        continue
                    buf.append(text[j])
                    j += 1
                if j >= n:
                    raise _ParseError(
                        f"Can't find end of a URL at byte offset {_byte_offset(text, i + 1)}"
                    )
                url = "".join(buf)
                i = j + 1
            if kind == "custom_emoji":
                match = re.fullmatch(r"tg://emoji\?id=(\d+)", url)
                if not match:
                    raise _ParseError("Custom emoji entity must contain a tg://emoji URL")
                entity["custom_emoji_id"] = match[1]
            elif not url:
                continue
            else:
                entity["url"] = url
        elif kind == "pre":
            i += 3
            if item["language"]:
                entity["language"] = item["language"]
        elif kind in ("underline", "spoiler"):
            i += 2
        else:
            i += 1
        if entity["length"] > 0:
            entities.append(entity)
    if stack:
        item = stack[-1]
        raise _ParseError(
            f"Can't find end of {_MDV2_NAMES[item['type']]} entity at byte offset "
            f"{_byte_offset(text, item['begin'])}"
        )
    if quote is not None and len(out) > quote["start"]:
        entities.append(
            {"type": quote["type"], "offset": quote["start"], "length": len(out) - quote["start"]}
        )
    return "".join(out), entities


def _parse_markdown(text: str) -> tuple[str, list[dict[str, Any]]]:
    """tdlib's parse_markdown (legacy ``Markdown``)."""
    out: list[str] = []
    entities: list[dict[str, Any]] = []
    n = len(text)
    i = 0
    kinds = {"_": "italic", "*": "bold", "`": "code", "[": "text_link"}
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.append(text[i + 1])
            i += 2
            continue
        if c not in kinds:
            out.append(c)
            i += 1
            continue
        begin, start = i, len(out)
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end == -1:
                raise _ParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}"
                )
            body = text[i + 3 : end]
            language = ""
            first, sep, rest = body.partition("\n")
            if sep and first and not any(ch.isspace() for ch in first):
                language, body = first, rest
            out.extend(body)
            entity = {"type": "pre", "offset": start, "length": len(body)}
            if language:
                entity["language"] = language
            if body:
                entities.append(entity)
            i = end + 3
            continue
        end_char = "]" if c == "[" else c
        end = text.find(end_char, i + 1)
        if end == -1:
            raise _ParseError(
                f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}"
            )
        body = text[i + 1 : end]
        out.extend(body)
        i = end + 1
        entity = {"type": kinds[c], "offset": start, "length": len(body)}
        if c == "[":
            url = ""
            if i < n and text[i] == "(":
                close = text.find(")", i)
                if close != -1:
                    url, i = text[i + 1 : close], close + 1
            if not url:
                continue
            entity["url"] = url
        if body:
            entities.append(entity)
    return "".join(out), entities


_AUTO_RE = re.compile(
    r"(?P<url>\bhttps?://[^\s<>\"]*[^\s<>\".,;:!?)\]}'])"
    r"|(?P<bot_command>(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@]))"
    r"|(?P<mention>(?<![\w@])@[A-Za-z0-9_]{5,32}(?![\w@]))"
    r"|(?P<hashtag>(?<![\w#])#(?=\d*[^\W\d])\w+)"
)
_NO_AUTO_INSIDE = {"code", "pre", "text_link", "url", "email", "bot_command", "mention"}


def _auto_entities(text: str, existing: Iterable[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """The entities Telegram detects by itself (char offsets)."""
    blocked = [
        (e["offset"], e["offset"] + e["length"]) for e in existing if e["type"] in _NO_AUTO_INSIDE
    ]
    found = []
    for match in _AUTO_RE.finditer(text):
        start, end = match.span()
        if any(start < b_end and b_start < end for b_start, b_end in blocked):
            continue
        found.append({"type": match.lastgroup, "offset": start, "length": end - start})
    return found


def _trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram strips leading and trailing white space; entities follow."""
    lead = len(text) - len(text.lstrip())
    stripped = text.strip()
    out = []
    for ent in entities:
        start = max(0, ent["offset"] - lead)
        end = min(len(stripped), ent["offset"] + ent["length"] - lead)
        if end > start:
            new = dict(ent)
            new["offset"], new["length"] = start, end - start
            out.append(new)
    return stripped, out


# --------------------------------------------------------------------------- params


def _decode_param(name: str, value: Any) -> Any:
    if not isinstance(value, str) or name in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


class _Params:
    def __init__(self, raw: dict[str, Any], files: dict[str, Upload]):
        self.raw = raw
        self.files = files
        self.decoded: dict[str, Any] = {k: _decode_param(k, v) for k, v in raw.items()}
        for key, upload in files.items():
            self.decoded.setdefault(key, upload)

    def has(self, name: str) -> bool:
        return self.raw.get(name) not in (None, "") or name in self.files

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def int(self, name: str, default: int | None = None) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise _bad(f"invalid {name} specified")
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError as exc:
            raise _bad(f"invalid {name} specified") from exc

    def float(self, name: str, default: float | None = None) -> float | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise _bad(f"invalid {name} specified") from exc

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise _bad(f"invalid {name} specified")

    def json(self, name: str, default: Any = None) -> Any:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError as exc:
            if name == "reply_markup":
                raise _bad("can't parse reply keyboard markup JSON object") from exc
            raise _bad(f"can't parse {name} JSON object") from exc


# --------------------------------------------------------------------------- server


class BotApiStandIn:
    """A Bot API server on 127.0.0.1 for one bot token. Use as ``async with``."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "guidebot_test_bot",
        bot_first_name: str = "GuideBot",
        first_update_id: int = 100_001,
        validate: bool = True,
        redelivery_limit: int = 3,
        raise_problems: bool = True,
    ):
        if not _TOKEN_RE.match(token):
            raise ValueError(f"not a well-formed bot token: {token!r}")
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.validate = validate
        self.redelivery_limit = redelivery_limit
        self.raise_problems = raise_problems

        self.url = ""
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []  # every update ever queued
        self.dropped_updates: list[dict[str, Any]] = []  # filtered by allowed_updates / dropped
        self.callback_queries: list[dict[str, Any]] = []
        self.polls: dict[str, dict[str, Any]] = {}
        self.downloads: list[str] = []
        self.webhook: dict[str, Any] | None = None
        self.bot_settings: dict[str, Any] = {}
        self.problems: list[str] = []

        self._users: dict[int, SimUser] = {}
        self._chats: dict[int, _ChatState] = {}
        self._pending: list[dict[str, Any]] = []
        self._next_update_id = first_update_id
        self._confirmed_offset = 0
        self._allowed_updates: set[str] | None = None
        self.deliveries: Counter[int] = Counter()  # update_id -> times fetched
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._files: dict[str, _File] = {}
        self._files_by_path: dict[str, _File] = {}
        self._faults: list[_Fault] = []
        self._ids = itertools.count(1)
        self._next_user_id = 10_001

        self._changed = asyncio.Event()
        self._poll_generation = 0
        self._waiting_polls = 0
        self._inflight = 0
        self._last_activity = time.monotonic()
        self._closing = False
        self._closed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._ptb = _load_ptb() if validate else None

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``: PTB appends the token."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def start(self) -> BotApiStandIn:
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(
            app, handler_cancellation=False, shutdown_timeout=1.0, access_log=None
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        self.url = f"http://127.0.0.1:{port}"
        self._closing = False
        return self

    async def stop(self) -> None:
        self._closing = True
        self._closed.set()
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiStandIn:
        return await self.start()

    async def __aexit__(self, exc_type, exc, tb) -> None:
        await self.stop()
        if exc_type is None and self.raise_problems and self.problems:
            raise StandInError("Bot API stand-in problems:\n" + "\n".join(self.problems))

    # ------------------------------------------------------------------ people

    def user(
        self,
        id: int | None = None,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        is_premium: bool | None = None,
    ) -> SimUser:
        """A simulated person (created, or updated when the id exists)."""
        if id is None:
            while self._next_user_id in self._users:
                self._next_user_id += 1
            id = self._next_user_id
        existing = self._users.get(id)
        if existing is not None:
            existing.first_name = first_name
            existing.last_name = last_name
            existing.username = username
            existing.language_code = language_code
            existing.is_premium = is_premium
            return existing
        user = SimUser(
            id=id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            is_premium=is_premium,
        )
        self._users[id] = user
        self._chats[id] = _ChatState(user=user)
        return user

    def block(self, user: SimUser) -> Injected:
        """The user blocks the bot: sends now fail with 403; a my_chat_member update."""
        user.blocked = True
        return self._member_update(user, "member", "kicked")

    def unblock(self, user: SimUser) -> Injected:
        user.blocked = False
        return self._member_update(user, "kicked", "member")

    def _member_update(self, user: SimUser, old: str, new: str) -> Injected:
        def member(status: str) -> dict[str, Any]:
            data: dict[str, Any] = {"status": status, "user": self.bot_user}
            if status == "kicked":
                data["until_date"] = 0
            return data

        body = {
            "chat": user.chat_dict(),
            "from": user.to_dict(),
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        return self._inject("my_chat_member", body)

    # ------------------------------------------------------------------ injection

    def send_text(
        self,
        user: SimUser,
        text: str,
        *,
        reply_to: dict[str, Any] | int | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> Injected:
        """The user sends a text; commands (``/start CODE``) get their bot_command entity."""
        if not text:
            raise ValueError("Telegram does not deliver empty messages")
        content: dict[str, Any] = {"text": text}
        ents = entities if entities is not None else _to_u16_entities(text, _auto_entities(text))
        if ents:
            content["entities"] = ents
        return self._inject_message(user, content, reply_to=reply_to)

    def send_photo(
        self,
        user: SimUser,
        data: bytes = b"\xff\xd8\xff\xe0 stand-in jpeg \xff\xd9",
        *,
        caption: str | None = None,
        width: int = 1280,
        height: int = 960,
    ) -> Injected:
        sizes = []
        for w, h in ((90, max(1, 90 * height // width)), (width, height)):
            f = self._store_file(data, "photo", mime_type="image/jpeg")
            sizes.append(
                {
                    "file_id": f.file_id,
                    "file_unique_id": f.file_unique_id,
                    "file_size": len(data),
                    "width": w,
                    "height": h,
                }
            )
        return self._inject_message(user, self._with_caption({"photo": sizes}, caption))

    def send_voice(
        self,
        user: SimUser,
        data: bytes = b"OggS stand-in voice",
        *,
        duration: int = 3,
        caption: str | None = None,
    ) -> Injected:
        f = self._store_file(data, "voice", mime_type="audio/ogg")
        voice = {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(data),
        }
        return self._inject_message(user, self._with_caption({"voice": voice}, caption))

    def send_sticker(self, user: SimUser, emoji: str = "👍") -> Injected:
        f = self._store_file(b"RIFF stand-in webp", "sticker", mime_type="image/webp")
        sticker = {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": "StandInStickers",
            "file_size": len(f.data),
        }
        return self._inject_message(user, {"sticker": sticker})

    def send_document(
        self,
        user: SimUser,
        filename: str,
        data: bytes,
        mime_type: str | None = None,
        *,
        caption: str | None = None,
    ) -> Injected:
        """The user sends a file; after getFile its bytes download from the file URL."""
        mime = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        f = self._store_file(data, "document", file_name=filename, mime_type=mime)
        document = {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "file_name": filename,
            "mime_type": mime,
            "file_size": len(data),
        }
        return self._inject_message(user, self._with_caption({"document": document}, caption))

    def edit_text(self, user: SimUser, message: dict[str, Any] | int, text: str) -> Injected:
        """The user edits one of their text messages: an edited_message update."""
        entry = self._entry(user, message)
        if entry["sender"] != "user" or "text" not in entry["message"]:
            raise ValueError("a user can edit only their own text messages")
        msg = entry["message"]
        msg["text"] = text
        msg.pop("entities", None)
        ents = _to_u16_entities(text, _auto_entities(text))
        if ents:
            msg["entities"] = ents
        msg["edit_date"] = int(time.time())
        entry["text"] = entry["rendered"] = text
        return self._inject("edited_message", copy.deepcopy(msg), returned=msg)

    def press(
        self,
        user: SimUser,
        message: dict[str, Any] | int,
        callback_data: str,
        *,
        strict: bool = True,
    ) -> Injected:
        """The user taps an inline button (by its callback_data) under a bot message."""
        entry = self._entry(user, message)
        if entry["sender"] != "bot":
            raise ValueError("buttons exist only on messages the bot sent")
        if entry["deleted"]:
            raise ValueError(f"message {entry['message_id']} was deleted")
        if strict:
            datas = [b.get("callback_data") for _, b in self._inline_buttons(entry)]
            if callback_data not in datas:
                raise ValueError(
                    f"message {entry['message_id']} has no button with callback_data "
                    f"{callback_data!r}; it has {datas!r}"
                )
        query_id = str(4_400_000_000_000_000 + next(self._ids))
        query = {
            "id": query_id,
            "from": user.to_dict(),
            "message": copy.deepcopy(entry["message"]),
            "chat_instance": str(7_000_000_000_000 + user.id),
            "data": callback_data,
        }
        self.callback_queries.append(
            {
                "id": query_id,
                "user_id": user.id,
                "message_id": entry["message_id"],
                "data": callback_data,
                "answered": False,
                "answer": None,
                "time": time.time(),
            }
        )
        return self._inject("callback_query", query)

    def answer_poll(
        self,
        user: SimUser,
        poll_id: str | dict[str, Any],
        option_ids: Iterable[int],
        *,
        poll_update: bool = True,
    ) -> Injected:
        """The user votes (``[]`` retracts). Non-anonymous polls give a poll_answer update;
        with ``poll_update`` the new poll state follows as a ``poll`` update."""
        if isinstance(poll_id, dict):
            poll_id = (poll_id.get("poll") or poll_id)["id"]
        state = self.polls.get(str(poll_id))
        if state is None:
            raise ValueError(f"the bot sent no poll {poll_id!r}")
        poll = state["poll"]
        ids = list(option_ids)
        if poll["is_closed"]:
            raise ValueError("the poll is closed")
        if any(not 0 <= i < len(poll["options"]) for i in ids) or len(set(ids)) != len(ids):
            raise ValueError(f"bad option ids {ids!r} for {len(poll['options'])} options")
        if len(ids) > 1 and not poll["allows_multiple_answers"]:
            raise ValueError("this poll allows one answer")
        previous = state["votes"].get(user.id)
        if previous and not poll["allows_revoting"]:
            raise ValueError("this poll does not allow changing the vote")
        if not previous and not ids:
            raise ValueError("nothing to retract")
        for i in previous or []:
            poll["options"][i]["voter_count"] -= 1
        for i in ids:
            poll["options"][i]["voter_count"] += 1
        if previous and not ids:
            poll["total_voter_count"] -= 1
            state["votes"].pop(user.id)
        else:
            if not previous:
                poll["total_voter_count"] += 1
            state["votes"][user.id] = ids
        user.started = True
        result: Injected | None = None
        if not poll["is_anonymous"]:
            answer = {
                "poll_id": poll["id"],
                "user": user.to_dict(),
                "option_ids": ids,
                "option_persistent_ids": [poll["options"][i]["persistent_id"] for i in ids],
            }
            result = self._inject("poll_answer", answer)
        if poll_update or result is None:
            polled = self._inject("poll", copy.deepcopy(poll))
            result = result or polled
        return result

    def discard_pending(self) -> list[dict[str, Any]]:
        """Forget every queued update (like deleteWebhook(drop_pending_updates=True))."""
        dropped, self._pending = self._pending, []
        self.dropped_updates.extend(dropped)
        self._notify()
        return dropped

    def enqueue_update(self, update: dict[str, Any], *, validate: bool = True) -> Injected:
        """Queue a raw update (``update_id`` is set here). With ``validate=False`` an
        update PTB cannot parse gets through, to show what the bot does with it."""
        kinds = [k for k in update if k != "update_id"]
        if len(kinds) != 1:
            raise ValueError("an update carries exactly one object")
        return self._inject(kinds[0], update[kinds[0]], validate=validate)

    # ------------------------------------------------------------------ reading

    def _chat(self, chat: SimUser | int) -> _ChatState:
        chat_id = chat.id if isinstance(chat, SimUser) else int(chat)
        state = self._chats.get(chat_id)
        if state is None:
            raise KeyError(f"no chat {chat_id}; create it with api.user(id={chat_id})")
        return state

    def sent(self, chat: SimUser | int) -> list[dict[str, Any]]:
        """Everything the bot sent to the chat, in order (deleted ones flagged)."""
        return [e for e in self._chat(chat).messages if e["sender"] == "bot"]

    def visible(self, chat: SimUser | int) -> list[dict[str, Any]]:
        """What the user sees from the bot now: sent messages less deleted ones."""
        return [e for e in self.sent(chat) if not e["deleted"]]

    def history(self, chat: SimUser | int) -> list[dict[str, Any]]:
        """Both sides of the chat, in order."""
        return list(self._chat(chat).messages)

    def last_sent(self, chat: SimUser | int) -> dict[str, Any] | None:
        sent = self.sent(chat)
        return sent[-1] if sent else None

    def calls_to(self, method: str) -> list[Call]:
        name = method.lower()
        return [c for c in self.calls if c.method.lower() == name]

    @property
    def methods(self) -> list[str]:
        """The methods called, in order."""
        return [c.method for c in self.calls]

    @property
    def failed_calls(self) -> list[Call]:
        """Requests that were not answered 200 to a client still listening."""
        return [c for c in self.calls if c.finished is not None and not (c.ok and c.delivered)]

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Queued updates the bot has not confirmed (by a later getUpdates offset)."""
        return list(self._pending)

    def buttons(self, message: dict[str, Any]) -> list[tuple[str, str | None]]:
        """(text, callback_data or url) of each inline button of a sent message."""
        return [
            (b.get("text", ""), b.get("callback_data", b.get("url")))
            for _, b in self._inline_buttons(message)
        ]

    def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list:
        return list(self._commands.get(self._command_key(scope, language_code), []))

    def file_bytes(self, file_id: str) -> bytes:
        return self._files[file_id].data

    def describe(self, last: int = 15) -> str:
        """A summary for assertion messages."""
        lines = [f"calls (last {last} of {len(self.calls)}):"]
        for c in self.calls[-last:]:
            params = {k: v for k, v in c.params.items() if k not in ("timeout", "offset")}
            lines.append(
                f"  {c.method} {params!r:.160} -> {c.status} {c.description or ''}"
                f"{' fault=' + c.fault if c.fault else ''}"
            )
        lines.append(f"pending updates: {[u['update_id'] for u in self._pending]}")
        for chat_id, state in self._chats.items():
            for e in state.messages[-6:]:
                what = e.get("rendered") or e.get("method")
                lines.append(f"  chat {chat_id} #{e['message_id']} {e['sender']}: {what!r:.120}")
        lines.extend(self.problems)
        return "\n".join(lines)

    # ------------------------------------------------------------------ waiting

    async def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 5.0, *, what: str | None = None
    ) -> Any:
        """Wait until ``predicate()`` is truthy and return its value."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self._check_redelivery()
            value = predicate()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"{what or 'condition'} not met within {timeout}s\n{self.describe()}"
                )
            await self._wait_change(min(remaining, 0.02))

    async def wait_sent(
        self, chat: SimUser | int, count: int = 1, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """Wait until the bot has sent ``count`` messages to the chat (in all); return them."""

        def enough() -> list[dict[str, Any]] | None:
            sent = self.sent(chat)
            return sent if len(sent) >= count else None

        chat_id = chat.id if isinstance(chat, SimUser) else chat
        return await self.wait_for(enough, timeout, what=f"{count} message(s) to chat {chat_id}")

    async def wait_calls(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        def enough() -> list[Call] | None:
            calls = [c for c in self.calls_to(method) if c.finished is not None]
            return calls if len(calls) >= count else None

        return await self.wait_for(enough, timeout, what=f"{count} finished {method} call(s)")

    async def wait_until_idle(self, timeout: float = 5.0, settle: float = 0.05) -> None:
        """Wait until every queued update was confirmed, the bot is long-polling again,
        no other request is in flight, and nothing happened for ``settle`` seconds.
        (A handler busy without calling the API is invisible here: prefer wait_sent.)"""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self._check_redelivery()
            now = time.monotonic()
            idle = not self._pending and self._waiting_polls > 0 and self._inflight == 0
            if idle and now - self._last_activity >= settle:
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"the bot did not become idle within {timeout}s\n{self.describe()}"
                )
            await self._wait_change(min(remaining, settle / 2 if idle else 0.02))

    def _notify(self) -> None:
        self._last_activity = time.monotonic()
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def _wait_change(self, timeout: float) -> None:
        event = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)

    def _check_redelivery(self) -> None:
        for update_id, count in self.deliveries.items():
            if count >= self.redelivery_limit and any(
                u["update_id"] == update_id for u in self._pending
            ):
                problem = (
                    f"update {update_id} was fetched {count} times and never confirmed: "
                    "the bot cannot parse it or keeps failing before confirming"
                )
                if problem not in self.problems:
                    self.problems.append(problem)
                raise StandInError(problem + "\n" + self.describe())

    # ------------------------------------------------------------------ faults

    def fail(
        self,
        method: str,
        times: int = 1,
        status: int = 429,
        retry_after: int | None = 1,
        *,
        description: str | None = None,
        when: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """Answer the next ``times`` matching calls with an error instead of executing them.
        429 carries ``parameters.retry_after`` (whole seconds >= 1, as PTB needs); 502 is
        nginx's HTML page like Telegram's front end; others are Bot API error JSON."""
        if status == 429 and (retry_after is None or retry_after < 1):
            raise ValueError("a 429 needs retry_after >= 1 (PTB ignores 0)")
        self._faults.append(
            _Fault(
                method.lower(),
                "fail",
                times,
                status=status,
                retry_after=retry_after if status == 429 else None,
                description=description,
                when=when,
            )
        )

    def delay(
        self,
        method: str,
        seconds: float,
        times: int = 1,
        *,
        when: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """Hold the next ``times`` matching calls for ``seconds`` before executing them.
        A client that times out meanwhile never hears that the call took effect."""
        self._faults.append(_Fault(method.lower(), "delay", times, seconds=seconds, when=when))

    def drop_connection(
        self,
        method: str,
        times: int = 1,
        *,
        after: bool = False,
        when: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """Close the connection without an answer: before executing the call (lost
        request) or, with ``after=True``, after executing it (lost answer)."""
        self._faults.append(_Fault(method.lower(), "drop", times, after=after, when=when))

    def clear_faults(self) -> None:
        self._faults.clear()

    def _take_fault(self, method: str, params: dict[str, Any]) -> _Fault | None:
        for fault in self._faults:
            if fault.times <= 0 or fault.method not in (method.lower(), "*"):
                continue
            if fault.when is not None and not fault.when(params):
                continue
            fault.times -= 1
            return fault
        return None

    # ------------------------------------------------------------------ internals

    def _store_file(
        self,
        data: bytes,
        kind: str,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> _File:
        n = next(self._ids)
        digest = hashlib.sha256(data).hexdigest()
        prefix = {"document": "BQACAgIAAxkBAAI", "photo": "AgACAgIAAxkBAAI"}.get(
            kind, "AwACAgIAAxkBAAI"
        )
        f = _File(
            file_id=f"{prefix}{n:06d}{digest[:24]}",
            file_unique_id=f"AgAD{digest[:12]}",
            data=data,
            kind=kind,
            file_name=file_name,
            mime_type=mime_type,
        )
        self._files[f.file_id] = f
        return f

    def _with_caption(self, content: dict[str, Any], caption: str | None) -> dict[str, Any]:
        if caption:
            content["caption"] = caption
            ents = _to_u16_entities(caption, _auto_entities(caption))
            if ents:
                content["caption_entities"] = ents
        return content

    def _entry(self, user: SimUser, message: dict[str, Any] | int) -> dict[str, Any]:
        state = self._chat(user)
        message_id = message if isinstance(message, int) else message.get("message_id")
        entry = state.by_id.get(message_id)  # type: ignore[arg-type]
        if entry is None:
            raise ValueError(f"no message {message_id} in chat {user.id}")
        return entry

    def _inject_message(
        self,
        user: SimUser,
        content: dict[str, Any],
        *,
        reply_to: dict[str, Any] | int | None = None,
    ) -> Injected:
        if user.blocked:
            raise ValueError(f"user {user.id} blocked the bot; api.unblock(user) first")
        state = self._chat(user)
        message: dict[str, Any] = {
            "message_id": state.next_message_id,
            "from": user.to_dict(),
            "chat": user.chat_dict(),
            "date": int(time.time()),
            **content,
        }
        if reply_to is not None:
            target = self._entry(user, reply_to)
            message["reply_to_message"] = _strip_reply(target["message"])
        state.next_message_id += 1
        entry = {
            "message_id": message["message_id"],
            "chat_id": user.id,
            "sender": "user",
            "method": None,
            "date": message["date"],
            "text": content.get("text", content.get("caption")),
            "rendered": content.get("text", content.get("caption")),
            "parse_mode": None,
            "reply_markup": None,
            "deleted": False,
            "edits": [],
            "message": message,
        }
        state.messages.append(entry)
        state.by_id[entry["message_id"]] = entry
        user.started = True
        return self._inject("message", copy.deepcopy(message), returned=message)

    def _inject(
        self,
        kind: str,
        body: dict[str, Any],
        *,
        returned: dict[str, Any] | None = None,
        validate: bool = True,
    ) -> Injected:
        update = {"update_id": self._next_update_id, kind: body}
        if validate:
            self._validate("Update", update, raise_now=True)
        self._next_update_id += 1
        self._pending.append(update)
        self.updates.append(update)
        self._notify()
        result = Injected(returned if returned is not None else body)
        result.update = update
        return result

    def _validate(self, cls_name: str, data: Any, *, raise_now: bool = False) -> None:
        if self._ptb is None or data is None or isinstance(data, bool):
            return
        cls = getattr(self._ptb, cls_name)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                payload = json.loads(json.dumps(data))
                if isinstance(payload, list):
                    cls.de_list(payload, None)
                else:
                    cls.de_json(payload, None)
        except Exception as exc:  # anything PTB raises is the finding
            problem = f"PTB 22.8 cannot parse this {cls_name}: {exc!r}: {data!r:.300}"
            if raise_now:
                raise StandInError(problem) from exc
            self.problems.append(problem)

    def _command_key(self, scope: Any, language_code: str | None) -> tuple[str, str]:
        scope = scope or {"type": "default"}
        return json.dumps(scope, sort_keys=True), language_code or ""

    @staticmethod
    def _inline_buttons(entry: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
        markup = entry.get("reply_markup") or {}
        rows = markup.get("inline_keyboard") or []
        return [(r, b) for r, row in enumerate(rows) for b in row]

    # ------------------------------------------------------------------ HTTP

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        match = re.fullmatch(r"/bot([^/]*)/([^/]+)/?", path)
        if match:
            return await self._handle_api(request, match[1], match[2])
        match = re.fullmatch(r"/file/bot([^/]*)/(.+)", path)
        if match and request.method in ("GET", "HEAD"):
            return await self._handle_file(request, match[1], match[2])
        return _error_response(404, "Not Found")

    def _token_error(self, token: str) -> web.Response | None:
        if token == self.token:
            return None
        if _TOKEN_RE.match(token):
            return _error_response(401, "Unauthorized")
        return _error_response(404, "Not Found")

    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, Upload] = {}
        if not request.body_exists:
            return raw, files
        ctype = request.content_type
        if ctype == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise _bad("request body must be a JSON object")
            raw.update(body)
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = Upload(key, value.filename, value.content_type, value.file.read())
                else:
                    raw[key] = value
        return raw, files

    async def _handle_api(self, request: web.Request, token: str, method: str) -> web.Response:
        denied = self._token_error(token)
        if denied is not None:
            return denied
        canonical = _CANONICAL.get(method.lower())
        call = Call(
            method=canonical or _UNIMPLEMENTED.get(method.lower(), method),
            params={},
            time=time.time(),
            http_method=request.method,
        )
        self.calls.append(call)
        is_poll = canonical == "getUpdates"
        if not is_poll:
            self._inflight += 1
        self._notify()
        status, body = 500, None
        try:
            try:
                raw, files = await self._read_params(request)
            except web.HTTPRequestEntityTooLarge:
                raise BotApiError(413, "Request Entity Too Large") from None
            except ValueError as exc:
                raise _bad("can't parse request body") from exc
            params = _Params(raw, files)
            call.params = params.decoded
            if canonical is None:
                if method.lower() in _UNIMPLEMENTED:
                    raise BotApiError(
                        501, f"Not Implemented: the Bot API stand-in does not serve {call.method}"
                    )
                raise BotApiError(404, "Not Found: method not found")
            fault = self._take_fault(canonical, call.params)
            if fault is not None:
                call.fault = fault.kind
                if fault.kind == "fail":
                    return self._fault_response(call, fault)
                if fault.kind == "drop" and not fault.after:
                    call.status = 0  # no answer at all
                    request.protocol.force_close()
                    return web.Response(status=500)
                if fault.kind == "delay":
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._closed.wait(), fault.seconds)
            handler = getattr(self, f"_m_{canonical.lower()}")
            result = await handler(params)
            call.executed = True
            status, body = 200, {"ok": True, "result": result}
            self._validate_result(canonical, result)
            if fault is not None and fault.kind == "drop":
                request.protocol.force_close()
                return web.Response(status=500)
        except BotApiError as exc:
            status = exc.status
            body = {"ok": False, "error_code": exc.status, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
        except Exception as exc:  # a stand-in bug must reach the test
            log.exception("Bot API stand-in failed on %s", call.method)
            self.problems.append(f"stand-in error on {call.method}: {exc!r}")
            status = 500
            body = {
                "ok": False,
                "error_code": 500,
                "description": f"Internal Server Error: {exc!r}",
            }
        finally:
            if call.status is None:
                call.status, call.response = status, body
            call.finished = time.time()
            call.delivered = request.transport is not None and not request.transport.is_closing()
            if not is_poll:
                self._inflight -= 1
            self._notify()
        return web.json_response(body, status=status, dumps=_dumps)

    def _fault_response(self, call: Call, fault: _Fault) -> web.Response:
        status = fault.status
        if status == 502:
            call.status, call.response = 502, _BAD_GATEWAY_HTML
            return web.Response(status=502, text=_BAD_GATEWAY_HTML, content_type="text/html")
        description = fault.description or {
            429: f"Too Many Requests: retry after {fault.retry_after}",
            400: "Bad Request: injected failure",
            403: "Forbidden: bot was blocked by the user",
            409: "Conflict: terminated by other getUpdates request; make sure that only one "
            "bot instance is running",
            500: "Internal Server Error",
        }.get(status, f"Error {status}")
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if fault.retry_after:
            body["parameters"] = {"retry_after": fault.retry_after}
        call.status, call.response = status, body
        return web.json_response(body, status=status)

    async def _handle_file(self, request: web.Request, token: str, path: str) -> web.Response:
        denied = self._token_error(token)
        if denied is not None:
            return denied
        call = Call(
            method="download", params={"file_path": path}, time=time.time(), http_method="GET"
        )
        self.calls.append(call)
        fault = self._take_fault("download", call.params)
        f = self._files_by_path.get(path)
        if fault is not None and fault.kind == "fail":
            call.fault = "fail"
            response: web.Response = _error_response(fault.status, fault.description or "Error")
        elif f is None:
            response = _error_response(404, "Not Found")
        else:
            self.downloads.append(path)
            call.executed = True
            response = web.Response(
                body=f.data, content_type=f.mime_type or "application/octet-stream"
            )
        call.status = response.status
        call.finished = time.time()
        call.delivered = True
        self._notify()
        return response

    def _validate_result(self, method: str, result: Any) -> None:
        cls = {
            "getMe": "User",
            "getFile": "File",
            "getWebhookInfo": "WebhookInfo",
            "stopPoll": "Poll",
            "getMyCommands": "BotCommand",
        }.get(method)
        if cls is None and isinstance(result, dict) and "message_id" in result:
            cls = "Message"
        if cls is not None:
            self._validate(cls, result)

    # ------------------------------------------------------------------ chat helpers

    def _target(self, p: _Params, *, sending: bool = True) -> _ChatState:
        if not p.has("chat_id"):
            raise _bad("chat_id is empty")
        try:
            chat_id = int(str(p.raw["chat_id"]).strip())
        except ValueError:
            raise _bad("chat not found") from None
        state = self._chats.get(chat_id)
        if state is None:
            raise _bad("chat not found")
        if sending:
            if state.user.blocked:
                raise BotApiError(403, "Forbidden: bot was blocked by the user")
            if not state.user.started:
                raise BotApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return state

    def _render(
        self,
        text: str | None,
        parse_mode: str | None,
        entities: Any,
        *,
        what: str = "text",
        auto: bool = True,
        trim: bool = True,
    ) -> tuple[str, list[dict[str, Any]]]:
        text = text or ""
        if parse_mode:
            mode = parse_mode.lower()
            parser = {
                "html": _parse_html,
                "markdownv2": _parse_markdown_v2,
                "markdown": _parse_markdown,
            }.get(mode)
            if parser is None:
                raise _bad("unsupported parse_mode")
            try:
                plain, ents = parser(text)
            except _ParseError as exc:
                raise _bad(f"can't parse entities: {exc}") from None
        elif entities:
            if not isinstance(entities, list):
                raise _bad("can't parse entities JSON object")
            plain, ents = text, _from_u16_entities(text, entities)
        else:
            plain, ents = text, []
        if trim:
            plain, ents = _trim(plain, ents)
        if auto:
            ents = ents + _auto_entities(plain, ents)
        return plain, _to_u16_entities(plain, ents)

    def _message_text(self, p: _Params) -> tuple[str, str | None, str, list[dict[str, Any]]]:
        text = p.str("text")
        parse_mode = p.str("parse_mode")
        rendered, entities = self._render(text, parse_mode, p.json("entities"))
        if not rendered:
            raise _bad("message text is empty")
        if len(rendered) > MAX_MESSAGE_LENGTH:
            raise _bad("message is too long")
        return text or "", parse_mode, rendered, entities

    def _caption(self, p: _Params) -> tuple[str | None, str | None, str, list[dict[str, Any]]]:
        caption = p.str("caption")
        parse_mode = p.str("parse_mode")
        rendered, entities = self._render(caption, parse_mode, p.json("caption_entities"))
        if len(rendered) > MAX_CAPTION_LENGTH:
            raise _bad("message caption is too long")
        return caption, parse_mode, rendered, entities

    def _markup(self, p: _Params, *, inline_only: bool = False) -> dict[str, Any] | None:
        markup = p.json("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad(
                    'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
                )
            for row in rows:
                for button in row:
                    _check_inline_button(button)
            return markup
        if inline_only:
            raise _bad("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
            for row in rows:
                for button in row:
                    label = button if isinstance(button, str) else (button or {}).get("text")
                    if not isinstance(label, str) or not label:
                        raise _bad("can't parse keyboard button: Text must be non-empty")
            return markup
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return markup
        raise _bad("can't parse reply keyboard markup JSON object")

    def _reply_target(self, state: _ChatState, p: _Params) -> dict[str, Any] | None:
        params = p.json("reply_parameters")
        if isinstance(params, dict):
            message_id = params.get("message_id")
            allow = bool(params.get("allow_sending_without_reply"))
        else:
            message_id = p.int("reply_to_message_id")
            allow = p.bool("allow_sending_without_reply")
        if message_id is None:
            return None
        entry = state.by_id.get(int(message_id))
        if entry is None or entry["deleted"]:
            if allow:
                return None
            raise _bad("message to be replied not found")
        return entry

    def _bot_message(
        self,
        state: _ChatState,
        method: str,
        p: _Params,
        content: dict[str, Any],
        *,
        text: str | None = None,
        parse_mode: str | None = None,
        rendered: str | None = None,
        entities: list[dict[str, Any]] | None = None,
        reply_markup: dict[str, Any] | None = None,
        reply_to: dict[str, Any] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": state.next_message_id,
            "from": self.bot_user,
            "chat": state.user.chat_dict(),
            "date": int(time.time()),
            **content,
        }
        if reply_to is not None:
            message["reply_to_message"] = _strip_reply(reply_to["message"])
        if reply_markup and "inline_keyboard" in reply_markup:
            message["reply_markup"] = reply_markup
        state.next_message_id += 1
        entry = {
            "message_id": message["message_id"],
            "chat_id": state.user.id,
            "sender": "bot",
            "method": method,
            "date": message["date"],
            "text": text,
            "parse_mode": parse_mode,
            "rendered": rendered,
            "entities": entities or [],
            "reply_markup": reply_markup,
            "reply_to_message_id": reply_to["message_id"] if reply_to else None,
            "params": p.decoded,
            "deleted": False,
            "edits": [],
            "message": message,
            **extra,
        }
        state.messages.append(entry)
        state.by_id[entry["message_id"]] = entry
        return message

    def _edit_target(self, p: _Params) -> dict[str, Any]:
        if p.has("inline_message_id") and not p.has("chat_id"):
            raise _bad("MESSAGE_ID_INVALID")
        state = self._target(p, sending=False)
        message_id = p.int("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        entry = state.by_id.get(message_id)
        if entry is None or entry["deleted"]:
            raise _bad("message to edit not found")
        if entry["sender"] != "bot":
            raise _bad("message can't be edited")
        return entry

    @staticmethod
    def _snapshot(entry: dict[str, Any], method: str) -> None:
        entry["edits"].append(
            {
                "time": time.time(),
                "method": method,
                "text": entry["text"],
                "parse_mode": entry["parse_mode"],
                "rendered": entry["rendered"],
                "entities": entry["entities"],
                "reply_markup": entry["reply_markup"],
            }
        )

    # ------------------------------------------------------------------ methods

    async def _m_getme(self, p: _Params) -> Any:
        return self.bot_user

    async def _m_logout(self, p: _Params) -> Any:
        return True

    async def _m_close(self, p: _Params) -> Any:
        return True

    async def _m_getupdates(self, p: _Params) -> Any:
        if self.webhook and self.webhook.get("url"):
            raise BotApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = p.int("offset", 0) or 0
        limit = max(1, min(100, p.int("limit", 100) or 100))
        timeout = max(0.0, min(p.float("timeout", 0.0) or 0.0, 120.0))
        allowed = p.json("allowed_updates")
        if allowed is not None:
            if not isinstance(allowed, list):
                raise _bad("can't parse allowed_updates JSON object")
            self._allowed_updates = set(allowed) or None
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # an older getUpdates still waiting is terminated (409)
        self._confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._waiting_polls += 1
        try:
            while True:
                if generation != self._poll_generation:
                    raise BotApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; make sure that only "
                        "one bot instance is running",
                    )
                batch = self._deliverable(limit)
                remaining = deadline - loop.time()
                if batch or self._closing or remaining <= 0:
                    break
                await self._wait_change(remaining)
        finally:
            self._waiting_polls -= 1
        for update in batch:
            self.deliveries[update["update_id"]] += 1
        return copy.deepcopy(batch)

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
            self._confirmed_offset = max(self._confirmed_offset, offset)
        elif offset < 0:
            keep = self._pending[offset:]
            self.dropped_updates.extend(u for u in self._pending if u not in keep)
            self._pending = keep

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        kept = []
        for update in self._pending:
            kind = next(k for k in update if k != "update_id")
            allowed = (
                kind in self._allowed_updates
                if self._allowed_updates is not None
                else kind not in _OPT_IN_UPDATES
            )
            if allowed:
                kept.append(update)
            else:
                self.dropped_updates.append(update)
        self._pending = kept
        return kept[:limit]

    async def _m_setwebhook(self, p: _Params) -> Any:
        url = p.str("url", "") or ""
        if p.bool("drop_pending_updates"):
            self.dropped_updates.extend(self._pending)
            self._pending = []
        if not url:
            self.webhook = None
            return True
        if not url.startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = {
            "url": url,
            "secret_token": p.str("secret_token"),
            "allowed_updates": p.json("allowed_updates"),
            "max_connections": p.int("max_connections"),
        }
        return True

    async def _m_deletewebhook(self, p: _Params) -> Any:
        if p.bool("drop_pending_updates"):
            self.dropped_updates.extend(self._pending)
            self._pending = []
        self.webhook = None
        return True

    async def _m_getwebhookinfo(self, p: _Params) -> Any:
        info: dict[str, Any] = {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook and self.webhook.get("max_connections"):
            info["max_connections"] = self.webhook["max_connections"]
        return info

    async def _m_sendmessage(self, p: _Params) -> Any:
        state = self._target(p)
        text, parse_mode, rendered, entities = self._message_text(p)
        markup = self._markup(p)
        reply_to = self._reply_target(state, p)
        content: dict[str, Any] = {"text": rendered}
        if entities:
            content["entities"] = entities
        return self._bot_message(
            state,
            "sendMessage",
            p,
            content,
            text=text,
            parse_mode=parse_mode,
            rendered=rendered,
            entities=entities,
            reply_markup=markup,
            reply_to=reply_to,
        )

    async def _m_editmessagetext(self, p: _Params) -> Any:
        entry = self._edit_target(p)
        message = entry["message"]
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        text, parse_mode, rendered, entities = self._message_text(p)
        markup = self._markup(p, inline_only=True)
        if (
            rendered == entry["rendered"]
            and entities == entry["entities"]
            and markup == entry["reply_markup"]
        ):
            raise _bad(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        self._snapshot(entry, "editMessageText")
        entry.update(
            text=text,
            parse_mode=parse_mode,
            rendered=rendered,
            entities=entities,
            reply_markup=markup,
        )
        message["text"] = rendered
        message.pop("entities", None)
        if entities:
            message["entities"] = entities
        message.pop("reply_markup", None)  # an edit without reply_markup drops the keyboard
        if markup:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return message

    async def _m_editmessagecaption(self, p: _Params) -> Any:
        entry = self._edit_target(p)
        message = entry["message"]
        if not any(k in message for k in ("document", "photo")):
            raise _bad("there is no caption in the message to edit")
        caption, parse_mode, rendered, entities = self._caption(p)
        markup = self._markup(p, inline_only=True)
        if (
            rendered == (entry["rendered"] or "")
            and entities == entry["entities"]
            and markup == entry["reply_markup"]
        ):
            raise _bad(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        self._snapshot(entry, "editMessageCaption")
        entry.update(
            text=caption,
            parse_mode=parse_mode,
            rendered=rendered,
            entities=entities,
            reply_markup=markup,
        )
        for key in ("caption", "caption_entities", "reply_markup"):
            message.pop(key, None)
        if rendered:
            message["caption"] = rendered
        if entities:
            message["caption_entities"] = entities
        if markup:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return message

    async def _m_editmessagereplymarkup(self, p: _Params) -> Any:
        entry = self._edit_target(p)
        markup = self._markup(p, inline_only=True)
        if markup == entry["reply_markup"] or (not markup and not entry["reply_markup"]):
            raise _bad(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        self._snapshot(entry, "editMessageReplyMarkup")
        entry["reply_markup"] = markup
        message = entry["message"]
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return message

    async def _m_deletemessage(self, p: _Params) -> Any:
        state = self._target(p, sending=False)
        message_id = p.int("message_id")
        entry = state.by_id.get(message_id) if message_id is not None else None
        if entry is None or entry["deleted"]:
            raise _bad("message to delete not found")
        entry["deleted"] = True
        entry["deleted_at"] = time.time()
        return True

    async def _m_deletemessages(self, p: _Params) -> Any:
        state = self._target(p, sending=False)
        ids = p.json("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise _bad("message_ids must be a non-empty list of at most 100 identifiers")
        for message_id in ids:
            entry = state.by_id.get(int(message_id))
            if entry is not None and not entry["deleted"]:
                entry["deleted"] = True
                entry["deleted_at"] = time.time()
        return True

    async def _m_answercallbackquery(self, p: _Params) -> Any:
        query_id = p.str("callback_query_id")
        if not query_id:
            raise _bad("query_id is empty")
        record = next((q for q in self.callback_queries if q["id"] == query_id), None)
        if record is None or record["answered"]:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        text = p.str("text")
        if text is not None and len(text) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        record["answered"] = True
        record["answer"] = {
            "text": text,
            "show_alert": p.bool("show_alert"),
            "url": p.str("url"),
            "cache_time": p.int("cache_time"),
        }
        return True

    async def _m_sendchataction(self, p: _Params) -> Any:
        self._target(p)
        action = p.str("action")
        if not action:
            raise _bad("action is empty")
        if action not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    async def _m_setmycommands(self, p: _Params) -> Any:
        commands = p.json("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad("can't parse commands JSON object")
        clean = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand JSON object")
            name = command.get("command", "")
            description = command.get("description", "")
            if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name.lstrip("/")):
                raise _bad("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name.lstrip("/"), "description": description})
        language = p.str("language_code", "") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _bad("invalid language code specified")
        self._commands[self._command_key(p.json("scope"), language)] = clean
        return True

    async def _m_getmycommands(self, p: _Params) -> Any:
        return self.commands(p.json("scope"), p.str("language_code", "") or "")

    async def _m_deletemycommands(self, p: _Params) -> Any:
        self._commands.pop(self._command_key(p.json("scope"), p.str("language_code", "")), None)
        return True

    async def _m_setmydescription(self, p: _Params) -> Any:
        self.bot_settings[("description", p.str("language_code", "") or "")] = p.str("description")
        return True

    async def _m_setmyshortdescription(self, p: _Params) -> Any:
        key = ("short_description", p.str("language_code", "") or "")
        self.bot_settings[key] = p.str("short_description")
        return True

    async def _m_setmyname(self, p: _Params) -> Any:
        self.bot_settings[("name", p.str("language_code", "") or "")] = p.str("name")
        return True

    async def _m_setchatmenubutton(self, p: _Params) -> Any:
        self.bot_settings[("menu_button", p.int("chat_id"))] = p.json("menu_button")
        return True

    async def _m_sendpoll(self, p: _Params) -> Any:
        state = self._target(p)
        question = p.str("question")
        if not question or not question.strip():
            raise _bad("poll question must be non-empty")
        q_text, q_entities = self._render(
            question, p.str("question_parse_mode"), p.json("question_entities"), auto=False
        )
        if len(q_text) > POLL_MAX_QUESTION:
            raise _bad(f"poll question length must not exceed {POLL_MAX_QUESTION}")
        raw_options = p.json("options")
        if not isinstance(raw_options, list):
            raise _bad("can't parse options JSON object")
        minimum = 1 if p.bool("allow_adding_options") else 2
        if len(raw_options) < minimum:
            raise _bad(f"poll must have at least {minimum} option" + ("s" if minimum > 1 else ""))
        if len(raw_options) > POLL_MAX_OPTIONS:
            raise _bad(f"poll can't have more than {POLL_MAX_OPTIONS} options")
        poll_id = str(5_300_000_000_000_000_000 + next(self._ids))
        options = []
        for i, option in enumerate(raw_options):
            if isinstance(option, str):
                option = {"text": option}
            if not isinstance(option, dict) or not isinstance(option.get("text"), str):
                raise _bad("can't parse InputPollOption JSON object")
            o_text, o_entities = self._render(
                option["text"],
                option.get("text_parse_mode"),
                option.get("text_entities"),
                auto=False,
            )
            if not o_text:
                raise _bad("poll options must be non-empty")
            if len(o_text) > POLL_MAX_OPTION:
                raise _bad(f"poll options length must not exceed {POLL_MAX_OPTION}")
            built: dict[str, Any] = {
                "text": o_text,
                "voter_count": 0,
                "persistent_id": f"{poll_id[-6:]}o{i}",
            }
            if o_entities:
                built["text_entities"] = o_entities
            options.append(built)
        if len({o["text"] for o in options}) != len(options):
            raise _bad("POLL_OPTION_DUPLICATE")
        poll_type = p.str("type") or "regular"
        if poll_type not in ("regular", "quiz"):
            raise _bad("wrong poll type specified")
        multiple = p.bool("allows_multiple_answers")
        correct = p.json("correct_option_ids")
        if correct is None and p.has("correct_option_id"):
            correct = [p.int("correct_option_id")]
        poll: dict[str, Any] = {
            "id": poll_id,
            "question": q_text,
            "options": options,
            "total_voter_count": 0,
            "is_closed": p.bool("is_closed"),
            "is_anonymous": p.bool("is_anonymous", True),
            "type": poll_type,
            "allows_multiple_answers": multiple,
            "allows_revoting": p.bool("allows_revoting", poll_type != "quiz"),
            "members_only": p.bool("members_only"),
        }
        if q_entities:
            poll["question_entities"] = q_entities
        if poll_type == "quiz":
            if (
                not isinstance(correct, list)
                or not correct
                or any(not isinstance(c, int) or not 0 <= c < len(options) for c in correct)
                or len(set(correct)) != len(correct)
                or (len(correct) > 1 and not multiple)
            ):
                raise _bad("wrong correct option IDs specified")
            poll["correct_option_ids"] = correct
        if p.has("explanation"):
            e_text, e_entities = self._render(
                p.str("explanation"),
                p.str("explanation_parse_mode"),
                p.json("explanation_entities"),
                auto=False,
            )
            if len(e_text) > POLL_MAX_EXPLANATION:
                raise _bad(f"explanation length must not exceed {POLL_MAX_EXPLANATION}")
            if e_text.count("\n") > POLL_MAX_EXPLANATION_LINE_FEEDS:
                raise _bad(
                    f"explanation can't contain more than {POLL_MAX_EXPLANATION_LINE_FEEDS} line feeds"
                )
            if e_text:
                poll["explanation"] = e_text
                if e_entities:
                    poll["explanation_entities"] = e_entities
        open_period = p.int("open_period")
        if open_period is not None:
            if not 5 <= open_period <= 2_628_000:
                raise _bad("invalid open_period specified")
            poll["open_period"] = open_period
            poll["close_date"] = int(time.time()) + open_period
        elif p.has("close_date"):
            poll["close_date"] = p.int("close_date")
        markup = self._markup(p)
        reply_to = self._reply_target(state, p)
        message = self._bot_message(
            state,
            "sendPoll",
            p,
            {"poll": poll},
            reply_markup=markup,
            reply_to=reply_to,
            poll=poll,
            rendered=q_text,
        )
        self.polls[poll_id] = {
            "poll": poll,
            "chat_id": state.user.id,
            "message_id": message["message_id"],
            "votes": {},
        }
        return message

    async def _m_stoppoll(self, p: _Params) -> Any:
        state = self._target(p, sending=False)
        message_id = p.int("message_id")
        entry = state.by_id.get(message_id) if message_id is not None else None
        if entry is None or entry["deleted"] or "poll" not in entry["message"]:
            raise _bad("message with poll to stop not found")
        poll = entry["message"]["poll"]
        if poll["is_closed"]:
            raise _bad("poll has already been closed")
        markup = self._markup(p, inline_only=True)
        poll["is_closed"] = True
        if markup is not None:
            self._snapshot(entry, "stopPoll")
            entry["reply_markup"] = markup
            entry["message"]["reply_markup"] = markup
        self._inject("poll", copy.deepcopy(poll))
        return copy.deepcopy(poll)

    def _input_file(self, p: _Params, name: str, kind: str) -> _File:
        value = p.raw.get(name)
        upload = p.files.get(name)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = p.files.get(value[len("attach://") :])
        if upload is not None:
            if not upload.data:
                raise _bad("file must be non-empty")
            mime = upload.content_type
            if not mime or mime == "application/octet-stream":
                mime = mimetypes.guess_type(upload.filename or "")[0] or mime
            return self._store_file(upload.data, kind, file_name=upload.filename, mime_type=mime)
        if not value:
            raise _bad(f"there is no {name} in the request")
        if str(value).startswith(("http://", "https://")):
            raise _bad("failed to get HTTP URL content")
        known = self._files.get(str(value))
        if known is None:
            raise _bad("wrong file identifier/HTTP URL specified")
        return known

    async def _m_senddocument(self, p: _Params) -> Any:
        state = self._target(p)
        f = self._input_file(p, "document", "document")
        caption, parse_mode, rendered, entities = self._caption(p)
        markup = self._markup(p)
        reply_to = self._reply_target(state, p)
        document: dict[str, Any] = {"file_id": f.file_id, "file_unique_id": f.file_unique_id}
        if f.file_name:
            document["file_name"] = f.file_name
        if f.mime_type:
            document["mime_type"] = f.mime_type
        document["file_size"] = len(f.data)
        content: dict[str, Any] = {"document": document}
        if rendered:
            content["caption"] = rendered
        if entities:
            content["caption_entities"] = entities
        return self._bot_message(
            state,
            "sendDocument",
            p,
            content,
            text=caption,
            parse_mode=parse_mode,
            rendered=rendered,
            entities=entities,
            reply_markup=markup,
            reply_to=reply_to,
            document=document,
            file_bytes=f.data,
        )

    async def _m_sendphoto(self, p: _Params) -> Any:
        state = self._target(p)
        f = self._input_file(p, "photo", "photo")
        caption, parse_mode, rendered, entities = self._caption(p)
        markup = self._markup(p)
        reply_to = self._reply_target(state, p)
        thumb = self._store_file(f.data, "photo", mime_type=f.mime_type)
        photo = [
            {
                "file_id": thumb.file_id,
                "file_unique_id": thumb.file_unique_id,
                "file_size": len(f.data),
                "width": 90,
                "height": 90,
            },
            {
                "file_id": f.file_id,
                "file_unique_id": f.file_unique_id,
                "file_size": len(f.data),
                "width": 800,
                "height": 800,
            },
        ]
        content: dict[str, Any] = {"photo": photo}
        if rendered:
            content["caption"] = rendered
        if entities:
            content["caption_entities"] = entities
        return self._bot_message(
            state,
            "sendPhoto",
            p,
            content,
            text=caption,
            parse_mode=parse_mode,
            rendered=rendered,
            entities=entities,
            reply_markup=markup,
            reply_to=reply_to,
            photo=photo,
            file_bytes=f.data,
        )

    async def _m_getfile(self, p: _Params) -> Any:
        file_id = p.str("file_id")
        if not file_id:
            raise _bad("file_id is empty")
        f = self._files.get(file_id)
        if f is None:
            raise _bad("invalid file_id")
        if len(f.data) > MAX_DOWNLOAD_BYTES:
            raise _bad("file is too big")
        if f.file_path is None:
            folder = {
                "document": "documents",
                "photo": "photos",
                "voice": "voice",
                "sticker": "stickers",
            }
            ext = ""
            if f.file_name and "." in f.file_name:
                ext = "." + f.file_name.rsplit(".", 1)[1]
            elif f.mime_type:
                ext = mimetypes.guess_extension(f.mime_type) or ""
            f.file_path = f"{folder.get(f.kind, 'files')}/file_{next(self._ids)}{ext}"
            self._files_by_path[f.file_path] = f
        return {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "file_size": len(f.data),
            "file_path": f.file_path,
        }


# --------------------------------------------------------------------------- helpers


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str):
        raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
    if not text.strip():
        raise _bad("BUTTON_TEXT_INVALID")
    actions = [
        k
        for k in (
            "url",
            "callback_data",
            "web_app",
            "login_url",
            "switch_inline_query",
            "switch_inline_query_current_chat",
            "switch_inline_query_chosen_chat",
            "copy_text",
            "callback_game",
            "pay",
        )
        if k in button
    ]
    if not actions:
        raise _bad(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if (
            not isinstance(data, str)
            or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
        ):
            raise _bad("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not re.match(r"^(https?|tg)://\S+$", url):
            raise _bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def _strip_reply(message: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(message)
    out.pop("reply_to_message", None)
    return out


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _error_response(status: int, description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": status, "description": description}, status=status
    )


def _load_ptb() -> Any:
    try:
        import telegram  # optional: used to validate what is served
    except ImportError:  # pragma: no cover - PTB is what the bot runs on
        return None
    return telegram
