"""What trainers' pages show, computed from the practice record within an account's
stores (None: all stores)."""

from __future__ import annotations

import datetime as dt
import json
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVarTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from bot.quiz.bank import BankQuestion
from bot.quiz.plans import assignees
from bot.quiz.records import Assignment, AssignmentProgress, Attempt, Certificate
from bot.store import Person, Region, Store

Scope = frozenset[int] | None
Columns = TypeVarTuple("Columns")
# An answer as the pages read it: question_id, correct, answered_at, store_id, choice,
# options_shown, answer_text, time_ms (see scoped_attempts)
AttemptFacts = Row[str, bool | None, dt.datetime | None, int | None, int | None, str, str | None, int | None]
# What the overview needs of an answer: question_id, correct, answered_at, store_id
Outcome = Row[str, bool | None, dt.datetime | None, int | None]
BROKEN_MIN_ATTEMPTS = 4
BROKEN_SAME_WRONG = 0.6  # this share of everyone picks one and the same wrong option


def stores_in(db: Session, scope: Scope) -> list[Store]:
    return [s for s in db.scalars(select(Store).order_by(Store.name)) if scope is None or s.id in scope]


def regions_in(db: Session, scope: Scope) -> list[Region]:
    """Regions whose every store is in scope (a trainer of one store cannot assign to
    the whole region)."""
    stores = list(db.scalars(select(Store)))
    return [r for r in db.scalars(select(Region).order_by(Region.name))
            if (members := [s.id for s in stores if s.region_id == r.id])
            and (scope is None or set(members) <= scope)]


def scoped_attempts(db: Session, scope: Scope, since: dt.datetime) -> Sequence[AttemptFacts]:
    """Answers since `since` in scope, as rows of the columns the pages use (named as on
    Attempt): hundreds of thousands of ORM objects took seconds to build."""
    return db.execute(_answered_in(select(
        Attempt.question_id, Attempt.correct, Attempt.answered_at, Attempt.store_id,
        Attempt.choice, Attempt.options_shown, Attempt.answer_text, Attempt.time_ms), scope, since)).all()


def _answered_in(query: Select[*Columns], scope: Scope, since: dt.datetime) -> Select[*Columns]:
    query = query.where(Attempt.answered_at >= since)
    return query if scope is None else query.where(Attempt.store_id.in_(scope))


@dataclass(frozen=True)
class TopicScore:
    topic: str
    answered: int
    accuracy: float


def outcomes(db: Session, scope: Scope, since: dt.datetime) -> Sequence[Outcome]:
    """Answers since `since` in scope, only what the overview's charts count."""
    return db.execute(_answered_in(select(
        Attempt.question_id, Attempt.correct, Attempt.answered_at, Attempt.store_id), scope, since)).all()


def weakest_topics(db: Session, attempts: Sequence[Outcome], limit: int = 8, minimum: int = 3) -> list[TopicScore]:
    topics = {qid: topic for qid, topic in db.execute(select(BankQuestion.id, BankQuestion.topic))}
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for question_id, correct, _, _ in attempts:
        counts = tally[topics.get(question_id, "?")]
        counts[0] += 1
        counts[1] += int(bool(correct))
    scored = [TopicScore(t, n, right / n) for t, (n, right) in tally.items() if n >= minimum]
    return sorted(scored, key=lambda s: (s.accuracy, -s.answered))[:limit]


def weekly_trend(db: Session, attempts: Sequence[Outcome], zone: ZoneInfo, today: dt.date,
                 weeks: int = 8) -> tuple[list[str], dict[str, list[float | None]]]:
    """Accuracy per region per week (Monday-based, in `zone`), oldest week first."""
    start = today - dt.timedelta(days=today.weekday() + 7 * (weeks - 1))
    # local week starts as naive UTC instants, so each answer's week is a bisection
    # (a time-zone conversion per answer took half a second at 100k answers)
    edges = [dt.datetime.combine(start + dt.timedelta(days=7 * w), dt.time(), tzinfo=zone)
             .astimezone(dt.UTC).replace(tzinfo=None) for w in range(weeks + 1)]
    regions = {rid: name for rid, name in db.execute(select(Region.id, Region.name))}
    group = {s.id: regions.get(s.region_id, s.name) if s.region_id else s.name for s in db.scalars(select(Store))}
    tally: dict[str, list[list[int]]] = defaultdict(lambda: [[0, 0] for _ in range(weeks)])
    for _, correct, answered_at, store_id in attempts:
        if answered_at is None:
            continue
        week = bisect_right(edges, answered_at) - 1
        if 0 <= week < weeks:
            counts = tally[group.get(store_id or -1, "-")][week]
            counts[0] += 1
            counts[1] += int(bool(correct))
    labels = [(start + dt.timedelta(days=7 * w)).strftime("%m-%d") for w in range(weeks)]
    series = {name: [100 * right / n if n else None for n, right in counts] for name, counts in sorted(tally.items())}
    return labels, series


@dataclass(frozen=True)
class GuideRow:
    id: int
    name: str
    role: str
    store: str
    active: bool
    answered: int
    accuracy: float | None
    last_active: dt.datetime | None
    certificates: int


def guide_rows(db: Session, scope: Scope, since: dt.datetime, store_id: int | None = None) -> list[GuideRow]:
    stores = {s.id: s.name for s in stores_in(db, scope)}
    query = select(Person).where(Person.store_id.in_(stores)).order_by(Person.name)
    if store_id is not None:
        query = query.where(Person.store_id == store_id)
    people = list(db.scalars(query))
    ids = [p.id for p in people]
    answers = {row[0]: row[1:] for row in db.execute(
        select(Attempt.person_id, func.count(), func.count().filter(Attempt.correct.is_(True)))
        .where(Attempt.person_id.in_(ids), Attempt.answered_at >= since).group_by(Attempt.person_id))}
    last = dict(db.execute(select(Attempt.person_id, func.max(Attempt.answered_at))
                           .where(Attempt.person_id.in_(ids)).group_by(Attempt.person_id)).all())
    certificates = dict(db.execute(select(Certificate.person_id, func.count())
                                   .where(Certificate.person_id.in_(ids)).group_by(Certificate.person_id)).all())
    rows = []
    for person in people:
        answered, right = answers.get(person.id, (0, 0))
        rows.append(GuideRow(person.id, person.name, person.role, stores.get(person.store_id or -1, ""),
                             person.active, answered, right / answered if answered else None,
                             last.get(person.id), certificates.get(person.id, 0)))
    return rows


@dataclass(frozen=True)
class QuestionStat:
    id: str
    topic: str
    stem: str
    answered: int
    wrong: int
    mean_ms: float | None
    top_wrong: str | None
    top_wrong_share: float
    status: str

    @property
    def wrong_rate(self) -> float:
        return self.wrong / self.answered if self.answered else 0.0

    @property
    def looks_broken(self) -> bool:
        """Almost everyone picks the same wrong option: the key may be wrong, or the
        option may be right too."""
        return self.answered >= BROKEN_MIN_ATTEMPTS and self.top_wrong_share >= BROKEN_SAME_WRONG


def question_stats(db: Session, scope: Scope, since: dt.datetime) -> list[QuestionStat]:
    by_question: dict[str, list[AttemptFacts]] = defaultdict(list)
    for attempt in scoped_attempts(db, scope, since):
        by_question[attempt.question_id].append(attempt)
    bank = {q.id: q for q in db.scalars(select(BankQuestion).where(BankQuestion.id.in_(by_question)))}
    stats = []
    for question_id, attempts in by_question.items():
        question = bank.get(question_id)
        wrong_choices: Counter[str] = Counter()
        for attempt in attempts:
            if not attempt.correct:
                shown = json.loads(attempt.options_shown)
                picked = shown[attempt.choice] if attempt.choice is not None and attempt.choice < len(shown) \
                    else (attempt.answer_text or "")
                wrong_choices[picked] += 1
        times = [a.time_ms for a in attempts if a.time_ms is not None]
        top = wrong_choices.most_common(1)
        stats.append(QuestionStat(
            question_id, question.topic if question else "?", question.stem if question else "?",
            len(attempts), sum(wrong_choices.values()), sum(times) / len(times) if times else None,
            top[0][0] if top else None, top[0][1] / len(attempts) if top else 0.0,
            question.status if question else "?",
        ))
    return sorted(stats, key=lambda s: (-s.wrong_rate, -s.answered))


@dataclass(frozen=True)
class AssignmentRow:
    id: int
    title: str
    topic: str | None
    target: str
    due_on: dt.date
    active: bool
    question_count: int
    done: int
    given: int
    scores: list[tuple[str, str, float | None, dt.datetime | None]]  # name, store, score, completed


def target_store_ids(db: Session, assignment: Assignment) -> set[int]:
    if assignment.target_kind == "store":
        return {assignment.target_id}
    if assignment.target_kind == "region":
        return set(db.scalars(select(Store.id).where(Store.region_id == assignment.target_id)))
    person = db.get(Person, assignment.target_id)
    return {person.store_id} if person and person.store_id else set()


def target_name(db: Session, assignment: Assignment) -> str:
    target: Store | Region | Person | None
    if assignment.target_kind == "store":
        target = db.get(Store, assignment.target_id)
    elif assignment.target_kind == "region":
        target = db.get(Region, assignment.target_id)
    else:
        target = db.get(Person, assignment.target_id)
    return f"{assignment.target_kind}: {target.name if target else '?'}"


def assignment_visible(db: Session, assignment: Assignment, scope: Scope) -> bool:
    if scope is None:
        return True
    ids = target_store_ids(db, assignment)
    return bool(ids) and ids <= scope


def assignment_rows(db: Session, scope: Scope) -> list[AssignmentRow]:
    rows = []
    stores = {s.id: s.name for s in db.scalars(select(Store))}
    for assignment in db.scalars(select(Assignment).order_by(Assignment.due_on.desc(), Assignment.id.desc())):
        if not assignment_visible(db, assignment, scope):
            continue
        scores = []
        progress_of = {p.person_id: p for p in db.scalars(select(AssignmentProgress).where(
            AssignmentProgress.assignment_id == assignment.id))}
        for person in assignees(db, assignment):
            progress = progress_of.get(person.id)
            completed = progress.completed_at if progress else None
            scores.append((person.name, stores.get(person.store_id or -1, ""),
                           progress.score if progress and completed else None, completed))
        rows.append(AssignmentRow(
            assignment.id, assignment.title, assignment.topic, target_name(db, assignment), assignment.due_on,
            assignment.active, assignment.question_count, sum(1 for s in scores if s[3] is not None),
            len(scores), scores,
        ))
    return rows
