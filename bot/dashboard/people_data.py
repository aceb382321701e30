"""What trainers' pages show, computed from the practice record within an account's
stores (None: all stores)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.quiz.bank import BankQuestion
from bot.quiz.plans import assignees
from bot.quiz.records import Assignment, AssignmentProgress, Attempt, Certificate
from bot.store import Person, Region, Store

Scope = frozenset[int] | None
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


def scoped_attempts(db: Session, scope: Scope, since: dt.datetime) -> list[Attempt]:
    query = select(Attempt).where(Attempt.answered_at >= since)
    if scope is not None:
        query = query.where(Attempt.store_id.in_(scope))
    return list(db.scalars(query))


@dataclass(frozen=True)
class TopicScore:
    topic: str
    answered: int
    accuracy: float


def weakest_topics(db: Session, attempts: list[Attempt], limit: int = 8, minimum: int = 3) -> list[TopicScore]:
    topics = {qid: topic for qid, topic in db.execute(select(BankQuestion.id, BankQuestion.topic))}
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for attempt in attempts:
        counts = tally[topics.get(attempt.question_id, "?")]
        counts[0] += 1
        counts[1] += int(bool(attempt.correct))
    scored = [TopicScore(t, n, right / n) for t, (n, right) in tally.items() if n >= minimum]
    return sorted(scored, key=lambda s: (s.accuracy, -s.answered))[:limit]


def weekly_trend(db: Session, attempts: list[Attempt], zone: ZoneInfo, today: dt.date,
                 weeks: int = 8) -> tuple[list[str], dict[str, list[float | None]]]:
    """Accuracy per region per week (Monday-based), oldest week first."""
    start = today - dt.timedelta(days=today.weekday() + 7 * (weeks - 1))
    stores = {s.id: s for s in db.scalars(select(Store))}
    regions = {rid: name for rid, name in db.execute(select(Region.id, Region.name))}
    tally: dict[str, list[list[int]]] = defaultdict(lambda: [[0, 0] for _ in range(weeks)])
    for attempt in attempts:
        if attempt.answered_at is None:
            continue
        day = attempt.answered_at.replace(tzinfo=dt.UTC).astimezone(zone).date()
        week = (day - start).days // 7
        if not 0 <= week < weeks:
            continue
        store = stores.get(attempt.store_id or -1)
        name = regions.get(store.region_id, store.name) if store and store.region_id else (store.name if store else "-")
        tally[name][week][0] += 1
        tally[name][week][1] += int(bool(attempt.correct))
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
    rows = []
    for person in db.scalars(query):
        attempts = list(db.scalars(select(Attempt).where(
            Attempt.person_id == person.id, Attempt.answered_at >= since)))
        last = db.scalar(select(func.max(Attempt.answered_at)).where(Attempt.person_id == person.id))
        certificates = db.scalar(select(func.count()).select_from(Certificate).where(
            Certificate.person_id == person.id)) or 0
        right = sum(1 for a in attempts if a.correct)
        rows.append(GuideRow(person.id, person.name, person.role, stores.get(person.store_id or -1, ""),
                             person.active, len(attempts), right / len(attempts) if attempts else None,
                             last, certificates))
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
    by_question: dict[str, list[Attempt]] = defaultdict(list)
    for attempt in scoped_attempts(db, scope, since):
        by_question[attempt.question_id].append(attempt)
    stats = []
    for question_id, attempts in by_question.items():
        question = db.get(BankQuestion, question_id)
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
    return scope is None or bool(target_store_ids(db, assignment)) and target_store_ids(db, assignment) <= scope


def assignment_rows(db: Session, scope: Scope) -> list[AssignmentRow]:
    rows = []
    stores = {s.id: s.name for s in db.scalars(select(Store))}
    for assignment in db.scalars(select(Assignment).order_by(Assignment.due_on.desc(), Assignment.id.desc())):
        if not assignment_visible(db, assignment, scope):
            continue
        scores = []
        for person in assignees(db, assignment):
            progress = db.scalar(select(AssignmentProgress).where(
                AssignmentProgress.assignment_id == assignment.id, AssignmentProgress.person_id == person.id))
            completed = progress.completed_at if progress else None
            scores.append((person.name, stores.get(person.store_id or -1, ""),
                           progress.score if progress and completed else None, completed))
        rows.append(AssignmentRow(
            assignment.id, assignment.title, assignment.topic, target_name(db, assignment), assignment.due_on,
            assignment.active, assignment.question_count, sum(1 for s in scores if s[3] is not None),
            len(scores), scores,
        ))
    return rows
