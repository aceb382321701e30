"""What is planned for people: trainers' assignments with deadlines, and the daily
reminders guides choose. Both are kept in the database; a periodic sweep (any bot
process, any number of them) claims what is due with a conditional UPDATE, so a
reminder goes out once even after a restart or with two bots running.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.access import find_person
from bot.policy import may_manage, person_scope, stores_reached, within
from bot.quiz.bank import BankQuestion
from bot.quiz.records import Assignment, AssignmentProgress, CardState, Reminder, claim
from bot.quiz.topics import topic_matches
from bot.settings import Settings
from bot.store import Person, Region, Role, Store

TIME_OF_DAY = re.compile(r"^\s*(\d{1,2})(?:[:：.](\d{2})|点|時|时)?\s*$")
ASSIGNMENT_REMIND_AT = dt.time(9, 0)  # later reminders of an open assignment, local time


def parse_time_of_day(text: str) -> str | None:
    """'10:00', '9:30', '21.15', '10点' → 'HH:MM'; None when it is not a time."""
    match = TIME_OF_DAY.match(text)
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def assignees(db: Session, assignment: Assignment) -> list[Person]:
    """Everyone active the assignment is for, as of now (people who join the store
    later get it too)."""
    query = select(Person).where(Person.active.is_(True))
    if assignment.target_kind == "person":
        query = query.where(Person.id == assignment.target_id)
    elif assignment.target_kind == "store":
        query = query.where(Person.store_id == assignment.target_id)
    else:
        query = query.join(Store, Store.id == Person.store_id).where(Store.region_id == assignment.target_id)
    return list(db.scalars(query.order_by(Person.id)))


@dataclass(frozen=True)
class AssignmentView:
    id: int
    title: str
    due_on: dt.date
    question_count: int
    completed: bool
    score: float | None


@dataclass(frozen=True)
class Notice:
    """Something the sweep found due for one person."""

    person_id: int
    telegram_id: int
    language: str
    kind: str  # daily | assignment
    due_count: int = 0
    assignment: AssignmentView | None = None


class Plans:
    def __init__(self, settings: Settings, sessions: sessionmaker) -> None:
        self.settings = settings
        self.sessions = sessions
        self.zone = ZoneInfo(settings.quiz_timezone)

    def local(self, utc_naive: dt.datetime) -> dt.datetime:
        return utc_naive.replace(tzinfo=dt.UTC).astimezone(self.zone)

    # -- assignments ---------------------------------------------------------------------
    def assign(self, *, by: int | None, target_kind: str, target: str, topic: str | None,
               due_on: dt.date, question_count: int = 5) -> Assignment | str:
        """Create an assignment; a problem key when the target is unknown, outside the
        trainer's stores, or the topic has no questions. `by` None: the command line."""
        with self.sessions.begin() as db:
            manager = db.get(Person, by) if by is not None else None
            if manager is not None and manager.role not in (Role.trainer, Role.admin):
                return "not_allowed"
            target_id = self._target_id(db, target_kind, target, manager)
            if isinstance(target_id, str):
                return target_id
            topics = sorted(set(db.scalars(select(BankQuestion.topic).where(BankQuestion.status == "active"))))
            if not topics or (topic and not topic_matches(topic, topics)):
                return "no_questions"
            assignment = Assignment(
                title=topic or "全部 / all topics", topic=topic, question_count=question_count,
                target_kind=target_kind, target_id=target_id, due_on=due_on,
                created_by=manager.id if manager else None, active=True,
            )
            db.add(assignment)
            db.flush()
            db.expunge(assignment)
            return assignment

    @staticmethod
    def _target_id(db: Session, kind: str, name: str, manager: Person | None) -> int | str:
        scope = person_scope(db, manager) if manager is not None else None
        if kind == "person":
            person = find_person(db, name)
            if person is None:
                return "unknown_target"
            if manager is not None and not may_manage(db, manager, person):
                return "not_allowed"
            return person.id
        if kind == "store":
            store = db.scalar(select(Store).where(Store.name == name.strip()))
            if store is None:
                return "unknown_target"
            if scope is not None and store.id not in scope:
                return "not_allowed"
            return store.id
        if kind == "region":
            region = db.scalar(select(Region).where(Region.name == name.strip()))
            if region is None:
                return "unknown_target"
            members = stores_reached(db, [("region", region.id)])
            if scope is not None and not (members and within(scope, members)):
                return "not_allowed"
            return region.id
        return "unknown_target"

    def assignee_count(self, assignment_id: int) -> int:
        with self.sessions() as db:
            assignment = db.get(Assignment, assignment_id)
            return len(assignees(db, assignment)) if assignment else 0

    def assignments_of(self, person_id: int, today: dt.date | None = None) -> list[AssignmentView]:
        """The person's active assignments not past their deadline, or completed."""
        with self.sessions() as db:
            person = db.get(Person, person_id)
            if person is None:
                return []
            views = []
            for assignment in db.scalars(select(Assignment).where(Assignment.active.is_(True))
                                         .order_by(Assignment.due_on, Assignment.id)):
                if person not in assignees(db, assignment):
                    continue
                progress = db.scalar(select(AssignmentProgress).where(
                    AssignmentProgress.assignment_id == assignment.id,
                    AssignmentProgress.person_id == person.id))
                done = progress is not None and progress.completed_at is not None
                if today is not None and not done and assignment.due_on < today:
                    continue
                views.append(AssignmentView(assignment.id, assignment.title, assignment.due_on,
                                            assignment.question_count, done,
                                            progress.score if progress else None))
            return views

    # -- reminders -----------------------------------------------------------------------
    def set_reminder(self, person_id: int, at: str | None) -> None:
        with self.sessions.begin() as db:
            reminder = db.get(Reminder, person_id)
            if at is None:
                if reminder is not None:
                    db.delete(reminder)
                return
            if reminder is None:
                db.add(Reminder(person_id=person_id, at=at))
            elif reminder.at != at:
                reminder.at, reminder.last_sent_on = at, None

    def reminder_of(self, person_id: int) -> str | None:
        with self.sessions() as db:
            reminder = db.get(Reminder, person_id)
            return reminder.at if reminder else None

    def due_notices(self, now: dt.datetime) -> list[Notice]:
        """Claim every reminder and assignment notice due at `now` (naive UTC): each is
        returned to exactly one caller, once per local day."""
        local = self.local(now)
        today, clock = local.date(), local.strftime("%H:%M")
        notices: list[Notice] = []
        with self.sessions.begin() as db:
            for reminder, person in db.execute(
                select(Reminder, Person).join(Person, Person.id == Reminder.person_id).where(
                    Person.active.is_(True), Person.telegram_id.is_not(None), Reminder.at <= clock,
                    or_(Reminder.last_sent_on.is_(None), Reminder.last_sent_on < today),
                )
            ).all():
                if claim(db, update(Reminder).where(
                    Reminder.person_id == reminder.person_id,
                    or_(Reminder.last_sent_on.is_(None), Reminder.last_sent_on < today),
                ).values(last_sent_on=today)):
                    due = len(db.scalars(select(CardState.question_id).where(
                        CardState.person_id == person.id, CardState.due <= now)).all())
                    notices.append(Notice(person.id, person.telegram_id, person.language or "zh",
                                          "daily", due_count=due))
            notices.extend(self._assignment_notices(db, today, local.time()))
        return notices

    def _assignment_notices(self, db: Session, today: dt.date, clock: dt.time) -> list[Notice]:
        notices = []
        for assignment in db.scalars(select(Assignment).where(
                Assignment.active.is_(True), Assignment.due_on >= today)):
            for person in assignees(db, assignment):
                if person.telegram_id is None:
                    continue
                progress = db.scalar(select(AssignmentProgress).where(
                    AssignmentProgress.assignment_id == assignment.id,
                    AssignmentProgress.person_id == person.id))
                if progress is None:  # never told: tell now
                    try:
                        with db.begin_nested():
                            db.add(AssignmentProgress(assignment_id=assignment.id,
                                                      person_id=person.id, reminded_on=today))
                    except IntegrityError:  # another process told them first
                        continue
                elif progress.completed_at is not None or clock < ASSIGNMENT_REMIND_AT:
                    continue
                else:
                    if not claim(db, update(AssignmentProgress).where(
                        AssignmentProgress.id == progress.id,
                        or_(AssignmentProgress.reminded_on.is_(None), AssignmentProgress.reminded_on < today),
                    ).values(reminded_on=today)):
                        continue
                view = AssignmentView(assignment.id, assignment.title, assignment.due_on,
                                      assignment.question_count, False, None)
                notices.append(Notice(person.id, person.telegram_id, person.language or "zh",
                                      "assignment", assignment=view))
        return notices
