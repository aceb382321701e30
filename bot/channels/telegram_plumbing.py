"""python-telegram-bot plumbing: per-person ordering with concurrency across people,
retries for Telegram's transient failures (keeping the token out of logs: bot/redaction.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import AIORateLimiter, BaseUpdateProcessor

log = logging.getLogger(__name__)

__all__ = ["PerPersonUpdateProcessor", "RetryingRateLimiter"]

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


class RetryingRateLimiter(AIORateLimiter):
    """AIORateLimiter retries 429s after `retry_after`; this also retries timeouts and
    dropped connections with backoff (never bad requests, which would fail again)."""

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
                if endpoint == "getUpdates" or attempt >= NETWORK_RETRIES:
                    raise
                attempt += 1
                log.warning("Telegram %s failed (%s); retry %d", endpoint, exc.__class__.__name__, attempt)
                await asyncio.sleep(BACKOFF_S * 2 ** (attempt - 1))
