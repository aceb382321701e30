"""Quiz sessions, whatever the channel: which questions to ask, recording each answer,
the FSRS schedule, and what finishing a session means (an assignment completed, a
certificate earned).

State lives in the database only (bot.quiz.records), so a session survives a restart
and any bot process can take the next answer. Every method opens its own transaction
and returns plain dataclasses, safe to hand between threads.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.privacy import mask_personal_data
from bot.quiz.bank import BankQuestion
from bot.quiz.plans import assignees
from bot.quiz.records import (
    Assignment,
    AssignmentProgress,
    Attempt,
    CardState,
    Certificate,
    QuizSession,
    claim,
)
from bot.quiz.schedule import review
from bot.quiz.topics import topic_matches
from bot.settings import CertificationLevel, Settings
from bot.store import Exchange, Person
from ingest.db import riding_out_restarts
from ingest.normalize import for_matching
from ingest.registry import utcnow

# Telegram quiz poll limits (Bot API)
POLL_QUESTION_MAX = 300
POLL_OPTION_MAX = 100
POLL_OPTIONS_MAX = 12
POLL_EXPLANATION_MAX = 200
POLL_EXPLANATION_LINE_FEEDS = 2

AnswerStatus = Literal["ok", "unknown", "duplicate", "closed"]


@dataclass(frozen=True)
class Delivery:
    """One question as it is to be shown, options in the order shown."""

    attempt_id: int
    session_id: int
    position: int
    total: int
    kind: str
    stem: str
    options: list[str]
    correct_index: int | None
    explanation: str
    topic: str
    source_path: str | None

    @property
    def fits_poll(self) -> bool:
        """Whether Telegram takes it as a quiz poll (else: a message with buttons)."""
        return (
            self.kind in ("multiple_choice", "true_false") and self.correct_index is not None
            and 0 < len(self.stem) <= POLL_QUESTION_MAX
            and 2 <= len(self.options) <= POLL_OPTIONS_MAX
            and all(0 < len(o) <= POLL_OPTION_MAX for o in self.options)
            and len(set(self.options)) == len(self.options)
        )

    @property
    def poll_explanation(self) -> str | None:
        text = self.explanation.strip()
        if not text or len(text) > POLL_EXPLANATION_MAX or text.count("\n") > POLL_EXPLANATION_LINE_FEEDS:
            return None
        return text


@dataclass(frozen=True)
class Summary:
    answered: int
    correct: int
    total: int
    review_topics: list[str]
    kind: str
    level: CertificationLevel | None = None
    passed: bool | None = None
    assignment_title: str | None = None

    @property
    def score(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass(frozen=True)
class Feedback:
    status: AnswerStatus
    correct: bool = False
    correct_text: str | None = None
    explanation: str = ""
    topic: str = ""
    source_path: str | None = None
    next: Delivery | None = None
    summary: Summary | None = None


@dataclass(frozen=True)
class Start:
    delivery: Delivery | None
    problem: str | None = None  # no_questions | unknown_level | unknown_assignment
    resumed: bool = False
    level: CertificationLevel | None = None


def _loads(text: str | None) -> list:
    return list(json.loads(text)) if text else []


def level_pool(level: CertificationLevel, questions: Sequence[BankQuestion]) -> list[BankQuestion]:
    if not level.topics:
        return list(questions)
    keys = [for_matching(t) for t in level.topics]
    return [q for q in questions
            if any(k in for_matching(f"{q.topic} {q.source_path or ''}") for k in keys)]


class Practice:
    def __init__(self, settings: Settings, sessions: sessionmaker,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.settings = settings
        self._riding_out = riding_out_restarts(settings.database_retry_s)
        self.sessions = sessions
        self.clock = clock  # naive UTC; tests move it

    # -- the bank ------------------------------------------------------------------------
    @staticmethod
    def _active(db: Session) -> list[BankQuestion]:
        return list(db.scalars(select(BankQuestion).where(BankQuestion.status == "active")
                               .order_by(BankQuestion.id)))

    def level(self, name: str) -> CertificationLevel | None:
        wanted = for_matching(name)
        for level in self.settings.certification_levels:
            if for_matching(level.name) == wanted:
                return level
        return None

    # -- starting ------------------------------------------------------------------------
    # what a person does wait for a database briefly away (database_retry_s), as a
    # question does: each is one transaction, rolled back whole when the connection goes
    def start(self, person_id: int, *, topic: str | None = None, assignment_id: int | None = None,
              level: str | None = None, language: str = "zh") -> Start:
        return self._riding_out(self._start)(  # type: ignore[no-any-return]
            person_id, topic=topic, assignment_id=assignment_id, level=level, language=language)

    def answer(self, person_id: int, *, attempt_id: int | None = None, poll_id: str | None = None,
               choice: int | None = None, text: str | None = None) -> Feedback:
        """Retried whole: the attempt is claimed in the transaction, so a retry after a
        commit that did land finds it answered ("duplicate"), never counts it twice."""
        return self._riding_out(self._answer)(  # type: ignore[no-any-return]
            person_id, attempt_id=attempt_id, poll_id=poll_id, choice=choice, text=text)

    def stop(self, person_id: int) -> bool:
        """End the person's open session; False when there was none."""
        return self._riding_out(self._stop)(person_id)  # type: ignore[no-any-return]

    def _start(self, person_id: int, *, topic: str | None = None, assignment_id: int | None = None,
               level: str | None = None, language: str = "zh") -> Start:
        """Resume the person's open session when they just say /quiz, else start one:
        an assignment's, a certification exam, or practice (on a topic or mixed)."""
        now = self.clock()
        with self.sessions.begin() as db:
            person = db.get(Person, person_id)
            assert person is not None
            if topic is None and assignment_id is None and level is None:
                resumed = self._resume(db, person, now)
                if resumed is not None:
                    return Start(resumed, resumed=True)
            bank = self._active(db)
            chosen_level = None
            if level is not None:
                chosen_level = self.level(level)
                if chosen_level is None:
                    return Start(None, "unknown_level")
                pool = level_pool(chosen_level, bank)
                picked = random.Random(f"{person_id}:{now.isoformat()}").sample(pool, min(chosen_level.questions, len(pool)))
                kind = "certification"
            elif assignment_id is not None:
                assignment = db.get(Assignment, assignment_id)
                if assignment is None or not assignment.active or person not in assignees(db, assignment):
                    return Start(None, "unknown_assignment")
                pool = self._topic_pool(bank, assignment.topic)
                picked = self._choose(db, person.id, pool, assignment.question_count, now)
                kind, topic = "assignment", assignment.topic
            else:
                pool = self._topic_pool(bank, topic)
                picked = self._choose(db, person.id, pool, self.settings.quiz_session_size, now)
                kind = "practice"
            if not picked:
                return Start(None, "no_questions")
            for old in db.scalars(select(QuizSession).where(
                    QuizSession.person_id == person.id, QuizSession.status == "open")):
                old.status = "abandoned"
            session = QuizSession(
                person_id=person.id, kind=kind, topic=topic, assignment_id=assignment_id,
                level=chosen_level.name if chosen_level else None,
                question_ids=json.dumps([q.id for q in picked]), language=language,
                status="open", answered=0, correct=0, started_at=now,
            )
            db.add(session)
            db.flush()
            return Start(self._deliver(db, session, person, 0, now), level=chosen_level)

    def _resume(self, db: Session, person: Person, now: dt.datetime) -> Delivery | None:
        session = db.scalar(select(QuizSession).where(
            QuizSession.person_id == person.id, QuizSession.status == "open",
        ).order_by(QuizSession.id.desc()))
        if session is None:
            return None
        if now - session.started_at > dt.timedelta(hours=self.settings.quiz_resume_hours):
            session.status = "abandoned"
            return None
        pending = db.scalar(select(Attempt).where(
            Attempt.session_id == session.id, Attempt.answered_at.is_(None)
        ).order_by(Attempt.position.desc()))
        if pending is not None:
            return self._delivery_of(db, session, pending)
        return self._deliver(db, session, person, session.answered, now)

    @staticmethod
    def _topic_pool(bank: list[BankQuestion], topic: str | None) -> list[BankQuestion]:
        if not topic:
            return bank
        matched = set(topic_matches(topic, sorted({q.topic for q in bank})))
        return [q for q in bank if q.topic in matched]

    def _choose(self, db: Session, person_id: int, pool: list[BankQuestion], size: int,
                now: dt.datetime) -> list[BankQuestion]:
        """Due questions first (most overdue first), then what the person asked about
        lately, then questions they have never seen, then the soonest due."""
        states = {s.question_id: s for s in db.scalars(
            select(CardState).where(CardState.person_id == person_id))}
        due = sorted((q for q in pool if q.id in states and states[q.id].due <= now),
                     key=lambda q: states[q.id].due)
        asked = self._asked_about(db, person_id, pool, now)
        unseen = [q for q in pool if q.id not in states]
        random.Random(f"{person_id}:{now.date()}").shuffle(unseen)
        asked_new = [q for q in asked if q.id not in states]
        asked_seen = sorted((q for q in asked if q.id in states), key=lambda q: states[q.id].due)
        later = sorted((q for q in pool if q.id in states and states[q.id].due > now),
                       key=lambda q: states[q.id].due)
        picked: list[BankQuestion] = []
        seen: set[str] = set()
        for question in [*due, *asked_new, *asked_seen, *unseen, *later]:
            if question.id not in seen:
                seen.add(question.id)
                picked.append(question)
            if len(picked) == size:
                break
        return picked

    def _asked_about(self, db: Session, person_id: int, pool: list[BankQuestion],
                     now: dt.datetime) -> list[BankQuestion]:
        """Questions on what the person asked the bot recently: the same source file,
        and for a product sheet the same product."""
        since = now - dt.timedelta(days=self.settings.quiz_asked_days)
        asked: list[tuple[str, str]] = []
        for sources in db.scalars(select(Exchange.sources).where(
                Exchange.person_id == person_id, Exchange.found.is_(True), Exchange.created_at >= since,
        ).order_by(Exchange.id.desc())):
            top = _loads(sources)[:1]
            if top:
                asked.append((str(top[0].get("path")), for_matching(
                    f"{top[0].get('title')} {top[0].get('section')} {str(top[0].get('text'))[:120]}")))
        return [q for q in pool if any(
            q.source_path == path and for_matching(q.topic) in about for path, about in asked)]

    # -- delivering ----------------------------------------------------------------------
    def _deliver(self, db: Session, session: QuizSession, person: Person, position: int,
                 now: dt.datetime) -> Delivery | None:
        ids = _loads(session.question_ids)
        while position < len(ids):
            question = db.get(BankQuestion, ids[position])
            if question is not None and question.status == "active":
                break
            position += 1  # disabled or retired since the session began: skip it
        else:
            return None
        options = _loads(question.options)
        order = list(range(len(options)))
        if question.kind == "multiple_choice":
            random.Random(f"{session.id}:{position}").shuffle(order)
        shown = [options[i] for i in order]
        correct = order.index(question.answer_index) if question.answer_index is not None else None
        attempt = Attempt(
            session_id=session.id, person_id=person.id, store_id=person.store_id,
            assignment_id=session.assignment_id, question_id=question.id,
            question_version=question.source_hash, position=position,
            options_shown=json.dumps(shown, ensure_ascii=False), correct_shown=correct,
            delivery="text" if question.kind == "short_answer" else "buttons", sent_at=now,
        )
        db.add(attempt)
        db.flush()
        return self._delivery_of(db, session, attempt, question)

    @staticmethod
    def _delivery_of(db: Session, session: QuizSession, attempt: Attempt,
                     question: BankQuestion | None = None) -> Delivery:
        question = question or db.get(BankQuestion, attempt.question_id)
        assert question is not None
        return Delivery(
            attempt.id, session.id, attempt.position, len(_loads(session.question_ids)),
            question.kind, question.stem, _loads(attempt.options_shown), attempt.correct_shown,
            question.explanation, question.topic, question.source_path,
        )

    def sent(self, attempt_id: int, *, message_id: int | None, poll_id: str | None = None) -> None:
        """Remember how the question went out, so its answer finds the attempt."""
        with self.sessions.begin() as db:
            attempt = db.get(Attempt, attempt_id)
            if attempt is not None:
                attempt.message_id = message_id
                if poll_id is not None:
                    attempt.poll_id, attempt.delivery = poll_id, "poll"

    def _stop(self, person_id: int) -> bool:
        with self.sessions.begin() as db:
            stopped = False
            for session in db.scalars(select(QuizSession).where(
                    QuizSession.person_id == person_id, QuizSession.status == "open")):
                session.status, session.finished_at, stopped = "abandoned", self.clock(), True
            return stopped

    def waiting_for_text(self, person_id: int) -> int | None:
        """The short-answer attempt the person's next message answers, if any (a
        database briefly away is waited for)."""
        return self._riding_out(self._waiting_for_text)(person_id)  # type: ignore[no-any-return]

    def _waiting_for_text(self, person_id: int) -> int | None:
        with self.sessions() as db:
            return db.scalar(
                select(Attempt.id).join(QuizSession, QuizSession.id == Attempt.session_id).where(
                    Attempt.person_id == person_id, Attempt.delivery == "text",
                    Attempt.answered_at.is_(None), QuizSession.status == "open",
                ).order_by(Attempt.id.desc())
            )

    # -- answering -----------------------------------------------------------------------
    def _answer(self, person_id: int, *, attempt_id: int | None = None, poll_id: str | None = None,
                choice: int | None = None, text: str | None = None) -> Feedback:
        now = self.clock()
        with self.sessions.begin() as db:
            if attempt_id is not None:
                attempt = db.get(Attempt, attempt_id)
            else:
                attempt = db.scalar(select(Attempt).where(Attempt.poll_id == poll_id))
            if attempt is None or attempt.person_id != person_id:
                return Feedback("unknown")
            session = db.get(QuizSession, attempt.session_id)
            assert session is not None
            if attempt.answered_at is not None:
                return Feedback("duplicate")
            if session.status != "open":
                return Feedback("closed")
            question = db.get(BankQuestion, attempt.question_id)
            assert question is not None
            shown = _loads(attempt.options_shown)
            if text is not None:
                accepted = {for_matching(a) for a in _loads(question.answers)}
                correct = for_matching(text) in accepted
            else:
                if choice is None or not 0 <= choice < len(shown):
                    return Feedback("unknown")
                correct = choice == attempt.correct_shown
            # claim the attempt: a second process answering the same poll changes nothing
            if not claim(db, update(Attempt).where(Attempt.id == attempt.id, Attempt.answered_at.is_(None))
                         .values(answered_at=now, choice=choice, correct=correct,
                                 answer_text=None if text is None else mask_personal_data(text),
                                 time_ms=max(0, int((now - attempt.sent_at).total_seconds() * 1000)))):
                return Feedback("duplicate")
            state = db.get(CardState, (person_id, question.id))
            db.add(review(state, person_id, question.id, correct, now))
            session.answered += 1
            session.correct += int(correct)
            person = db.get(Person, person_id)
            assert person is not None
            following = self._deliver(db, session, person, attempt.position + 1, now)
            summary = None if following is not None else self._finish(db, session, now)
            correct_text = (shown[attempt.correct_shown] if attempt.correct_shown is not None
                            else (_loads(question.answers) or [""])[0])
            return Feedback("ok", correct, correct_text, question.explanation, question.topic,
                            question.source_path, following, summary)

    def _finish(self, db: Session, session: QuizSession, now: dt.datetime) -> Summary:
        session.status, session.finished_at = "finished", now
        attempts = list(db.scalars(select(Attempt).where(
            Attempt.session_id == session.id, Attempt.answered_at.is_not(None))))
        missed = []
        for attempt in attempts:
            if not attempt.correct:
                question = db.get(BankQuestion, attempt.question_id)
                if question is not None and question.topic not in missed:
                    missed.append(question.topic)
        total = len(attempts)
        score = session.correct / total if total else 0.0
        level = self.level(session.level) if session.level else None
        passed = None
        if level is not None:
            passed = total > 0 and score >= level.pass_mark
            if passed:
                db.add(Certificate(person_id=session.person_id, level=level.name, score=score,
                                   session_id=session.id, passed_at=now))
        title = None
        if session.assignment_id is not None:
            assignment = db.get(Assignment, session.assignment_id)
            title = assignment.title if assignment else None
            progress = db.scalar(select(AssignmentProgress).where(
                AssignmentProgress.assignment_id == session.assignment_id,
                AssignmentProgress.person_id == session.person_id))
            if progress is None:
                progress = AssignmentProgress(assignment_id=session.assignment_id,
                                              person_id=session.person_id)
                db.add(progress)
            if progress.completed_at is None or (progress.score or 0) < score:
                progress.completed_at, progress.score, progress.session_id = now, score, session.id
        return Summary(total, session.correct, total, missed, session.kind, level, passed, title)
