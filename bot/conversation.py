"""One conversation turn, whatever the channel: access, limits, small talk, follow-ups,
the answer, and the record of it. Telegram and the terminal chat both come through here.

A question without a subject of its own ("那它多少钱", "how much is it") is answered about
the subject of the same person's previous exchange on the same channel, if that came
within `followup_window_s`; never another person's, and never for an anonymous asker.
Greetings and thanks get a short reply (bot/smalltalk.py) and are not recorded."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import func, select, true
from sqlalchemy.orm import sessionmaker

from bot.access import active_person
from bot.answer import Answer, source_json
from bot.followup import Turn
from bot.messages import say
from bot.privacy import mask_personal_data, without_personal_data
from bot.service import Services
from bot.settings import Settings
from bot.smalltalk import small_talk, small_talk_reply, without_small_talk
from bot.store import Exchange, KnowledgeGap, Person, Store
from ingest.db import riding_out_restarts, session_factory
from ingest.registry import utcnow

TERMINAL_NAME = "terminal"
OutcomeKind = Literal["answer", "smalltalk", "rate_limited", "too_long", "duplicate"]


@dataclass(frozen=True)
class PersonView:
    """A detached snapshot of a person, safe to pass between threads."""

    id: int
    name: str
    role: str
    store_id: int | None
    store_name: str | None
    language: str | None
    active: bool

    @classmethod
    def of(cls, person: Person, store: Store | None) -> PersonView:
        return cls(person.id, person.name, person.role, person.store_id,
                   store.name if store else None, person.language, person.active)


@dataclass
class Outcome:
    kind: OutcomeKind
    text: str
    language: str
    answer: Answer | None = None
    exchange_id: int | None = None


class RateLimiter:
    """At most `count` messages per key in any `window_s` seconds (sliding window), in
    memory: for askers without a person record. People are limited from the database."""

    def __init__(self, count: int, window_s: float) -> None:
        self.count, self.window_s = count, window_s
        self._hits: dict[object, deque[float]] = {}
        self._lock = threading.Lock()

    def wait_needed(self, key: object, now: float | None = None) -> float:
        """0 when the message may go through (and counts it), else seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= self.window_s:
                hits.popleft()
            if len(hits) >= self.count:
                return self.window_s - (now - hits[0])
            hits.append(now)
            return 0.0


class Conversation:
    def __init__(self, settings: Settings, services: Services,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.settings = settings
        self.services = services
        self.clock = clock  # naive UTC: when exchanges happen (rate limit, follow-ups); tests move it
        self.sessions: sessionmaker = session_factory(settings.db_url)
        self.limiter = RateLimiter(settings.rate_limit_count, settings.rate_limit_window_s)
        self._riding_out = riding_out_restarts(settings.database_retry_s)  # one policy, made once

    # -- people -------------------------------------------------------------------
    def person(self, telegram_id: int) -> PersonView | None:
        return self._riding_out(self._person)(telegram_id)  # type: ignore[no-any-return]

    def _person(self, telegram_id: int) -> PersonView | None:
        with self.sessions() as session:
            person = session.scalar(select(Person).where(Person.telegram_id == telegram_id))
            if person is None:
                return None
            return PersonView.of(person, session.get(Store, person.store_id) if person.store_id else None)

    def terminal_person(self) -> PersonView:
        """The person at the terminal: a local account without Telegram."""
        with self.sessions.begin() as session:
            person = session.scalar(
                select(Person).where(Person.telegram_id.is_(None), Person.name == TERMINAL_NAME)
            )
            if person is None:
                person = Person(name=TERMINAL_NAME, role="admin", active=True)
                session.add(person)
                session.flush()
            return PersonView.of(person, None)

    def deactivate(self, manager_id: int, who: str) -> str | None:
        """A trainer or admin deactivates someone; returns their name, or None when
        nobody matches or the manager may not manage them."""
        from bot.access import deactivate, find_person
        from bot.policy import may_manage

        with self.sessions.begin() as session:
            manager = session.get(Person, manager_id)
            person = find_person(session, who)
            if manager is None or person is None or person.id == manager.id or not may_manage(db=session, manager=manager, person=person):
                return None
            deactivate(session, person)
            return person.name

    def set_language(self, person_id: int, language: str) -> None:
        with self.sessions.begin() as session:
            person = session.get(Person, person_id)
            if person is not None:
                person.language = language

    def is_active(self, telegram_id: int) -> bool:
        with self.sessions() as session:
            return active_person(session, telegram_id) is not None

    # -- questions ----------------------------------------------------------------
    def ask(
        self, person: PersonView | None, question: str, *, channel: str, language: str,
        update_key: str | None = None,
    ) -> Outcome:
        """The reply to one message. A database that is briefly away (a restart) is
        waited for; the whole question is then asked again, and an exchange its first
        try already stored is answered, not taken for a second delivery."""
        tries = 0

        @self._riding_out
        def once() -> Outcome:
            nonlocal tries
            tries += 1
            return self._ask(person, question, channel=channel, language=language, update_key=update_key,
                             again=tries > 1)

        return once()

    def _ask(
        self, person: PersonView | None, question: str, *, channel: str, language: str,
        update_key: str | None, again: bool,
    ) -> Outcome:
        # A customer's phone or ID-card number never reaches the answer (or an LLM), and
        # only its masked form is stored (see bot/privacy.py).
        question = question.strip()
        masked = mask_personal_data(question)
        asked = without_small_talk(without_personal_data(question) or masked)
        question = masked
        if len(question) > self.settings.max_question_chars:
            return Outcome("too_long", say("too_long", language, limit=self.settings.max_question_chars), language)
        stored = self._stored(update_key) if update_key else None
        if stored is not None and not again:
            return Outcome("duplicate", "", language)
        # a first try whose exchange was stored is not counted against the person again
        wait = 0.0 if stored is not None else (
            self._wait_needed(person) if person else self.limiter.wait_needed(channel))
        if wait > 0:
            return Outcome("rate_limited", say("rate_limited", language, seconds=max(1, round(wait))), language)
        chat = small_talk(asked)  # (a customer's number beside "你好" asks nothing either)
        if chat is not None:  # not for the knowledge base, not a gap, not a subject
            return Outcome("smalltalk", small_talk_reply(chat, language), language)
        previous = self._previous_turn(person, channel, before=stored) if person else None
        started = time.perf_counter()
        answer = self.services.answerer.answer(asked, language, previous=previous)
        latency_ms = int((time.perf_counter() - started) * 1000)
        exchange_id = stored if stored is not None else self._record(
            person, question, answer, channel, update_key, latency_ms)
        return Outcome("answer", answer.text, language, answer, exchange_id)

    def _wait_needed(self, person: PersonView) -> float:
        """Seconds until the person may ask again, counted from their stored exchanges,
        so the limit holds across bot processes and restarts."""
        window = dt.timedelta(seconds=self.settings.rate_limit_window_s)
        now = self.clock()
        with self.sessions() as session:
            count, oldest = session.execute(
                select(func.count(Exchange.id), func.min(Exchange.created_at)).where(
                    Exchange.person_id == person.id, Exchange.created_at > now - window)
            ).one()
        if count < self.settings.rate_limit_count or oldest is None:
            return 0.0
        return max(0.1, (oldest + window - now).total_seconds())

    def _previous_turn(self, person: PersonView, channel: str, before: int | None = None) -> Turn | None:
        """The person's own last exchange on this channel, when it is recent enough to
        be what a follow-up refers to (older than exchange `before`, when given)."""
        since = self.clock() - dt.timedelta(seconds=self.settings.followup_window_s)
        with self.sessions() as session:
            last = session.scalar(
                select(Exchange).where(Exchange.person_id == person.id, Exchange.channel == channel,
                                       Exchange.created_at >= since,
                                       Exchange.id < before if before is not None else true())
                .order_by(Exchange.created_at.desc(), Exchange.id.desc()).limit(1))
            return last.turn if last is not None else None

    def _stored(self, update_key: str) -> int | None:
        """The exchange already stored for this update (a redelivery), if any."""
        with self.sessions() as session:
            return session.scalar(select(Exchange.id).where(Exchange.update_key == update_key))

    def _record(
        self, person: PersonView | None, question: str, answer: Answer, channel: str,
        update_key: str | None, latency_ms: int,
    ) -> int:
        sources = [source_json(p) for p in answer.passages]
        turn, now = answer.turn, self.clock()
        with self.sessions.begin() as session:
            exchange = Exchange(
                person_id=person.id if person else None,
                store_id=person.store_id if person else None,
                channel=channel, update_key=update_key, question=question,
                asked=turn.question, subject=turn.subject,
                language=answer.language, found=answer.found, answer=answer.text,
                sources=json.dumps(sources, ensure_ascii=False), latency_ms=latency_ms,
                created_at=now,
            )
            session.add(exchange)
            session.flush()
            if not answer.found:
                session.add(KnowledgeGap(
                    exchange_id=exchange.id, person_id=exchange.person_id,
                    store_id=exchange.store_id, question=question,
                    closest=json.dumps(sources[:3], ensure_ascii=False), resolved=False,
                    created_at=now,
                ))
            return exchange.id

    def feedback(self, exchange_id: int, person_id: int, value: Literal["up", "down"]) -> bool:
        with self.sessions.begin() as session:
            exchange = session.get(Exchange, exchange_id)
            if exchange is None or exchange.person_id != person_id:
                return False
            exchange.feedback = value
            return True

    def exchange_sources(self, exchange_id: int, person_id: int) -> list[dict[str, object]] | None:
        with self.sessions() as session:
            exchange = session.get(Exchange, exchange_id)
            if exchange is None or exchange.person_id != person_id:
                return None
            return list(json.loads(exchange.sources))
