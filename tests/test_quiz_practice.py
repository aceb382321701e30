"""Practice without a channel: what comes back when (FSRS), what a guide asked feeds
their practice, reminders claimed once across processes, and the attempt export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from bot.access import create_invite, redeem
from bot.conversation import Conversation
from bot.quiz.bank import add_imported, sync_generated
from bot.quiz.generate import generate_questions
from bot.quiz.plans import Plans, parse_time_of_day
from bot.quiz.practice import Practice
from bot.quiz.records import Attempt
from bot.service import Services
from bot.settings import Settings
from ingest.db import session_factory
from tests.conftest import Corpus, run_guidebot
from tests.test_quiz_telegram import RETURNS
from tests.test_telegram_bot import settings_with

MONDAY = dt.datetime(2026, 11, 23, 2, 0)  # 10:00 in Shanghai


def _person(settings: Settings, telegram_id: int = 7, store: str = "湖滨店") -> int:
    with session_factory(settings.db_url).begin() as session:
        code = create_invite(session, store=store, role="guide", region="华东").code
        outcome = redeem(session, code, telegram_id=telegram_id, name=f"guide{telegram_id}", language="zh")
        assert outcome.person is not None
        session.flush()
        return outcome.person.id


def _guide_with_bank(home: Path) -> tuple[Settings, int]:
    """A fresh home whose bank holds the returns questions, and one guide."""
    settings = Settings(home=home)
    with session_factory(settings.db_url).begin() as session:
        add_imported(session, RETURNS)
    return settings, _person(settings)


def _practice(settings: Settings, now: list[dt.datetime]) -> Practice:
    return Practice(settings, session_factory(settings.db_url), clock=lambda: now[0])


def _answer_all(practice: Practice, person: int, wrong: set[int] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """Play the person's session to the end; returns the question ids in order asked."""
    delivery = practice.start(person).delivery
    asked = []
    while delivery is not None:
        asked.append(_question_id(practice, delivery.attempt_id))
        assert delivery.correct_index is not None
        choice = delivery.correct_index if len(asked) - 1 not in wrong else (delivery.correct_index + 1) % 4
        feedback = practice.answer(person, attempt_id=delivery.attempt_id, choice=choice)
        assert feedback.status == "ok"
        delivery = feedback.next
    return asked


def _question_id(practice: Practice, attempt_id: int) -> str:
    with practice.sessions() as session:
        attempt = session.get(Attempt, attempt_id)
        assert attempt is not None
        return attempt.question_id


def test_a_missed_question_comes_back_first_the_next_day(tmp_path: Path) -> None:
    settings, person = _guide_with_bank(tmp_path)
    now = [MONDAY]
    practice = _practice(settings, now)
    first = _answer_all(practice, person, wrong={2})
    assert len(first) == 5
    now[0] = MONDAY + dt.timedelta(days=1, hours=1)
    second = _answer_all(practice, person)
    assert second[0] == first[2], "the missed question is due first"
    unseen = ({q.id for q in RETURNS} - set(first)).pop()
    assert second[1] == unseen, "then a question never seen; known ones are not due yet"
    assert practice.answer(person, attempt_id=1, choice=0).status == "duplicate"


def test_what_a_guide_asked_this_week_comes_into_their_practice(corpus: Corpus, tmp_path: Path, services: Services) -> None:
    settings, fresh = settings_with(corpus, tmp_path, services)
    with session_factory(settings.db_url).begin() as session:
        sync_generated(session, generate_questions(fresh.reader))
    asker = _person(settings, 8)
    conversation = Conversation(settings, fresh)
    view = conversation.person(8)
    assert view is not None
    outcome = conversation.ask(view, "青竹声波电动牙刷多少钱", channel="test", language="zh")
    assert outcome.answer is not None and outcome.answer.found
    practice = Practice(settings, session_factory(settings.db_url))
    asked_topic = []
    delivery = practice.start(asker).delivery
    while delivery is not None:
        asked_topic.append(delivery.topic == "青竹声波电动牙刷")
        feedback = practice.answer(asker, attempt_id=delivery.attempt_id, choice=0)
        delivery = feedback.next
    assert len(asked_topic) == 5 and sum(asked_topic) >= 4 and asked_topic[0], \
        "the product asked about fills the next session (by chance: a few in a thousand)"


def test_two_bot_processes_send_a_reminder_once(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    person = _person(settings)
    Plans(settings, session_factory(settings.db_url)).set_reminder(person, "09:30")
    found: list[int] = []
    barrier = threading.Barrier(4)

    def sweep() -> None:
        plans = Plans(settings, session_factory(settings.db_url))  # as another process would
        barrier.wait()
        found.extend(n.person_id for n in plans.due_notices(MONDAY))

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == [person]
    plans = Plans(settings, session_factory(settings.db_url))
    assert plans.due_notices(MONDAY + dt.timedelta(hours=3)) == [], "once a day"
    assert [n.kind for n in plans.due_notices(MONDAY + dt.timedelta(days=1))] == ["daily"]


def test_times_of_day_people_type() -> None:
    assert parse_time_of_day("10:00") == "10:00"
    assert parse_time_of_day("9：30") == "09:30"
    assert parse_time_of_day("21点") == "21:00"
    assert parse_time_of_day("25:00") is None and parse_time_of_day("soon") is None


def test_attempts_export_to_csv_and_xlsx_for_a_date_range(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings, person = _guide_with_bank(home)
    now = [MONDAY]
    practice = _practice(settings, now)
    _answer_all(practice, person, wrong={0})
    now[0] = MONDAY + dt.timedelta(days=3)
    _answer_all(practice, person)

    result = run_guidebot(home, "export", "attempts", "--from", "2026-11-23", "--to", "2026-11-23")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 5, "only the first day's session"
    assert [r["correct"] for r in rows] == ["False", "True", "True", "True", "True"]
    first = rows[0]
    assert first["person"] == "guide7" and first["store"] == "湖滨店" and first["region"] == "华东"
    assert first["chosen"] != first["correct_option"] and first["chosen"] in first["options_shown"]
    assert first["topic"] == "退换货流程" and first["time_ms"] != ""

    out = tmp_path / "attempts.xlsx"
    result = run_guidebot(home, "export", "attempts", "--from", "2026-11-01", "--to", "2026-11-30",
                          "--format", "xlsx", "--output", str(out))
    assert result.returncode == 0 and "10 attempts" in result.stdout, result.stderr
    sheet = load_workbook(out).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "attempt_id" and len(values) == 11

    bad = run_guidebot(home, "export", "attempts", "--from", "2026-11-30", "--to", "2026-11-01")
    assert bad.returncode != 0 and "before" in bad.stderr and "Traceback" not in bad.stderr


def test_assignments_from_the_command_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings, person = _guide_with_bank(home)
    made = run_guidebot(home, "assign", "--store", "湖滨店", "--due", "2099-01-31", "--topic", "退换货")
    assert made.returncode == 0 and "退换货" in made.stdout, made.stderr
    views = Plans(settings, session_factory(settings.db_url)).assignments_of(person)
    assert [(v.title, v.due_on, v.completed) for v in views] == [("退换货", dt.date(2099, 1, 31), False)]
    unknown = run_guidebot(home, "assign", "--store", "nowhere", "--due", "2099-01-31")
    assert unknown.returncode != 0 and "nowhere" in unknown.stderr
    with session_factory(settings.db_url)() as session:
        assert session.scalar(select(Attempt)) is None
