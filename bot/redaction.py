"""Secrets (the bot token, the LLM key, the database password) never reach a log line,
an error message or anything else printed.

Libraries put them in text we do not write: httpx logs request URLs (the Bot API URL
holds the token), SQLAlchemy and drivers quote connection URLs, providers echo keys in
their errors. So besides keeping them out of our own messages, every log record and
every error the command line prints goes through `redact`: known secret values are
replaced, and so is the password part of any URL (scheme://user:PASSWORD@host).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from bot.privacy import mask_personal_data

MARK = "[REDACTED]"
MIN_SECRET_CHARS = 3  # shorter values would blank out ordinary words
_URL_PASSWORD = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]*:)[^\s@/]+(@)")


def hide_password(url: str) -> str:
    """A URL safe to show: scheme://user:***@host/db."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can parse: fall back to the pattern
        return _URL_PASSWORD.sub(r"\1***\2", url)


def database_password(url: str) -> str | None:
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).password
    except Exception:
        return None


def settings_secrets(settings: Any) -> list[str]:
    """The secret values in a Settings object, for `redact` and `protect_logs`."""
    values = [s.get_secret_value() for s in (getattr(settings, "telegram_token", None),
                                               getattr(settings, "llm_api_key", None),
                                               getattr(settings, "dashboard_secret", None)) if s is not None]
    password = database_password(settings.db_url)
    if password:
        values.append(password)
    return values


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with each secret value and every URL password replaced."""
    for secret in sorted((s for s in secrets if len(s) >= MIN_SECRET_CHARS), key=len, reverse=True):
        text = text.replace(secret, MARK)
    return _URL_PASSWORD.sub(rf"\1{MARK}\2", text)


class RedactSecrets(logging.Filter):
    """Redacts secrets in a log record's message and in its traceback text, and masks
    customers' numbers there too: at DEBUG, python-telegram-bot logs whole updates,
    the text a guide typed before guidebot masked it."""

    def __init__(self, *secrets: str) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = mask_personal_data(redact(message, self._secrets))
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(redact(record.exc_text, self._secrets))
        return True


def protect_logs(*secrets: str) -> None:
    """Quiet httpx's request-URL logging and redact secrets on every root handler."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    redact_filter = RedactSecrets(*secrets)
    root = logging.getLogger()
    for handler in root.handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactSecrets)]:
            handler.removeFilter(old)
        handler.addFilter(redact_filter)
    for old in [f for f in root.filters if isinstance(f, RedactSecrets)]:
        root.removeFilter(old)
    root.addFilter(redact_filter)
