"""What must last about practice: sessions, every attempt, each person's schedule per
question, daily reminders, assignments and certificates.

Everything a quiz needs between two messages lives here, not in process memory, so a
restarted bot (or a second bot process behind a load balancer) carries on where the
last one stopped.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Float, ForeignKey, String, Text, UniqueConstraint, Update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Mapped, Session, mapped_column

from ingest.db import Base
from ingest.registry import utcnow


class QuizSession(Base):
    """A short run of questions for one person: practice, an assignment or an exam."""

    __tablename__ = "quiz_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # practice | assignment | certification
    topic: Mapped[str | None] = mapped_column(String(256))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    level: Mapped[str | None] = mapped_column(String(64))
    question_ids: Mapped[str] = mapped_column(Text)  # JSON list, in the order asked
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | finished | abandoned
    answered: Mapped[int] = mapped_column(default=0)
    correct: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]


class Attempt(Base):
    """One question put to one person, and their answer once it comes.

    A row is written when the question is sent (so a poll answer can find it after a
    restart) and completed when the answer arrives; `answered_at` NULL means asked,
    not answered yet."""

    __tablename__ = "quiz_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("quiz_sessions.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    question_id: Mapped[str] = mapped_column(String(32), index=True)
    question_version: Mapped[str | None] = mapped_column(String(64))  # source hash
    position: Mapped[int]
    options_shown: Mapped[str] = mapped_column(Text)  # JSON list, in the order shown
    correct_shown: Mapped[int | None]  # index into options_shown
    delivery: Mapped[str] = mapped_column(String(16))  # poll | buttons | text
    poll_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    message_id: Mapped[int | None]
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    choice: Mapped[int | None]  # index into options_shown
    answer_text: Mapped[str | None] = mapped_column(Text)  # short answers
    correct: Mapped[bool | None] = mapped_column(Boolean)
    time_ms: Mapped[int | None]


class CardState(Base):
    """One person's FSRS memory state for one question."""

    __tablename__ = "quiz_cards"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    card: Mapped[str] = mapped_column(Text)  # fsrs.Card.to_json()
    due: Mapped[dt.datetime] = mapped_column(index=True)
    reviews: Mapped[int] = mapped_column(default=0)
    lapses: Mapped[int] = mapped_column(default=0)
    last_review: Mapped[dt.datetime | None]


class Reminder(Base):
    """A daily practice reminder at a local time the person chose."""

    __tablename__ = "quiz_reminders"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    at: Mapped[str] = mapped_column(String(5))  # HH:MM, local time (settings.quiz_timezone)
    last_sent_on: Mapped[dt.date | None]


class Assignment(Base):
    """A topic a trainer asks a region, a store or a person to practise by a date."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(256))
    topic: Mapped[str | None] = mapped_column(String(256))  # None: the whole bank
    question_count: Mapped[int]
    target_kind: Mapped[str] = mapped_column(String(16))  # region | store | person
    target_id: Mapped[int]
    due_on: Mapped[dt.date]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AssignmentProgress(Base):
    """Where one assignee stands: when last reminded, when completed and with what score."""

    __tablename__ = "assignment_progress"
    __table_args__ = (UniqueConstraint("assignment_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    reminded_on: Mapped[dt.date | None]
    completed_at: Mapped[dt.datetime | None]
    score: Mapped[float | None] = mapped_column(Float)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("quiz_sessions.id"))


class Certificate(Base):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    level: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    session_id: Mapped[int] = mapped_column(ForeignKey("quiz_sessions.id"))
    passed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


def claim(db: Session, statement: Update) -> bool:
    """Run a conditional UPDATE meant to change exactly one row; True when it did. Two
    processes racing for the same row: exactly one of them gets True."""
    result = db.execute(statement.execution_options(synchronize_session=False))
    return isinstance(result, CursorResult) and result.rowcount == 1
