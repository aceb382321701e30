"""Follow-up questions: "那它多少钱" after a question about a product is about that
product. A question without a subject of its own borrows the subject of the same
person's previous turn; one that names its own subject starts afresh. Callers pass only
that person's own recent turn, so a subject never crosses from one person to another."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.amounts import with_amount_of
from ingest.normalize import for_matching, words

# Words that point back at something said before.
_ANAPHOR = re.compile(
    r"它|它们|这个|那个|这款|那款|这台|那台|这支|那支|这瓶|那瓶|这种|那种|该产品|这件|那件|"
    r"\b(?:it|its|it's|this one|that one|they|them|the same)\b"
)
# Openings of a follow-up: "那…", "还有…", "and for members?", "what about …".
_OPENING = re.compile(r"^(?:那|还有|那么|另外|and\b|what about\b|how about\b|also\b)")
# A question this short (in content words) says what it asks, not what it is about.
MAX_OWN_WORDS = 2


@dataclass(frozen=True)
class Turn:
    """What a later question may refer back to."""

    question: str  # as it was answered (a follow-up already resolved)
    subject: str | None  # the product or topic it was about; None when it was not answered


def refers_back(question: str) -> bool:
    """Does the question point back at an earlier one ("那它多少钱", "how much is it")?"""
    norm = for_matching(question)
    return bool(_ANAPHOR.search(norm) or _OPENING.search(norm))


def lacks_subject(question: str) -> bool:
    """Too few words of its own to say what it is about ("小孩能用吗", "收费吗")."""
    return len(words(for_matching(question))) <= MAX_OWN_WORDS


def with_subject(question: str, previous: Turn | None) -> str | None:
    """The question with the previous turn's subject put in front, or None when it is
    not a follow-up or there is nothing recent to refer to."""
    if previous is None or previous.subject is None:
        return None
    if not (refers_back(question) or lacks_subject(question)):
        return None
    if for_matching(previous.subject) in for_matching(question):
        return None
    return f"{with_amount_of(previous.subject, question)} {question}"
