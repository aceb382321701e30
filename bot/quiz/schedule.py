"""Spaced repetition with FSRS (the `fsrs` package): when each question comes back.

A right answer is rated Good, a wrong one Again. Intra-day learning steps are turned
off: guides practise a few minutes a day, so the shortest useful interval is a day —
a missed question is due again tomorrow, a known one after several days, growing with
each right answer.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from fsrs import Card, Rating, Scheduler, State

from bot.quiz.records import CardState


@lru_cache(maxsize=1)
def scheduler() -> Scheduler:
    return Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def _naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def review(state: CardState | None, person_id: int, question_id: str, correct: bool,
           now: dt.datetime) -> CardState:
    """The card after one answer; a new CardState for a first answer."""
    card = Card.from_json(state.card) if state is not None else Card()
    card, _ = scheduler().review_card(card, Rating.Good if correct else Rating.Again, _aware(now))
    if state is None:
        state = CardState(person_id=person_id, question_id=question_id, reviews=0, lapses=0)
    state.card = card.to_json()
    state.due = _naive(card.due)
    state.reviews = (state.reviews or 0) + 1
    state.lapses = (state.lapses or 0) + (0 if correct else 1)
    state.last_review = _naive(now)
    return state


def retrievability(state: CardState, now: dt.datetime) -> float:
    """The chance the person still knows the answer now (FSRS's forgetting curve)."""
    card = Card.from_json(state.card)
    if card.state == State.Learning and card.stability is None:
        return 0.0
    return float(scheduler().get_card_retrievability(card, _aware(now)))
