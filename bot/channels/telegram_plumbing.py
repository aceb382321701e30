"""python-telegram-bot plumbing: per-person ordering with concurrency across people,
retries for Telegram's transient failures (keeping the token out of logs: bot/redaction.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import httpx
from telegram import Update
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import AIORateLimiter, BaseUpdateProcessor

log = logging.getLogger(__name__)

__all__ = ["PerPersonUpdateProcessor", "RetryingRateLimiter", "UnconfirmedSend"]

NETWORK_RETRIES = 3
BACKOFF_S = 0.5


class PerPersonUpdateProcessor(BaseUpdateProcessor):
    """Updates from different people run concurrently; one person's updates run one at a
    time, in the order Telegram delivered them (asyncio.Lock wakes waiters FIFO)."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, list[int]]] = {}  # lock, [holders + waiters]

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await coroutine
            return
        # The lock is dropped only when nobody holds or awaits it: dropping it as soon as
        # it is released would let a later update of the same person run beside the
        # waiter that was just woken.
        lock, users = self._locks.setdefault(user.id, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                await coroutine
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._locks[user.id]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


class UnconfirmedSend(TimedOut):
    """A send that reached Telegram but got no answer in time: it is not sent again
    (Telegram has most likely delivered it, and a resend would show it twice)."""


def _reached_telegram(exc: Exception) -> bool:
    """The whole request was written and the wait for the answer timed out. A
    connection dropped mid-way (httpx's RemoteProtocolError, ReadError) cannot tell
    whether Telegram acted, so those are resent: at least once, never lost."""
    return isinstance(exc.__cause__, httpx.ReadTimeout)


def _repeatable(endpoint: str) -> bool:
    """Calls that do the same thing twice without a second effect the person sees
    (edits, answers to button presses, the typing action, reads), and quiz polls: a
    poll the bot never heard back about cannot be answered (its id is unknown), so a
    second copy is the lesser harm. Other sends post a new message each time."""
    method = endpoint.lower()
    return method in ("sendchataction", "sendpoll") or not method.startswith(("send", "copymessage", "forwardmessage"))


class RetryingRateLimiter(AIORateLimiter):
    """AIORateLimiter retries 429s after `retry_after`; this also retries timeouts and
    dropped connections with backoff (never bad requests, which would fail again), and
    never repeats a send that reached Telegram (UnconfirmedSend)."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        attempt = 0
        while True:
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except BadRequest:
                raise
            except (TimedOut, NetworkError) as exc:
                if not _repeatable(endpoint) and _reached_telegram(exc):
                    log.warning("Telegram %s reached Telegram but its answer timed out; not sent again",
                                endpoint)
                    raise UnconfirmedSend("sent, but Telegram's answer did not come in time") from exc
                if endpoint == "getUpdates" or attempt >= NETWORK_RETRIES:
                    raise
                attempt += 1
                log.warning("Telegram %s failed (%s); retry %d", endpoint, exc.__class__.__name__, attempt)
                await asyncio.sleep(BACKOFF_S * 2 ** (attempt - 1))
