"""Extractive answers that say what was asked.

A guide reads a few lines on a phone, so an answer is not the passage but the parts of
it that answer: the product fields asked about, the SOP step or rule, the table row,
the FAQ pair, the sentence. Each part of the answering passage is scored against the
question (its words, weighted by rarity; its character pairs; its meaning), the best
are shown key fact first, and the rest waits behind "more". Nothing is written here
that the passage does not say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from bot.amounts import amounts, fits
from bot.intents import wanted_fields
from bot.retrieve import TRANSLATED_CREDIT, Passage, Query, matching_form
from ingest.chunkers.common import prose_parts
from ingest.chunkers.fab import AMOUNT_CELL
from ingest.document import Part
from ingest.embedder import Embedder
from ingest.normalize import cjk_bigrams, for_matching, has_cjk

# What a product question with no other words gets (just a name, "介绍一下X").
DEFAULT_FIELDS = ("price", "features", "advantages", "benefits")
HEADER_FIELDS = ("product", "sku")
# fields that name the product: they say which record, not what the question asks
NAMING_FIELDS = (*HEADER_FIELDS, "aliases")

# A question and its reply belong together: an objection is shown with its answer.
PAIRED_FIELDS = {"objections": "replies"}
FAB_FIELDS = frozenset({"features", "advantages", "benefits"})
FAB_SHARE = 0.5
# Questions after a quantity ("多厚", "功率多大", "how many") are answered by a part that
# holds a number.
_ASKS_QUANTITY = re.compile(r"多少|多大|多厚|多重|多高|多长|多久|多远|几|功率|容量|尺寸|重量|"
                            r"how (?:many|much|long|big|heavy|often|far)|what size")
_HAS_NUMBER = re.compile(r"\d")
QUANTITY_BONUS = 0.3
RANGE_BONUS = 1.5  # the case of a rule whose range holds the amount asked about is the answer
# A question after the procedure itself gets the steps in order, not the best one.
_ASKS_PROCEDURE = re.compile(r"步骤|流程|怎么办理|怎么操作|怎么处理|哪几步|几个步骤|程序|"
                             r"steps|procedure|process|how do (?:i|we|you)")
INTENT_BONUS = 0.6
_PRICE_LABEL = re.compile(r"价|price", re.IGNORECASE)
_BARE_NUMBER = re.compile(r"[\d,.]+")  # "1.5" under "重量" is no price: an amount says ¥ or 元
BIGRAM_WEIGHT = 0.5
DENSE_WEIGHT = 1.0
# Parts within this share of the best part's score are shown beside it.
KEEP_SHARE = 0.75
MAX_PARTS = 3
VECTOR_CACHE = 50_000


@dataclass(frozen=True)
class Composed:
    lines: list[str]
    trimmed: bool  # the passage has more than is shown


def parts_of(passage: Passage) -> list[Part]:
    """The passage's stored parts; passages indexed before parts existed are cut now.
    A product field that lists several selling points is one part per point, so a
    question about one of them gets that one."""
    stored = passage.chunk.parts or prose_parts(passage.chunk.text.splitlines())
    return [item for part in stored for item in _items(part)]


_ITEM_SEPARATOR = re.compile(r"\s*[；;]+\s*|\n+")
MIN_ITEM_CHARS = 4


def _items(part: Part) -> list[Part]:
    if part.kind != "field" or part.field in HEADER_FIELDS or not part.value or not part.text.endswith(part.value):
        return [part]
    label = part.text[: len(part.text) - len(part.value)]
    items = [x for x in _ITEM_SEPARATOR.split(part.value) if x.strip()]
    if len(items) < 2 or any(len(x) < MIN_ITEM_CHARS for x in items):
        return [part]
    return [replace(part, text=f"{label}{item}", value=item) for item in items]


def _merged(parts: list[Part]) -> list[str]:
    """Lines to show: points of one field back on one line, as the sheet wrote them."""
    lines: list[str] = []
    last: Part | None = None
    for part in parts:
        if last is not None and part.kind == "field" and part.value and last.label == part.label \
                and last.field == part.field:
            lines[-1] += ("；" if has_cjk(part.text) else "; ") + part.value
        else:
            lines.append(part.text)
        last = part
    return lines


class PartScorer:
    """How well each part of a passage answers the question."""

    def __init__(self, embedder: Embedder | None) -> None:
        self.embedder = embedder
        # Parts never change (a passage's id hashes its text), so their vectors are kept.
        self._vectors: dict[str, np.ndarray] = {}

    def scores(self, query: Query, passage: Passage, parts: list[Part]) -> list[float]:
        context = matching_form(passage.document.title, passage.chunk.section, " ".join(
            p.text for p in parts if p.field in NAMING_FIELDS))
        # Words of the title, section and product's names are shared by every part: they
        # say which passage, not which part.
        weights = {w: x for w, x in query.weights.items() if w not in context}
        total = sum(weights.values())
        bigrams = [b for b in dict.fromkeys(cjk_bigrams(query.norm)) if b not in context]
        wanted = set(wanted_fields(query.norm))
        quantity = bool(_ASKS_QUANTITY.search(query.norm))
        norms = [for_matching(p.searchable) for p in parts]
        # an amount a part says in so many words is matched as a word, not by range
        asked = [a for a in amounts(query.norm) if not any(_same_number(a, norm) for norm in norms)]
        dense = self._dense(query, parts)
        out = []
        for part, norm, cosine in zip(parts, norms, dense, strict=True):
            if part.field in HEADER_FIELDS or (part.field == "aliases" and part.field not in wanted):
                out.append(-1.0)
                continue
            lexical = sum(x if w in norm else TRANSLATED_CREDIT * x
                          for w, x in weights.items() if w in norm or any(
                              t in norm for t in passage.translations.get(w, ()))) / total if total else 0.0
            pairs = sum(1 for b in bigrams if b in norm) / len(bigrams) if bigrams else 0.0
            intent = INTENT_BONUS if part.field in wanted or ("price" in wanted and _is_other_price(part)) else 0.0
            number = QUANTITY_BONUS if quantity and _HAS_NUMBER.search(norm) else 0.0
            # "补6000积分谁批": the case whose range holds 6000, not the one that says 5000
            ranges = {fits(a, norm) for a in asked}
            in_range = RANGE_BONUS if True in ranges else -RANGE_BONUS if False in ranges else 0.0
            out.append(lexical + BIGRAM_WEIGHT * pairs + DENSE_WEIGHT * cosine + intent + number + in_range)
        return out

    def _dense(self, query: Query, parts: list[Part]) -> list[float]:
        if self.embedder is None or not parts:
            return [0.0] * len(parts)
        texts = [p.text for p in parts]
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            if len(self._vectors) > VECTOR_CACHE:
                self._vectors.clear()
            self._vectors.update(zip(missing, self.embedder.embed_documents(missing), strict=True))
        return [float(self._vectors[t] @ query.vector) for t in texts]


def _same_number(amount: float, norm: str) -> bool:
    return re.search(rf"(?<![\d.,]){amount:g}(?![\d.])", norm.replace(",", "")) is not None


def focused(passage: Passage, scorer: PartScorer, max_chars: int) -> Composed:
    """The lines of PASSAGE that answer its question, best first."""
    parts = parts_of(passage)
    query = passage.query
    if query is None or len(parts) <= 1:
        lines = [p.text for p in parts] or passage.chunk.text.splitlines()
        return Composed(lines, False)
    header = [p.text for p in parts if p.field in HEADER_FIELDS]
    scores = scorer.scores(query, passage, parts)
    is_record = bool(header)
    budget = max_chars - sum(len(h) for h in header)
    if not is_record and _ASKS_PROCEDURE.search(query.norm) and sum(p.kind == "step" for p in parts) >= 2:
        chosen = _in_order(parts, budget)
    else:
        chosen = _choose(parts, scores, budget)
    if is_record and not wanted_fields(query.norm) and not _asks_detail(query, passage, parts):
        chosen = [i for i, p in enumerate(parts) if p.field in DEFAULT_FIELDS] or chosen
    chosen = _with_pairs(parts, chosen, scores)
    lines = header + _merged([parts[i] for i in chosen])
    heading = _heading(passage)
    if heading and not is_record and not any(heading in line for line in lines):
        lines.insert(0, heading)
    shown = len(header) + len(chosen)
    return Composed(lines, shown < len(parts))


def _in_order(parts: list[Part], budget: int) -> list[int]:
    chosen: list[int] = []
    used = 0
    for i, part in enumerate(parts):
        if chosen and used + len(part.text) > budget:
            break
        chosen.append(i)
        used += len(part.text)
    return chosen


def _asks_detail(query: Query, passage: Passage, parts: list[Part]) -> bool:
    """Does the question ask more than the product's name?"""
    context = matching_form(passage.document.title, passage.chunk.section,
                            " ".join(p.text for p in parts if p.field in HEADER_FIELDS))
    return any(w not in context for w in query.weights)


def _choose(parts: list[Part], scores: list[float], budget: int) -> list[int]:
    """The best part, and the parts nearly as good, within the budget; shown in the
    document's order, so a step stays before the next one."""
    order = sorted((i for i, s in enumerate(scores) if s >= 0), key=lambda i: scores[i], reverse=True)
    if not order:
        return []
    best = scores[order[0]]
    chosen = [order[0]]
    used = len(parts[order[0]].text)
    for i in order[1:MAX_PARTS]:
        if scores[i] < KEEP_SHARE * best or used + len(parts[i].text) > budget:
            break
        chosen.append(i)
        used += len(parts[i].text)
    return sorted(chosen)


def _with_pairs(parts: list[Part], chosen: list[int], scores: list[float]) -> list[int]:
    """Fields that belong together: an objection with its reply; a selling point as
    feature, advantage and benefit (the fact, what it does, what it means to the
    customer), each the item of its field closest to the question."""
    fields = {parts[i].field for i in chosen}
    partners = {PAIRED_FIELDS[f] for f in fields if f in PAIRED_FIELDS} - fields
    if any(_is_other_price(parts[i]) for i in chosen):
        partners.add("price")  # "会员到手价：1259" beside the price it is off
    extra = {i for i, p in enumerate(parts) if p.field in partners}
    if fields & FAB_FIELDS:
        best = max(scores[i] for i in chosen)
        for name in FAB_FIELDS - fields:
            items = [i for i, p in enumerate(parts) if p.field == name]
            top = max(items, key=lambda i: scores[i], default=None)
            if top is not None and scores[top] >= FAB_SHARE * best:
                extra.add(top)
    return sorted(set(chosen) | extra)


def _is_other_price(part: Part) -> bool:
    """A column kept under its own header that is a price too: it says so ("会员到手价",
    "VIP价") or holds an amount with its currency ("澄光会员：¥288")."""
    value = (part.value or "").strip("* ")
    return part.kind == "field" and part.field is None and (
        bool(_PRICE_LABEL.search(part.label or "")) or (bool(AMOUNT_CELL.fullmatch(value)) and not _BARE_NUMBER.fullmatch(value)))


def _heading(passage: Passage) -> str | None:
    """The section heading the passage's text opens with (SOP pieces repeat it)."""
    first = passage.chunk.text.split("\n", 1)[0].strip()
    section = (passage.chunk.section or "").split(" › ")[-1].strip()
    return first if section and first == section and len(first) <= 40 else None
