"""Fault and load benchmark (not a test): guides asking the real bot while everything
that can go wrong in a shop chain's week goes wrong.

    PYTHONPATH=. .venv/bin/python bench/fault_load.py [--mode embedded|server]
        [--people 40] [--questions 50] [--upload-every 3]

The real python-telegram-bot Application polls a Bot API stand-in that runs, with the
simulated guides, in a process of its own (as Telegram would). Meanwhile, in the bot's
process:
- a content owner uploads a changed SOP every `--upload-every` seconds through the same
  path as the dashboard (bot.content.save_upload, then ingest_uploads: ingest, then the question bank),
  so index generations are published all the time;
- the Bot API misbehaves on a schedule: sends whose answer times out after Telegram
  delivered them, 502s, 429s and dropped connections;
- in server mode (PostgreSQL and a `chroma run` server), the database and then the
  Chroma server are stopped and started again mid-run.

Each guide asks a question, waits for the reply and asks the next. Afterwards every
question is classed by what the guide saw: answered (one reply, not an error), failed
(the error reply), duplicated (more than one reply), lost (no reply within 120 s), and
degraded (answered while the vector store was unreachable, from the lexical index only).
Prints the counts as JSON; exits non-zero unless failed, degraded, duplicated and lost
are all 0 and the process did not crash.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bot_load import bot_side, registered_guides  # noqa: E402
from bot.access import create_invite  # noqa: E402
from bot.content import ingest_uploads, save_upload  # noqa: E402
from bot.conversation import Conversation  # noqa: E402
from bot.evaluate import load_golden  # noqa: E402
from bot.messages import say  # noqa: E402
from bot.service import Services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from ingest.pipeline import ingest  # noqa: E402
from tests.servers import PostgresServer, chroma_server, free_port  # noqa: E402
from tests.telegram_standin import BotApiStandIn, SimUser  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
REPLY_TIMEOUT_S = 120
ERROR_TEXTS = (say("error", "zh"), say("error", "en"))
UPLOADED = "# 临时促销规则\n\n## 规则\n\n1. 本周促销第{n}轮：满300减{n}元，会员再享9.5折。\n"


async def person(api: BotApiStandIn, user: SimUser, questions: list[str], outcome: dict[str, int],
                 rng: random.Random) -> None:
    for question in questions:
        await asyncio.sleep(rng.uniform(0, 0.5))
        before = len(api.sent(user))
        api.send_text(user, question)
        try:
            await api.wait_sent(user, before + 1, timeout=REPLY_TIMEOUT_S)
        except TimeoutError:
            outcome["lost"] += 1
            continue
        await asyncio.sleep(0.3)  # a second copy of the reply would arrive by now
        replies = api.sent(user)[before:]
        if len(replies) > 1:
            outcome["duplicated"] += 1
        elif any(text in (replies[0]["rendered"] or "") for text in ERROR_TEXTS):
            outcome["failed"] += 1
        else:
            outcome["answered"] += 1


async def api_faults(api: BotApiStandIn, stop: asyncio.Event, timeout_s: float) -> dict[str, int]:
    """Every few seconds one of the Bot API's ways to fail, on the next send."""
    injected = {"late_answer": 0, "bad_gateway": 0, "too_many_requests": 0, "dropped": 0}
    kinds = list(injected)
    i = 0
    while not stop.is_set():
        await asyncio.sleep(2.0)
        kind = kinds[i % len(kinds)]
        if kind == "late_answer":
            api.delay("sendMessage", timeout_s + 0.5)
        elif kind == "bad_gateway":
            api.fail("sendMessage", status=502)
        elif kind == "too_many_requests":
            api.fail("sendMessage", status=429, retry_after=1)
        else:
            api.drop_connection("sendMessage")
        injected[kind] += 1
        i += 1
    return injected


async def telegram_side(conn: Connection, people: int, per_person: int, code: str, timeout_s: float) -> None:
    pool = [q.question for q in load_golden(REPO / "eval" / "questions.jsonl")]
    rng = random.Random(11)
    async with BotApiStandIn() as api:
        conn.send(api.url)
        users = await registered_guides(api, people, 700_000, code)
        conn.send("registered")
        outcome = {"answered": 0, "failed": 0, "duplicated": 0, "lost": 0}
        stop = asyncio.Event()
        faults = asyncio.ensure_future(api_faults(api, stop, timeout_s))
        started = time.perf_counter()
        await asyncio.gather(*(person(api, u, [rng.choice(pool) for _ in range(per_person)], outcome,
                                      random.Random(u.id)) for u in users))
        stop.set()
        injected = await faults
        conn.send({"outcome": outcome, "api_faults": injected, "seconds": time.perf_counter() - started})
        await asyncio.to_thread(conn.recv)  # until the bot has stopped polling


def telegram_process(conn: Connection, people: int, per_person: int, code: str, timeout_s: float) -> None:
    asyncio.run(telegram_side(conn, people, per_person, code, timeout_s))


class Degraded:
    """Counts answers given while the vector store could not be reached."""

    def __init__(self, services: Services) -> None:
        self.count = 0
        answerer = services.answerer
        original = answerer.answer

        def answer(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            if any(p.lexical_only for p in result.passages):
                self.count += 1
            return result

        answerer.answer = answer  # type: ignore[method-assign]


def uploads(settings: Settings, stop: threading.Event, every_s: float, log: dict[str, Any]) -> None:
    n = 0
    while not stop.wait(every_s):
        n += 1
        started = time.perf_counter()
        try:
            save_upload(settings, "promotion.md", UPLOADED.format(n=n).encode(), "sop")
            ingest_uploads(settings)
            log["uploads"] += 1
        except Exception as exc:  # counted, and the run goes on
            log["upload_failures"].append(f"{exc.__class__.__name__}: {exc}"[:200])
        log["upload_seconds"].append(round(time.perf_counter() - started, 2))


def server_faults(postgres: PostgresServer | None, chroma: Any, stop: threading.Event,
                  log: dict[str, Any]) -> None:
    """Server mode: the database, then the Chroma server, down for a few seconds each."""
    if postgres is None:
        return
    if stop.wait(20):
        return
    postgres.stop()
    time.sleep(3)
    postgres.start()
    log["restarts"].append("postgresql")
    if stop.wait(20):
        return
    chroma.restart()
    log["restarts"].append("chroma")


class ChromaControl:
    def __init__(self, base: Path) -> None:
        self.base, self.port = base, free_port()
        self._server: Any = None

    def start(self) -> tuple[str, int]:
        self._server = chroma_server(self.base, self.port)
        return self._server.__enter__()  # type: ignore[no-any-return]

    def restart(self) -> None:
        self._server.__exit__(None, None, None)
        time.sleep(3)
        self.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.__exit__(None, None, None)


@contextmanager
def deployment(mode: str, base: Path) -> Iterator[tuple[Settings, PostgresServer | None, ChromaControl | None]]:
    fields: dict[str, Any] = {"rate_limit_count": 1000, "telegram_timeout_s": 2.0}
    if mode == "embedded":
        yield Settings(home=base / "home", **fields), None, None
        return
    postgres, chroma = PostgresServer(), ChromaControl(base)
    postgres.start()
    host, port = chroma.start()
    try:
        yield (Settings(home=base / "home", database_url=postgres.url, chroma_mode="http", chroma_host=host,
                        chroma_port=port, **fields), postgres, chroma)
    finally:
        chroma.stop()
        postgres.remove()


def run(mode: str, people: int, per_person: int, upload_every: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as base, deployment(mode, Path(base)) as (settings, postgres, chroma):
        ingest(settings, [REPO / "knowledge", REPO / "sop"])
        services = Services(settings)
        services.answerer.answer("warm up")
        degraded = Degraded(services)
        conversation = Conversation(settings, services)
        with conversation.sessions.begin() as session:
            code = create_invite(session, store="压测店", role="guide", max_uses=people).code
        parent, child = multiprocessing.get_context("spawn").Pipe()
        process = multiprocessing.get_context("spawn").Process(
            target=telegram_process, args=(child, people, per_person, code, settings.telegram_timeout_s))
        process.start()
        log: dict[str, Any] = {"uploads": 0, "upload_failures": [], "upload_seconds": [], "restarts": []}
        during, stop = threading.Event(), threading.Event()
        workers = [threading.Thread(target=lambda: during.wait() and uploads(settings, stop, upload_every, log)),
                   threading.Thread(target=lambda: during.wait() and server_faults(postgres, chroma, stop, log))]
        for worker in workers:
            worker.start()
        try:
            result = asyncio.run(bot_side(settings, conversation, parent, during))
        finally:
            stop.set()
            during.set()
            for worker in workers:
                worker.join(600)
            process.join(timeout=60)
        outcome = result["outcome"]
        seconds = log["upload_seconds"]
        return {
            "mode": mode, "people": people, "questions": people * per_person, **outcome,
            "degraded": degraded.count, "crashed": False, "api_faults": result["api_faults"],
            "uploads": log["uploads"], "upload_failures": log["upload_failures"],
            "upload_seconds_max": max(seconds, default=None), "server_restarts": log["restarts"],
            "seconds": round(result["seconds"], 1),
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["embedded", "server"], default="embedded")
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--questions", type=int, default=50, help="per person")
    parser.add_argument("--upload-every", type=float, default=3.0, help="seconds between uploads")
    args = parser.parse_args()
    result = run(args.mode, args.people, args.questions, args.upload_every)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    bad = result["failed"] + result["degraded"] + result["duplicated"] + result["lost"]
    sys.exit(0 if bad == 0 else 1)  # uploads refused during a restart are reported, not failures


if __name__ == "__main__":
    main()
