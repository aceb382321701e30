"""Bot load benchmark (not a test): simulated people asking the real bot at once.

    .venv/bin/python bench/bot_load.py [--people 200] [--questions 5] [--mode embedded|server]

Ingests the sample content into a temporary home and runs the real python-telegram-bot
Application (polling) in this process, and the Bot API stand-in with the simulated people
in another, as Telegram would be. Every person registers with an invite code, then all
ask their questions at once, each waiting for the answer and a think time (uniform,
0 to --think seconds) before asking the next, as a guide at a counter would. Checks
that no message was lost or answered twice and that every exchange was stored exactly
once; prints throughput and reply latency percentiles as JSON.

`--mode server` runs the same against a throwaway PostgreSQL (index registry, people,
exchanges) and a `chroma run` server on 127.0.0.1, started as the test suite starts them
(tests/servers.py); `embedded` (the default) uses SQLite and embedded Chroma.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.timing import percentile  # noqa: E402
from bot.access import create_invite  # noqa: E402
from bot.channels.telegram_bot import TelegramBot  # noqa: E402
from bot.conversation import Conversation  # noqa: E402
from bot.evaluate import load_golden  # noqa: E402
from bot.service import Services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.store import Exchange  # noqa: E402
from ingest.pipeline import ingest  # noqa: E402
from tests.servers import chroma_server, postgres_server  # noqa: E402
from tests.telegram_standin import DEFAULT_TOKEN, BotApiStandIn, SimUser  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


async def person_session(api: BotApiStandIn, user: SimUser, questions: list[str],
                         latencies: list[float], think_s: float, rng: random.Random) -> None:
    for question in questions:
        await asyncio.sleep(rng.uniform(0, think_s))  # reading the last answer, typing
        before = len(api.sent(user))
        started = time.perf_counter()
        api.send_text(user, question)
        await api.wait_sent(user, before + 1, timeout=300)
        latencies.append(time.perf_counter() - started)


async def registered_guides(api: BotApiStandIn, people: int, first_id: int, code: str) -> list[SimUser]:
    """`people` guides who have each sent `/start CODE` and had the bot's reply."""
    users = [api.user(first_id + i, f"Guide{i}", language_code="zh-hans") for i in range(people)]
    for user in users:
        api.send_text(user, f"/start {code}")
    await api.wait_for(lambda: all(len(api.sent(u)) >= 1 for u in users), timeout=300,
                       what="every guide registered")
    return users


async def telegram_side(conn: Connection, people: int, per_person: int, code: str, think_s: float) -> None:
    """The simulated people and the Bot API stand-in: a process of their own, as
    Telegram is for a real bot."""
    pool = [q.question for q in load_golden(REPO / "eval" / "questions.jsonl")]
    rng = random.Random(7)
    async with BotApiStandIn() as api:
        conn.send(api.url)
        users = await registered_guides(api, people, 500_000, code)
        latencies: list[float] = []
        started = time.perf_counter()
        await asyncio.gather(*(
            person_session(api, u, rng.sample(pool, per_person), latencies, think_s,
                           random.Random(u.id)) for u in users
        ))
        elapsed = time.perf_counter() - started
        await asyncio.sleep(1.0)  # anything sent twice would arrive now
        replies = [len(api.sent(u)) - 1 for u in users]
        conn.send({"latencies": latencies, "elapsed": elapsed, "replies": replies})
        await asyncio.to_thread(conn.recv)  # until the bot has stopped polling


def telegram_process(conn: Connection, people: int, per_person: int, code: str, think_s: float) -> None:
    asyncio.run(telegram_side(conn, people, per_person, code, think_s))


async def bot_side(settings: Settings, conversation: Conversation, conn: Connection,
                   registered: threading.Event | None = None) -> dict[str, Any]:
    """The real bot polling the stand-in until the other side sends its result. With
    `registered`, the other side first says when every guide has registered."""
    url = await asyncio.to_thread(conn.recv)
    app = TelegramBot(settings, conversation).build(DEFAULT_TOKEN, url)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0)
        if registered is not None:
            await asyncio.to_thread(conn.recv)
            registered.set()
        result: dict[str, Any] = await asyncio.to_thread(conn.recv)
        await app.updater.stop()
        await app.stop()
    conn.send("stopped")
    return result


@contextmanager
def bot_settings(mode: str, home: Path, **fields: object) -> Iterator[Settings]:
    """Settings for one deployment shape; server mode starts its servers for the run."""
    if mode == "embedded":
        yield Settings(home=home, **fields)
        return
    with postgres_server() as url, chroma_server(home) as (host, port):
        yield Settings(home=home / "home", database_url=url, chroma_mode="http",
                       chroma_host=host, chroma_port=port, **fields)


def run(people: int, per_person: int, think_s: float, settings: Settings) -> dict[str, object]:
    ingest(settings, [REPO / "knowledge", REPO / "sop"])
    services = Services(settings)
    services.answerer.answer("warm up")
    conversation = Conversation(settings, services)
    with conversation.sessions.begin() as session:
        code = create_invite(session, store="压测店", role="guide", max_uses=people).code
    parent, child = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=telegram_process, args=(child, people, per_person, code, think_s)
    )
    process.start()
    try:
        outcome = asyncio.run(bot_side(settings, conversation, parent))
    finally:
        process.join(timeout=60)
    latencies, replies = outcome["latencies"], outcome["replies"]
    with conversation.sessions() as session:
        stored = session.scalar(select(func.count(Exchange.id))) or 0
        distinct = session.scalar(select(func.count(func.distinct(Exchange.update_key)))) or 0
    expected = people * per_person
    return {
        "people": people,
        "questions": expected,
        "think_time_s": f"0-{think_s:g} (uniform) before each question",
        "replies": sum(replies),
        "people_with_wrong_reply_count": sum(1 for n in replies if n != per_person),
        "exchanges_stored": stored,
        "exchanges_distinct": distinct,
        "seconds": round(outcome["elapsed"], 2),
        "answers_per_s": round(expected / outcome["elapsed"], 1),
        "reply_p50_ms": round(statistics.median(latencies) * 1000, 1),
        "reply_p95_ms": round(percentile(latencies, 95) * 1000, 1),
        "reply_max_ms": round(max(latencies) * 1000, 1),
        "ok": stored == distinct == expected and all(n == per_person for n in replies),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--think", type=float, default=10.0, help="max seconds between questions")
    parser.add_argument("--mode", choices=["embedded", "server"], default="embedded")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home, \
            bot_settings(args.mode, Path(home), rate_limit_count=args.questions + 5) as settings:
        result = {"mode": args.mode, **run(args.people, args.questions, args.think, settings)}
    print(json.dumps(result, indent=2, ensure_ascii=False))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
