"""`guidebot serve`: everything that serves people, in one process and one event loop:
the dashboard always, the Telegram bot when a token is set."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import signal
import socket
import sys
import threading
from collections.abc import Iterator

import uvicorn

from bot.conversation import Conversation
from bot.redaction import hide_password, protect_logs, settings_secrets
from bot.service import Services
from bot.settings import Settings
from ingest.index import IndexMissing


class ServeError(RuntimeError):
    pass


def dashboard_url(settings: Settings) -> str:
    return f"http://{settings.dashboard_host}:{settings.dashboard_port}"


def check_port(settings: Settings) -> None:
    """Say clearly when the dashboard's port is taken, before anything starts."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((settings.dashboard_host, settings.dashboard_port))
        except OSError as exc:
            reason = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be used ({exc.strerror})"
            raise ServeError(f"dashboard port {settings.dashboard_port} {reason}: "
                             "set GUIDEBOT_DASHBOARD_PORT to another port") from None


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: `serve` owns SIGINT/SIGTERM and stops
    the bot and the dashboard together."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def dashboard_server(settings: Settings, services: Services) -> uvicorn.Server:
    from bot.dashboard.app import create_app

    trusted = settings.dashboard_trusted_proxies
    config = uvicorn.Config(create_app(settings, services), host=settings.dashboard_host,
                            port=settings.dashboard_port, log_level="warning", access_log=False,
                            lifespan="off", proxy_headers=bool(trusted), forwarded_allow_ips=trusted or None)
    return _Server(config)


def serve(settings: Settings) -> int:
    logging.getLogger().setLevel(settings.log_level.upper())
    protect_logs(*settings_secrets(settings))
    check_port(settings)
    services = Services(settings)
    try:
        services.answerer.answer("warm up")  # load models and open the index before serving
    except IndexMissing:
        print("guidebot: nothing ingested yet: upload documents in the dashboard or run `guidebot ingest`",
              file=sys.stderr, flush=True)
    return asyncio.run(_serve(settings, services))


async def _serve(settings: Settings, services: Services) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    server = dashboard_server(settings, services)
    tasks = [asyncio.create_task(server.serve())]
    while not server.started and not tasks[0].done():  # say where only once it listens
        await asyncio.sleep(0.05)
    if tasks[0].done():
        raise ServeError(f"the dashboard could not start on {dashboard_url(settings)}")
    print(f"guidebot: dashboard at {dashboard_url(settings)}", file=sys.stderr, flush=True)
    if settings.telegram_token is not None:
        from bot.channels.telegram_bot import TelegramBot, run_telegram

        bot = TelegramBot(settings, Conversation(settings, services))
        where = hide_password(settings.telegram_api_url) if settings.telegram_api_url else "Telegram"
        print(f"guidebot: Telegram bot running ({settings.telegram_mode} via {where}); Ctrl-C to stop",
              file=sys.stderr, flush=True)
        tasks.append(asyncio.create_task(
            run_telegram(bot, settings.telegram_token.get_secret_value(), settings.telegram_api_url, stop)))
    else:
        print("guidebot: no GUIDEBOT_TELEGRAM_TOKEN, so no Telegram bot; Ctrl-C to stop",
              file=sys.stderr, flush=True)
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({stopping, *tasks}, return_when=asyncio.FIRST_COMPLETED)
    asked_to_stop = stopping.done()
    stop.set()
    server.should_exit = True
    results = await asyncio.gather(*tasks, return_exceptions=True)
    failed = [r for r in results if isinstance(r, BaseException)]
    if failed and not asked_to_stop:  # nobody asked to stop: something gave up
        raise ServeError(f"stopped: {failed[0].__class__.__name__}: {failed[0]}")
    return 0


def dashboard_in_background(settings: Settings, services: Services) -> uvicorn.Server:
    """The dashboard on a thread of its own, beside the terminal chat."""
    check_port(settings)
    server = dashboard_server(settings, services)
    threading.Thread(target=server.run, name="dashboard", daemon=True).start()
    return server
