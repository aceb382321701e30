"""Dashboard at chain scale (not a test): how long the trainer pages take to build.

    PYTHONPATH=. .venv/bin/python bench/dashboard_scale.py [--guides 3000] [--stores 300]
        [--attempts 40] [--database-url URL]

Fills a fresh database (SQLite in a temporary folder unless --database-url names an
empty PostgreSQL database) with regions, stores, guides, a question bank, practice
attempts spread over the last eight weeks, certificates and assignments, then asks the
real FastAPI app for each trainer page as a signed-in admin (and a regional trainer)
and prints the time per page as JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.dashboard.accounts import create_user  # noqa: E402
from bot.dashboard.app import create_app  # noqa: E402
from bot.quiz.bank import add_imported  # noqa: E402
from bot.quiz.model import QuizQuestion  # noqa: E402
from bot.quiz.plans import Plans  # noqa: E402
from bot.quiz.records import Assignment, Attempt, Certificate, QuizSession  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.store import Person, Region, Store  # noqa: E402
from ingest.db import session_factory  # noqa: E402

PASSWORD = "bench password 42"
PAGES = ["/overview", "/guides", "/questions", "/assignments", "/invites"]


def fill(settings: Settings, guides: int, stores: int, attempts: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    sessions = session_factory(settings.db_url)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    bank = [QuizQuestion(topic=f"主题{t}", kind="multiple_choice", stem=f"第{t}-{n}题：哪一项正确？",
                         options=["甲", "乙", "丙", "丁"], answer_index=n % 4, origin="imported")
            for t in range(20) for n in range(10)]
    with sessions.begin() as db:
        add_imported(db, bank)
        regions = [Region(name=f"区域{r}") for r in range(max(1, stores // 30))]
        db.add_all(regions)
        db.flush()
        store_rows = [Store(name=f"门店{s:04d}", region_id=regions[s % len(regions)].id) for s in range(stores)]
        db.add_all(store_rows)
        db.flush()
        create_user(db, "admin", "admin", PASSWORD)
        create_user(db, "east", "trainer", PASSWORD, regions=["区域0"])
        people = [Person(name=f"导购{g:05d}", role="guide", store_id=store_rows[g % stores].id, language="zh",
                         telegram_id=10_000 + g) for g in range(guides)]
        db.add_all(people)
        db.flush()
        quiz_sessions = [QuizSession(person_id=p.id, kind="practice", question_ids="[]", language="zh",
                                     status="finished") for p in people]
        db.add_all(quiz_sessions)
        db.flush()
        rows = []
        for person, session in zip(people, quiz_sessions, strict=True):
            for position in range(attempts):
                question = rng.choice(bank)
                answered = now - dt.timedelta(minutes=rng.randrange(8 * 7 * 24 * 60))
                choice = question.answer_index if rng.random() < 0.7 else rng.randrange(4)
                rows.append({
                    "session_id": session.id, "person_id": person.id, "store_id": person.store_id,
                    "question_id": question.id, "position": position,
                    "options_shown": json.dumps(question.options, ensure_ascii=False),
                    "correct_shown": question.answer_index, "delivery": "poll", "sent_at": answered,
                    "answered_at": answered, "choice": choice, "correct": choice == question.answer_index,
                    "time_ms": rng.randrange(2000, 30000),
                })
        for start in range(0, len(rows), 20_000):
            db.execute(insert(Attempt), rows[start : start + 20_000])
        db.add_all(Certificate(person_id=p.id, level="初级", score=0.9, session_id=s.id)
                   for p, s in zip(people[: guides // 5], quiz_sessions, strict=False))
    plans = Plans(settings, sessions)
    for r in range(min(5, len(regions))):
        plans.assign(by=None, target_kind="region", target=f"区域{r}", topic="主题1",
                     due_on=dt.date.today() + dt.timedelta(days=7))
    with sessions() as db:
        assert db.query(Assignment).count() >= 1


def timed_pages(settings: Settings, user: str) -> dict[str, float]:
    out: dict[str, float] = {}
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
        client.post("/login", data={"name": user, "password": PASSWORD, "csrf": token, "next": "/"})
        for page in PAGES:
            client.get(page)  # warm: templates, caches
            started = time.perf_counter()
            response = client.get(page)
            out[page] = round((time.perf_counter() - started) * 1000, 1)
            assert response.status_code == 200, (page, response.status_code)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--guides", type=int, default=3000)
    parser.add_argument("--stores", type=int, default=300)
    parser.add_argument("--attempts", type=int, default=40, help="answered questions per guide")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        url = args.database_url or f"sqlite:///{Path(home) / 'bench.db'}"
        settings = Settings(home=Path(home), database_url=url, dashboard_secret="bench-secret-" + "x" * 20)
        started = time.perf_counter()
        fill(settings, args.guides, args.stores, args.attempts)
        fill_s = time.perf_counter() - started
        result = {
            "guides": args.guides, "stores": args.stores, "attempts": args.guides * args.attempts,
            "database": url.split(":", 1)[0], "fill_s": round(fill_s, 1),
            "admin_ms": timed_pages(settings, "admin"), "regional_trainer_ms": timed_pages(settings, "east"),
        }
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
