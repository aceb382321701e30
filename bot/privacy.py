"""Customer data that guides type into the bot (a shopper's mobile number, an ID-card
number) is masked before anything is stored, logged or sent to an LLM.

What is masked, and why the patterns are this narrow:

- Mainland mobile numbers: 11 digits starting 13–19, optionally grouped 3-4-4 with
  spaces or dashes, optionally prefixed +86 / 0086 / 86. Kept: the first 3 and last 4
  digits (138****5678), enough for a trainer to tell two customers apart.
- Hong Kong numbers only with an explicit +852 / 852 prefix (kept: +852 ****4567). A
  bare 8-digit number is far more often a price in fen, an order or a SKU than a phone.
- PRC ID cards: 18 characters (last may be X) or the old 15-digit form, and only when
  the birth date inside is a real month and day; date-prefixed order numbers
  (20261124…) fail that check. A 15-digit IMEI can still match; masking it is harmless.

Questions are answered with these numbers left out altogether (`without_personal_data`):
the knowledge base never holds a customer's number, and a stray number, masked or not,
only lowers the match with the passage that answers. So the answer (and any LLM) never
sees them, and the stored question keeps the masked form for trainers.

A number glued to letters or other digits (SKU HY-AP300, order DD2026…, a 19-digit
number) is never masked: the match must stand alone.
"""

from __future__ import annotations

import re

_EDGE_BEFORE = r"(?<![0-9A-Za-z])"
_EDGE_AFTER = r"(?![0-9A-Za-z])"
_SEP = r"[ \-]?"

_MOBILE = re.compile(
    _EDGE_BEFORE
    + rf"(?P<prefix>(?:\+|00)?86{_SEP})?(?P<number>1[3-9]\d{_SEP}\d{{4}}{_SEP}\d{{4}})"
    + _EDGE_AFTER
)
_HONG_KONG = re.compile(
    _EDGE_BEFORE + rf"(?P<prefix>(?:\+|00)?852{_SEP})(?P<number>[2-9]\d{{3}}{_SEP}\d{{4}})" + _EDGE_AFTER
)
_MONTH_DAY = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_ID_CARD = re.compile(
    _EDGE_BEFORE
    + rf"(?P<number>[1-9]\d{{5}}(?:18|19|20)\d{{2}}{_MONTH_DAY}\d{{3}}[\dXx]|[1-9]\d{{7}}{_MONTH_DAY}\d{{3}})"
    + _EDGE_AFTER
)


def _digits(text: str) -> str:
    return re.sub(r"[ \-]", "", text)


def _mask_phone(match: re.Match[str]) -> str:
    digits = _digits(match.group("number"))
    shown = digits[:3] + "****" if len(digits) == 11 else "****"
    return (match.group("prefix") or "") + shown + digits[-4:]


def _mask_id(match: re.Match[str]) -> str:
    number = match.group("number")
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_personal_data(text: str) -> str:
    """The text with customers' phone and ID-card numbers masked; all else unchanged."""
    text = _ID_CARD.sub(_mask_id, text)
    text = _MOBILE.sub(_mask_phone, text)
    return _HONG_KONG.sub(_mask_phone, text)


def without_personal_data(text: str) -> str:
    """The text with those numbers left out: what the knowledge base is asked."""
    for pattern in (_ID_CARD, _MOBILE, _HONG_KONG):
        text = pattern.sub(" ", text)
    return re.sub(r"\s{2,}", " ", text).strip()
