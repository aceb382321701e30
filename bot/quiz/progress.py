"""Reading the practice record: a guide's own progress, a trainer's report over the
stores they look after, and the attempt log for export."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select, true
from sqlalchemy.orm import Session

from bot.policy import person_scope
from bot.quiz.bank import BankQuestion
from bot.quiz.plans import AssignmentView, Plans, assignees
from bot.quiz.records import (
    Assignment,
    AssignmentProgress,
    Attempt,
    CardState,
    Certificate,
    QuizSession,
)
from bot.quiz.schedule import retrievability
from bot.store import Person, Region, Store


@dataclass(frozen=True)
class TopicMastery:
    topic: str
    mastery: float  # mean chance of recall over the topic's questions (unseen count as 0)
    seen: int
    total: int


@dataclass(frozen=True)
class CertificateView:
    level: str
    score: float
    passed_on: dt.date


@dataclass(frozen=True)
class Progress:
    topics: list[TopicMastery]
    streak_days: int
    due: int
    answered: int
    correct: int
    assignments: list[AssignmentView]
    certificates: list[CertificateView]
    reminder: str | None


@dataclass(frozen=True)
class StoreReport:
    region: str | None
    store: str
    people: int
    practising: int  # people with an answer in the period
    answered: int
    correct: int
    sessions_finished: int
    assignments_done: int
    assignments_given: int

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.answered if self.answered else None


def streak(days: set[dt.date], today: dt.date) -> int:
    """Days in a row with practice, up to today (or yesterday, when today is still open)."""
    day = today if today in days else today - dt.timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= dt.timedelta(days=1)
    return count


def progress(plans: Plans, person_id: int, now: dt.datetime) -> Progress:
    today = plans.local(now).date()
    with plans.sessions() as db:
        states = list(db.scalars(select(CardState).where(CardState.person_id == person_id)))
        questions = {q.id: q for q in db.scalars(select(BankQuestion).where(BankQuestion.status == "active"))}
        per_topic: dict[str, list[float]] = defaultdict(list)
        for state in states:
            question = questions.get(state.question_id)
            if question is not None:
                per_topic[question.topic].append(retrievability(state, now))
        totals: dict[str, int] = defaultdict(int)
        for question in questions.values():
            totals[question.topic] += 1
        topics = sorted(
            (TopicMastery(t, sum(r) / totals[t], len(r), totals[t]) for t, r in per_topic.items()),
            key=lambda m: (-m.mastery, m.topic),
        )
        answered_at = list(db.scalars(select(Attempt.answered_at).where(
            Attempt.person_id == person_id, Attempt.answered_at.is_not(None))))
        days = {plans.local(moment).date() for moment in answered_at if moment is not None}
        correct = db.scalar(select(func.count()).select_from(Attempt).where(
            Attempt.person_id == person_id, Attempt.correct.is_(True))) or 0
        certificates = [CertificateView(c.level, c.score, plans.local(c.passed_at).date())
                        for c in db.scalars(select(Certificate).where(Certificate.person_id == person_id)
                                            .order_by(Certificate.passed_at))]
    return Progress(
        topics=topics, streak_days=streak(days, today),
        due=sum(1 for s in states if s.due <= now and s.question_id in questions),
        answered=len(answered_at), correct=correct,
        assignments=plans.assignments_of(person_id, today), certificates=certificates,
        reminder=plans.reminder_of(person_id),
    )


def store_reports(db: Session, scope: set[int] | frozenset[int] | None, since: dt.datetime) -> list[StoreReport]:
    """One row per store in scope (None: every store), over answers since `since` by the
    store's active people. A handful of grouped queries, whatever the number of stores
    and people: a chain's overview has hundreds of stores and thousands of guides."""
    stores = [(store, region) for store, region in db.execute(
        select(Store, Region.name).outerjoin(Region, Region.id == Store.region_id).order_by(Store.name))
        if scope is None or store.id in scope]
    # a store's active people, of the stores in scope
    counted = and_(Person.active.is_(True), true() if scope is None else Person.store_id.in_(scope))
    people = dict(db.execute(select(Person.store_id, func.count()).where(counted).group_by(Person.store_id)).all())
    answers = {row[0]: row[1:] for row in db.execute(
        select(Person.store_id, func.count(func.distinct(Attempt.person_id)), func.count(),
               func.count().filter(Attempt.correct.is_(True)))
        .select_from(Attempt).join(Person, Person.id == Attempt.person_id)
        .where(counted, Attempt.answered_at >= since).group_by(Person.store_id))}
    finished = dict(db.execute(
        select(Person.store_id, func.count()).select_from(QuizSession)
        .join(Person, Person.id == QuizSession.person_id)
        .where(counted, QuizSession.status == "finished", QuizSession.finished_at >= since)
        .group_by(Person.store_id)).all())
    done, given = _assignment_counts(db)
    rows = []
    for store, region in stores:
        practising, answered, correct = answers.get(store.id, (0, 0, 0))
        rows.append(StoreReport(
            region, store.name, people.get(store.id, 0), practising, answered, correct,
            finished.get(store.id, 0), done[store.id], given[store.id],
        ))
    return rows


def report(plans: Plans, manager_id: int, since: dt.datetime) -> list[StoreReport] | None:
    """Per store in a bot user's scope; None when they may see no one's results."""
    with plans.sessions() as db:
        manager = db.get(Person, manager_id)
        scope = person_scope(db, manager) if manager is not None else frozenset()
        if scope is not None and not scope:  # the stores they may see: None for all
            return None
        return store_reports(db, scope, since)


def _assignment_counts(db: Session) -> tuple[defaultdict[int, int], defaultdict[int, int]]:
    """(done, given) per store over the active assignments: two queries per assignment."""
    done: defaultdict[int, int] = defaultdict(int)
    given: defaultdict[int, int] = defaultdict(int)
    for assignment in db.scalars(select(Assignment).where(Assignment.active.is_(True))):
        completed = set(db.scalars(select(AssignmentProgress.person_id).where(
            AssignmentProgress.assignment_id == assignment.id, AssignmentProgress.completed_at.is_not(None))))
        for person in assignees(db, assignment):
            if person.store_id is not None:
                given[person.store_id] += 1
                done[person.store_id] += person.id in completed
    return done, given


ATTEMPT_COLUMNS = [
    "attempt_id", "answered_at_utc", "person", "telegram_id", "store", "region", "session_id",
    "session_kind", "assignment_id", "question_id", "question_version", "topic", "question",
    "options_shown", "choice", "chosen", "correct_option", "correct", "time_ms", "delivery", "source",
]


def attempt_rows(db: Session, start: dt.datetime, end: dt.datetime,
                 scope: set[int] | frozenset[int] | None = None, *, person_id: int | None = None,
                 topic: str | None = None) -> list[list[Any]]:
    """Answered attempts in [start, end) (naive UTC), oldest first, one row each;
    limited to the stores in `scope` (None: all), one person, one topic."""
    query = (
        select(Attempt, Person, QuizSession, BankQuestion)
        .join(Person, Person.id == Attempt.person_id)
        .join(QuizSession, QuizSession.id == Attempt.session_id)
        .join(BankQuestion, BankQuestion.id == Attempt.question_id, isouter=True)
        .where(Attempt.answered_at >= start, Attempt.answered_at < end)
        .order_by(Attempt.answered_at, Attempt.id)
    )
    if scope is not None:
        query = query.where(Attempt.store_id.in_(scope))
    if person_id is not None:
        query = query.where(Attempt.person_id == person_id)
    if topic:
        query = query.where(BankQuestion.topic == topic)
    stores = {s.id: s for s in db.scalars(select(Store))}
    regions = {r.id: r.name for r in db.scalars(select(Region))}
    rows = []
    for attempt, person, session, question in db.execute(query).all():
        shown = json.loads(attempt.options_shown)
        store = stores.get(attempt.store_id) if attempt.store_id else None
        chosen = shown[attempt.choice] if attempt.choice is not None else attempt.answer_text
        right = shown[attempt.correct_shown] if attempt.correct_shown is not None else None
        rows.append([
            attempt.id, attempt.answered_at.isoformat(timespec="seconds") if attempt.answered_at else "",
            person.name, person.telegram_id, store.name if store else "",
            regions.get(store.region_id, "") if store and store.region_id else "",
            session.id, session.kind, attempt.assignment_id, attempt.question_id,
            attempt.question_version, question.topic if question else "",
            question.stem if question else "", " | ".join(shown), attempt.choice, chosen, right,
            bool(attempt.correct), attempt.time_ms, attempt.delivery,
            question.source_path if question else None,
        ])
    return rows
