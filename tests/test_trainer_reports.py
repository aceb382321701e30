"""What trainers read per store and per guide, counted right: only a store's active
people, answers inside the period, assignments given and done, certificates."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.dashboard.people_data import guide_rows, outcomes, weekly_trend
from bot.quiz.progress import store_reports
from bot.quiz.records import Assignment, AssignmentProgress, Attempt, Certificate, QuizSession
from bot.store import Person, Region, Store
from ingest.db import session_factory

NOW = dt.datetime(2026, 11, 24, 12, 0)


def test_store_and_guide_reports_count_the_right_people_and_answers(tmp_path: Path) -> None:
    sessions = session_factory(f"sqlite:///{tmp_path / 'reports.db'}")
    with sessions.begin() as db:
        east = Region(name="华东")
        db.add(east)
        db.flush()
        lake, hill = Store(name="湖滨店", region_id=east.id), Store(name="山前店", region_id=east.id)
        db.add_all([lake, hill])
        db.flush()
        fang, lei, gone = (Person(name=n, role="guide", store_id=lake.id, active=n != "离职") for n in ("王芳", "李雷", "离职"))
        jing = Person(name="陈静", role="guide", store_id=hill.id)
        db.add_all([fang, lei, gone, jing])
        db.flush()
        session = QuizSession(person_id=fang.id, kind="practice", question_ids="[]", language="zh",
                              status="finished", finished_at=NOW - dt.timedelta(days=1))
        db.add(session)
        db.flush()

        def answer(person: Person, days_ago: float, correct: bool) -> Attempt:
            moment = NOW - dt.timedelta(days=days_ago)
            return Attempt(session_id=session.id, person_id=person.id, store_id=person.store_id,
                           question_id="q1", position=0, options_shown=json.dumps(["甲", "乙"]), correct_shown=0,
                           delivery="poll", sent_at=moment, answered_at=moment, choice=0 if correct else 1,
                           correct=correct)

        db.add_all([
            answer(fang, 1, True), answer(fang, 2, False), answer(fang, 40, True),  # the last is too old
            answer(gone, 1, True),  # left the store: not counted for it
            answer(jing, 3, True),
        ])
        assignment = Assignment(title="退换货", topic=None, question_count=5, target_kind="store",
                                target_id=lake.id, due_on=NOW.date())
        db.add(assignment)
        db.flush()
        db.add(AssignmentProgress(assignment_id=assignment.id, person_id=fang.id, completed_at=NOW, score=0.8))
        db.add(Certificate(person_id=fang.id, level="初级", score=0.9, session_id=session.id))
        store_ids = (lake.id, hill.id)

    since = NOW - dt.timedelta(days=30)
    with sessions() as db:
        reports = {r.store: r for r in store_reports(db, None, since)}
        guides = {g.name: g for g in guide_rows(db, frozenset(store_ids), since)}
        only_hill = store_reports(db, frozenset(store_ids[1:]), since)
        labels, series = weekly_trend(db, outcomes(db, None, since), ZoneInfo("Asia/Shanghai"), NOW.date(), weeks=2)

    lake_report = reports["湖滨店"]
    assert (lake_report.region, lake_report.people, lake_report.practising) == ("华东", 2, 1)
    assert (lake_report.answered, lake_report.correct, lake_report.sessions_finished) == (2, 1, 1)
    assert (lake_report.assignments_given, lake_report.assignments_done) == (2, 1)
    assert (reports["山前店"].answered, reports["山前店"].assignments_given) == (1, 0)
    assert [r.store for r in only_hill] == ["山前店"]
    assert (guides["王芳"].answered, guides["王芳"].accuracy, guides["王芳"].certificates) == (2, 0.5, 1)
    assert guides["王芳"].last_active == NOW - dt.timedelta(days=1)
    assert (guides["李雷"].answered, guides["李雷"].accuracy, guides["李雷"].last_active) == (0, None, None)
    assert len(labels) == 2 and series["华东"] == [50.0, 100.0]
