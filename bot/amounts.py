"""Amounts asked about and the ranges rules give them: "退款2000谁批" is answered by the
rule for ">500元 且 ≤3000元", which never says 2000. A rule's cases are told apart by
the range the asked amount falls in, not by the words they share."""

from __future__ import annotations

import math
import re

_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
_UNITS = r"元|块|积分|分|件|个|次|天|公里|公分|厘米|cm|km|kg|g|yuan|points|days"
_SCALE = {"千": 1_000, "k": 1_000, "K": 1_000, "万": 10_000, "w": 10_000, "W": 10_000}
# An amount in a question: a number with a unit or currency, or after a word that
# takes an amount ("退款2000", "补6000积分", "a 2000 yuan refund", "refund of 5000"); not a
# code ("S09"), a phone number ("打12315"), a date or an event ("双11", "618满减").
_AMOUNT = re.compile(
    rf"(?:(?P<before>退款|退|补录?|消费|买了?|付了?|充值?|金额|现金|花了?|refund(?: of)?|spend(?: of)?|spent|worth|of)"
    rf"\s*[¥￥$]?\s*|(?P<currency>[¥￥$])\s*|(?<![A-Za-z0-9.\-:/]))"
    rf"(?P<n>{_NUMBER})(?P<scale>[千万kKwW](?![A-Za-z]))?"
    rf"(?P<unit>\s*(?:{_UNITS}|rmb|cny|dollars)(?![A-Za-z]))?",
    re.IGNORECASE)
_UNIT = rf"\s*(?:{_UNITS}|日|%)?"
# "≤500元", "不超过500", "500元以内", ">3000", "超过3000元", "满1000", "1000元以上"
_CURRENCY = r"\s*(?:[¥￥$]|cny|rmb|hk\$)?\s*"
_UPPER_BEFORE = re.compile(rf"(?:≤|<=|＜=|<|＜|不超过|不高于|不满|低于|少于|未满|不足|以内的?|以下的?|"
                           rf"\bup to|\bunder|\bbelow|\bless than|\bat most|\bnot more than|\bno more than)"
                           rf"{_CURRENCY}(?P<n>{_NUMBER})", re.IGNORECASE)
_LOWER_BEFORE = re.compile(rf"(?:≥|>=|>|＞|(?<![不未])(?:超过|超出|高于|大于|多于|满)|起|"
                           rf"\bover|\babove|\bmore than|\bat least|\bexceeds?|\bexceeding)"
                           rf"{_CURRENCY}(?P<n>{_NUMBER})", re.IGNORECASE)
_UPPER_AFTER = re.compile(rf"(?P<n>{_NUMBER}){_UNIT}\s*(?:以内|以下|及以下|之内|内)")
_LOWER_AFTER = re.compile(rf"(?P<n>{_NUMBER}){_UNIT}\s*(?:以上|及以上|起|或以上|or more|and above|\+)", re.IGNORECASE)
_CLAUSE = re.compile(r"[\n；;。]+")


def _value(text: str) -> float:
    return float(text.replace(",", ""))


def _named(text: str) -> list[re.Match[str]]:
    return [m for m in _AMOUNT.finditer(text) if m.group("before") or m.group("currency") or m.group("unit")]


def amounts(text: str) -> list[float]:
    """The amounts a question names ("退款2000", "6000积分", "2千块", "¥300")."""
    return [_value(m.group("n")) * _SCALE.get(m.group("scale") or "", 1) for m in _named(text)]


def amount_words(text: str) -> frozenset[str]:
    """The question's words that are amounts, as the tokeniser writes them ("2000")."""
    return frozenset(m.group("n").replace(",", "") for m in _named(text) if not m.group("scale"))


# "背长 45–50cm", "3~5天": a range written with a dash
_SPAN = re.compile(rf"(?<![\d.,\-])(?P<low>{_NUMBER})\s*(?:-|–|—|~|～|至|到)\s*(?P<high>{_NUMBER})(?![\d\-])")


def amount_range(line: str) -> tuple[float, float] | None:
    """The range of amounts a rule's line applies to, or None when it states none.
    Bounds are taken as inclusive: a question's "500" fits "≤500" and ">500" alike,
    and both cases are then shown."""
    lower = [m for p in (_LOWER_BEFORE, _LOWER_AFTER) for m in p.finditer(line)]
    upper = [m for p in (_UPPER_BEFORE, _UPPER_AFTER) for m in p.finditer(line)]
    if not lower and not upper:
        span = _SPAN.search(line)
        if span is None or _value(span.group("low")) > _value(span.group("high")):
            return None
        return _value(span.group("low")), _value(span.group("high"))
    low = max((_value(m.group("n")) for m in lower), default=-math.inf)
    high = min((_value(m.group("n")) for m in upper), default=math.inf)
    return (low, high) if low <= high else None


def fits(amount: float, text: str) -> bool | None:
    """Does the amount fall in a range one of the text's clauses states ("2000元及以下当场退；
    2000元以上转账" has two)? None when it states none."""
    found = [r for clause in _CLAUSE.split(text) if (r := amount_range(clause)) is not None]
    if not found:
        return None
    return any(low <= amount <= high for low, high in found)


def speaks_of(word: str, text: str, asked: frozenset[str] = frozenset()) -> bool:
    """The word is in the text, or it is an amount asked about (one of `asked`) that the
    text states a range for."""
    return word in text or (word in asked and bool(fits(float(word), text)))


# A follow-up that changes only the amount: "那2500呢", "if it's 5000?", "3千呢"
_BARE_NUMBER = re.compile(rf"(?<![A-Za-z0-9.\-:/])(?P<n>{_NUMBER})(?P<scale>[千万kKwW](?![A-Za-z]))?(?![\d.])")


def with_amount_of(subject: str, follow_up: str) -> str:
    """The earlier question a follow-up refers to, with its amount replaced by the
    number the follow-up names ("退500块谁批" then "那2500呢" asks about 2500), or left
    out when the follow-up names none: an amount belongs to the question that names it,
    so "要带小票吗" is not asked about that 500."""
    named = _named(subject)
    if not named:
        return subject
    number = _BARE_NUMBER.search(follow_up)
    replacement = number.group(0) if number else ""
    out, last = [], 0
    for m in named:
        out.append(subject[last:m.start("n")])
        if replacement:  # the new number, in the old one's place and with its unit
            out.append(replacement)
            last = m.end("scale") if m.group("scale") else m.end("n")
        else:
            last = m.end("unit") if m.group("unit") else m.end("n")
    out.append(subject[last:])
    return "".join(out)
