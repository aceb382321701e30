"""`guidebot serve`: everything that serves people, in one process and one event loop
(the Telegram bot now; the dashboard joins here later)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from bot.channels.telegram_bot import TelegramBot, run_telegram
from bot.conversation import Conversation
from bot.redaction import hide_password, protect_logs, settings_secrets
from bot.service import Services
from bot.settings import Settings


def serve(settings: Settings) -> int:
    assert settings.telegram_token is not None
    token = settings.telegram_token.get_secret_value()
    logging.getLogger().setLevel(settings.log_level.upper())
    protect_logs(*settings_secrets(settings))
    services = Services(settings)
    services.answerer.answer("warm up")  # load models and open the index before polling
    bot = TelegramBot(settings, Conversation(settings, services))
    return asyncio.run(_serve(bot, token, settings.telegram_api_url))


async def _serve(bot: TelegramBot, token: str, api_url: str | None) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    where = hide_password(api_url) if api_url else "Telegram"
    print(f"guidebot: Telegram bot running ({bot.settings.telegram_mode} via {where}); "
          "Ctrl-C to stop", file=sys.stderr, flush=True)
    await run_telegram(bot, token, api_url, stop)
    return 0
