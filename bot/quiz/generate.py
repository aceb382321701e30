"""Quiz questions generated from the knowledge base: deterministic, no LLM.

Three sources, each read the way the ingest pipeline stored it:

* FAB records (one chunk per product, its fields stored as data with the chunk): which benefit or
  advantage belongs to a product, which product a target-customer description is written
  for, a product's price, and the sheet's reply to a product's objection.
* SOP sections (a heading line, then numbered steps `1. …` or `第一步：…`): what comes
  after step N, and the number in a rule (7天, 1000元, 30分钟, 24 hours …) blanked out.
* Course text: key terms from definition sentences (`X是…`, `X，就是…`, `X指…`,
  `所谓X`, `X（Alias）：…`, `X means …`) — which term is described.

Correctness comes before volume. A question is skipped rather than produced when its
key cannot be checked against the record it comes from (a product listed twice with
different values, a price cell with two numbers, a rule given other values elsewhere,
a term defined twice), when fewer than two wrong options can be found that are clearly
wrong, or when it does not fit Telegram's quiz limits without cutting text mid-word.
A wrong option is never equal to the key after normalisation and never close to
anything the source says of the subject: not repeating its words, not on the same
theme (cleaning, noise, pets, children …), not sharing a word only a couple of records
use, not from another model of the same product ("… Pro" / "… Mini"), not the same
value as the key (two products at one price are never key and distractor).

Same index + same seed → the same questions, ids and option order: every random choice
comes from a generator seeded with the seed and the question's own source.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import random
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

import opencc

from bot.quiz.model import QuizQuestion
from ingest.chunkers.common import SECTION_SEPARATOR
from ingest.chunkers.fab import FIELDS
from ingest.document import numbered_step
from ingest.index import IndexReader
from ingest.lexical import ChunkRecord, DocumentRecord
from ingest.normalize import STOPWORDS, dominant_language, for_matching, to_simplified

# Telegram Bot API quiz limits
STEM_MAX = 300
OPTION_MAX = 100
EXPLANATION_MAX = 200
EXPLANATION_MAX_LINE_FEEDS = 2

OPTION_COUNT = 4  # the key and three distractors where the source allows
MIN_OPTIONS = 3  # fewer wrong options than two: no question

GeneratorKind = Literal[
    "fab_benefit", "fab_advantage", "fab_audience", "fab_price", "fab_reply",
    "sop_next_step", "sop_number", "course_term",
]
GENERATOR_KINDS: tuple[GeneratorKind, ...] = (
    "fab_benefit", "fab_advantage", "fab_audience", "fab_price", "fab_reply",
    "sop_next_step", "sop_number", "course_term",
)


@dataclass
class GeneratedQuestion:
    """A generated question with what made it: which rule, about what, from which
    source value (the whole FAB cell, the step's text, the number in the rule)."""

    question: QuizQuestion
    kind: GeneratorKind
    subject: str  # product name, "title › section #N", the rule's number, the term
    key_source: str  # the source text the keyed answer was taken from


def generate_questions(reader: IndexReader, *, seed: int = 0) -> list[QuizQuestion]:
    """Every question the knowledge base supports, in a stable order."""
    return [g.question for g in generate_detailed(reader, seed=seed)]


@dataclass
class Snapshot:
    """The knowledge base as generation reads it, from one index generation."""

    documents: list[DocumentRecord]  # by path
    chunks: dict[str, list[ChunkRecord]]  # doc_key -> its chunks in order
    products: list[tuple[ChunkRecord, DocumentRecord]]


def read_snapshot(reader: IndexReader, paths: Collection[str] | None = None) -> Snapshot:
    """All of the knowledge base, or the documents at `paths`."""
    with reader.pinned():  # one generation throughout
        documents = sorted((d for d in reader.documents().values() if paths is None or d.path in paths),
                           key=lambda d: (d.path, d.doc_key))
        chunks = {d.doc_key: reader.document_chunks(d.doc_key) for d in documents}
        products = [(c, d) for c, d in reader.product_chunks() if paths is None or d.path in paths]
        return Snapshot(documents, chunks, products)


@dataclass
class Scope:
    """Which documents a partial regeneration covers: every question whose source is one
    of `paths` is made again, the others are left as they are. Wrong options are still
    drawn from the whole knowledge base."""

    paths: frozenset[str]


def dependencies(content: Snapshot) -> dict[str, set[str]]:
    """Per document, what its questions are checked against in other documents: its
    title (a copy elsewhere makes the same questions, kept once), the products it lists
    (a product listed twice is asked only where both agree), the terms it defines
    (likewise) and its rules with their numbers blanked (a rule given another number
    elsewhere is not asked)."""
    keys: dict[str, set[str]] = defaultdict(set)
    for doc in content.documents:  # stems name the title: copies make the same questions
        keys[doc.path].add("title:" + _norm(doc.title or ""))
    for chunk, doc in content.products:
        name = _norm(record_fields(chunk).get("product", ""))
        if name:
            keys[doc.path].add("product:" + name)
    for doc in content.documents:
        for chunk in content.chunks[doc.doc_key]:
            keys[doc.path].update("rule:" + key for key, _ in blanked_rules(chunk))
            if doc.doc_type == "course":
                for term in find_definitions(doc, chunk):
                    keys[doc.path].update("term:" + form for form in term.forms)
    return keys


def scope_for(content: Snapshot, changed: Collection[str], before: Snapshot | None = None) -> Scope:
    """The documents a change can touch: the changed ones, and every document sharing a
    dependency with what a changed document says now or said `before` (its previous
    version, as the index held it before the change), or whose product records name a
    product a changed document lists or listed (a stem naming another product is not
    asked)."""
    now = dependencies(content)
    touched = set().union(*(now.get(p, set()) for p in changed))
    if before is not None:
        old = dependencies(before)
        touched |= set().union(*(old.get(p, set()) for p in changed))
    paths = set(changed) | {path for path, keys in now.items() if keys & touched}
    names = [key.removeprefix("product:") for key in touched if key.startswith("product:")]
    if names:
        mentions = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))
        for chunk, doc in content.products:
            fields = record_fields(chunk)
            own = _norm(fields.get("product", ""))
            text = _norm(" ".join(v for k, v in fields.items() if k != "product"))
            if any(m.group(0) != own for m in mentions.finditer(text)):
                paths.add(doc.path)
    return Scope(frozenset(paths))


def generate_detailed(reader: IndexReader, *, seed: int = 0, scope: Scope | None = None,
                      content: Snapshot | None = None) -> list[GeneratedQuestion]:
    """Every question (or, with a scope, every question from its documents), each made
    exactly as a full run would make it; `content` when it was read already."""
    content = content or read_snapshot(reader)
    documents, chunks = content.documents, content.chunks

    def wanted(doc: DocumentRecord) -> bool:
        return scope is None or doc.path in scope.paths

    out: list[GeneratedQuestion] = []
    fab = _FabGenerator(content.products, seed)
    out.extend(fab.generate(None if scope is None else {p.key for p in fab.products if wanted(p.doc)}))
    numbers = _NumberPool(documents, chunks)
    for doc in documents:
        if doc.doc_type == "sop" and wanted(doc):
            out.extend(_sop_questions(doc, chunks[doc.doc_key], numbers, seed))
    out.extend(_course_questions([d for d in documents if d.doc_type == "course"], chunks, seed, wanted))
    unique: dict[str, GeneratedQuestion] = {}
    for generated in out:
        if scope is None or generated.question.source_path in scope.paths:
            unique.setdefault(generated.question.id, generated)
    return list(unique.values())


def content_hash(texts: Iterable[str]) -> str:
    """The hash a question keeps of the chunks it was built from (in its order)."""
    return hashlib.sha1("\x1e".join(texts).encode("utf-8")).hexdigest()


# -- text helpers ---------------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u9fff]")
_HARD_BREAKS = "。！？!?；;\n"
_SOFT_BREAKS = "，,、：:"
_OPENERS = {"（": "）", "(": ")", "“": "”", "「": "」", "《": "》", "【": "】", "[": "]"}
_TRIM = " \t，,、；;：:。．."
_CJK_STOP = frozenset("的了是在有和与及或也都就还又把被让给对从到为以我你他她它这那个一不没能要得会该请您们很更最吗呢吧啊")


@lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


@lru_cache(maxsize=65536)
def _norm(text: str) -> str:
    """Equality form: matching normalisation, punctuation and spacing dropped."""
    return "".join(ch for ch in for_matching(text) if ch.isalnum())


def _balanced(text: str) -> bool:
    for opener, closer in _OPENERS.items():
        if text.count(opener) != text.count(closer):
            return False
    return text.count('"') % 2 == 0


def shorten(text: str, limit: int) -> str | None:
    """`text` when it fits, else cut at the last sentence or clause boundary (a space for
    Latin text) that keeps at least 40% of the limit, marked with '…'. None when no such
    boundary exists: text is never cut in the middle of a word."""
    text = text.strip()
    if len(text) <= limit:
        return text
    budget = limit - 1  # room for the ellipsis
    floor = max(1, int(limit * 0.4))
    for breaks in (_HARD_BREAKS, _SOFT_BREAKS, " "):
        cuts = [i for i in range(budget, floor - 1, -1) if text[i - 1] in breaks or (
            breaks == " " and i < len(text) and text[i] == " " and not _CJK.match(text[i - 1])
        )]
        for cut in cuts:
            piece = text[:cut].rstrip(_TRIM)
            if len(piece) >= floor and _balanced(piece):
                return piece + "…"
    return None


def _clean_cell(value: str) -> str:
    """A FAB cell as displayed: repeated separators (`；；` from multi-line cells) once."""
    value = re.sub(r"；(?:\s*；)+", "；", value)
    value = re.sub(r";(?:\s*;)+", ";", value)
    return value.strip(" ；;")


_ENUMERATOR = re.compile(r"^\s*(?:\d{1,2}[.、)）](?!\d)|[（(]\d{1,2}[)）]|[①-⑳]|[•·●▪*\-])\s*")


def _unnumber(value: str) -> str:
    """"1. A2. B3. C" (a numbered cell whose line breaks were lost) as "1. A\n2. B\n3. C":
    only when the cell starts at 1 and the numbers follow in order."""
    if not re.match(r"\s*1[.、)）](?!\d)", value):
        return value
    out, start, number = [], 0, 2
    while True:
        found = re.compile(rf"(?<=[^\d\s.]){number}[.、)）](?!\d)|(?<=\s){number}[.、)）](?!\d)")
        match = found.search(value, start + 2)
        if not match:
            break
        out.append(value[start: match.start()])
        start, number = match.start(), number + 1
    out.append(value[start:])
    return "\n".join(out)


def _items(value: str, *, audience: bool = False) -> list[str]:
    """The points of a cell ("A；B", one per line, "1. A"), numbering dropped."""
    pattern = r"[；;\n]+|[、，,]\s*" if audience else r"[；;\n]+"
    parts = (_ENUMERATOR.sub("", p).strip(_TRIM) for p in re.split(pattern, _unnumber(value)))
    return [p for p in parts if p]


def _list_text(value: str, voice: _Voice) -> str:
    """A cell's points for display, one separator between them."""
    return ("; " if voice.lang == "en" else "；").join(_items(value))


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[。！？!?])|(?<=[.])\s+(?=[A-Z\"“(])|\n+|\s*[•●▪]\s*", text)
    return [p.strip() for p in parts if p and p.strip()]


@lru_cache(maxsize=65536)
def _tokens(text: str, extra_stop: frozenset[str] = frozenset()) -> frozenset[str]:
    norm = for_matching(text)
    tokens = {ch for ch in norm if _CJK.match(ch) and ch not in _CJK_STOP and ch not in extra_stop}
    for word in re.findall(r"[a-z0-9]+", norm):
        if word in STOPWORDS or (len(word) == 1 and not word.isdigit()):
            continue
        tokens.add(word[:-1] if len(word) > 3 and word.endswith("s") else word)
    return frozenset(tokens)


_AUDIENCE_STOP = frozenset("家庭群客户士者")


def similarity(a: str, b: str, extra_stop: frozenset[str] = frozenset()) -> float:
    """How much of the shorter text the longer one repeats (0..1): containment after
    normalisation counts as 1, else the overlap coefficient of content characters and
    words."""
    na, nb = _norm(a), _norm(b)
    if not na or not nb:
        return 0.0
    if na in nb or nb in na:
        return 1.0
    ta, tb = _tokens(a, extra_stop), _tokens(b, extra_stop)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / min(len(ta), len(tb))


def _too_close(candidate: str, truths: Iterable[str], threshold: float = 0.5,
               extra_stop: frozenset[str] = frozenset()) -> bool:
    return any(similarity(candidate, t, extra_stop) >= threshold for t in truths)


# Themes that different wordings share. A wrong option on the same theme as something
# true of the subject could be argued true ("吃完收拾快" offered as a distractor for a
# self-cleaning blender), so such options are never used; lexical overlap misses these.
_THEMES: dict[str, tuple[str, ...]] = {
    "clean": ("清洗", "清洁", "收拾", "洗碗机", "好洗", "难洗", "易洗", "水洗", "冲洗", "干净",
              "clean", "wash", "dishwasher", "tidy", "tidier"),
    "quiet": ("吵", "噪", "静音", "安静", "分贝", "听不到", "声音", "quiet", "noise", "noisy",
              "silent", "loud"),
    "energy": ("省电", "耗电", "费电", "电费", "节能", "能效", "度电", "energy", "electricity"),
    "money": ("省钱", "划算", "成本", "便宜", "贵", "不值", "值得", "价格", "预算", "钱", "price",
              "expensive", "cheap", "cost", "budget", "money", "save", "yuan"),
    "pet": ("宠", "猫", "狗", "浮毛", "pet", "cat", "dog"),
    "child": ("孩子", "小孩", "儿童", "婴", "幼", "宝宝", "奶粉", "冲奶", "爸妈", "kid", "child",
              "children", "baby", "babies", "parent"),
    "elderly": ("老人", "父母", "长辈", "elderly", "grandparent", "older"),
    "sleep": ("睡", "卧室", "床头", "sleep", "bedtime", "bedroom", "bedside", "asleep", "wake"),
    "portable": ("出差", "随身", "便携", "旅行", "行李", "拎", "带走", "通勤", "搬家", "轻巧",
                 "travel", "portable", "trip", "carry"),
    "safety": ("安全", "放心", "断电", "防烫", "不烫", "烫手", "safe", "safety"),
    "beginner": ("新手", "不会用", "第一次", "beginner", "first-time", "first time"),
    "morning": ("早餐", "早上", "早起", "起床", "morning", "breakfast"),
    "coffee": ("咖啡", "拿铁", "coffee", "latte", "cappuccino", "espresso"),
    "tea": ("茶", "tea"),
    "hair": ("头发", "发质", "发型", "卷发", "直发", "长发", "hair"),
    "teeth": ("牙", "口腔", "口气", "teeth", "tooth", "gum", "oral"),
    "skin": ("皮肤", "刮伤", "skin"),
    "health": ("健康", "过敏", "呼吸", "health", "allergy"),
    "fitness": ("健身", "运动", "跑步", "控脂", "减脂", "减肥", "gym", "workout", "fitness",
                "diet", "weight", "muscle"),
    "cooking": ("做饭", "厨房", "下厨", "饭", "cook", "kitchen", "meal"),
    "time": ("省时", "分钟搞定", "快速", "赶时间", "多睡", "quick", "fast", "minute"),
    "home": ("新房", "装修", "新婚", "大户型", "平米", "㎡", "小家庭", "口之家", "人家庭",
             "housewarming", "apartment", "flat"),
    "office": ("白领", "上班", "办公", "双职工", "职场", "office", "worker", "commute"),
    "young": ("年轻", "学生", "租房", "young", "student", "renter"),
    "gift": ("送礼", "礼物", "gift", "present"),
    "climate": ("潮", "回南天", "除湿", "干燥", "暖气", "供暖", "取暖", "冬", "冷", "humid",
                "damp", "dry", "winter", "cold", "heating"),
    "water": ("水质", "喝水", "净水", "桶装水", "water"),
    "air": ("空气", "甲醛", "PM2.5", "净化", "air"),
    "travel_business": ("商务", "business"),
    "gender": ("女性", "男士", "男友", "父亲", "母亲", "women", "men", "woman", "man"),
}


@lru_cache(maxsize=4096)
def themes(text: str) -> frozenset[str]:
    norm = for_matching(text)
    words = set(re.findall(r"[a-z][a-z\-]*", norm))
    out: set[str] = set()
    for theme, cues in _THEMES.items():
        for cue in cues:
            cue = cue.lower()
            if cue.isascii() and cue.replace("-", "").replace(" ", "").isalpha():
                hit = (cue in norm) if " " in cue else any(
                    w == cue or w == cue + "s" or w == cue + "es" or (len(cue) >= 5 and w.startswith(cue))
                    for w in words)
            else:
                hit = cue in norm
            if hit:
                out.add(theme)
                break
    return frozenset(out)


def _rng(seed: int, *parts: str) -> random.Random:
    digest = hashlib.sha1("\x1f".join([str(seed), *parts]).encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


@dataclass(frozen=True)
class _Voice:
    """The question's language: English, simplified or traditional Chinese."""

    lang: Literal["zh", "en"]
    traditional: bool = False

    def template(self, text: str) -> str:
        return _s2t().convert(text) if self.traditional else text


@lru_cache(maxsize=1 << 16)
def _voice(text: str) -> _Voice:
    if dominant_language(text) == "en":
        return _Voice("en")
    changed = sum(1 for a, b in zip(text, to_simplified(text), strict=False) if a != b)
    return _Voice("zh", traditional=changed >= 2)


def _compose(voice: _Voice, template: str, fixed: dict[str, str],
             flexible: dict[str, tuple[str, int]]) -> str | None:
    """Fill a template; each flexible part is shortened to its cap or to what room is
    left under the stem limit. None when it cannot fit."""
    text = voice.template(template)
    room = STEM_MAX - len(text.format(**fixed, **dict.fromkeys(flexible, "")))
    parts: dict[str, str] = {}
    for name, (value, cap) in flexible.items():
        share = min(cap, room)
        short = shorten(value, share) if share > 0 else None
        if not short:
            return None
        parts[name] = short
        room -= len(short)
    stem = text.format(**fixed, **parts)
    return stem if len(stem) <= STEM_MAX else None


def _explanation(lines: Sequence[str]) -> str:
    """Quoted source lines, at most three and EXPLANATION_MAX characters, each shortened
    at a boundary when the whole does not fit."""
    lines = [line.strip() for line in lines if line.strip()][: EXPLANATION_MAX_LINE_FEEDS + 1]
    text = "\n".join(lines)
    if len(text) <= EXPLANATION_MAX:
        return text
    share = (EXPLANATION_MAX - (len(lines) - 1)) // len(lines)
    shortened = [shorten(line, share) or line[: share - 1] + "…" for line in lines]
    return "\n".join(shortened)[:EXPLANATION_MAX]


def _finish(
    *, kind: GeneratorKind, subject: str, key_source: str, topic: str, stem: str,
    key: str, distractors: Sequence[str], explanation: str, doc: DocumentRecord,
    chunks: Sequence[ChunkRecord], rng: random.Random,
) -> GeneratedQuestion | None:
    """Shuffle, check every limit and invariant once more, and build the question."""
    options = [key, *distractors][:OPTION_COUNT]
    if len(options) < MIN_OPTIONS or len(stem) > STEM_MAX or not stem.strip():
        return None
    norms = [_norm(o) for o in options]
    if any(not n for n in norms) or len(set(norms)) != len(norms):
        return None
    if any(len(o) > OPTION_MAX or not o.strip() for o in options):
        return None
    if len(explanation) > EXPLANATION_MAX or explanation.count("\n") > EXPLANATION_MAX_LINE_FEEDS:
        return None
    order = list(range(len(options)))
    rng.shuffle(order)
    shuffled = [options[i] for i in order]
    unique_chunks = list(dict.fromkeys(c.id for c in chunks))
    texts = {c.id: c.text for c in chunks}
    question = QuizQuestion(
        topic=topic, kind="multiple_choice", stem=stem, options=shuffled,
        answer_index=order.index(0), explanation=explanation, source_path=doc.path,
        source_chunk_ids=unique_chunks, source_hash=content_hash(texts[i] for i in unique_chunks),
        origin="generated",
    )
    return GeneratedQuestion(question, kind, subject, key_source)


# -- FAB ------------------------------------------------------------------------------

_PRICE_PIECES = re.compile(r"\s*[/／]\s*")
_NUMBER = re.compile(r"(?<![\d.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d])")
_CURRENCY_BEFORE = re.compile(r"(?:[¥￥$€£]|rmb|cny|usd|hk\$)\s*$", re.IGNORECASE)
_CURRENCY_AFTER = re.compile(r"\s*(?:元|块|rmb|cny|yuan)", re.IGNORECASE)


@dataclass
class _Product:
    chunk: ChunkRecord
    doc: DocumentRecord
    name: str
    fields: dict[str, str]
    voice: _Voice
    group: str
    key: str = dataclasses.field(init=False)  # the name's equality form, asked for millions of times

    def __post_init__(self) -> None:
        self.key = _norm(self.name)

    def truths(self) -> list[str]:
        """Every item and sentence of what the sheet says about this product."""
        out: list[str] = []
        for name in ("features", "advantages", "benefits", "selling_lines", "replies"):
            value = self.fields.get(name)
            if value:
                out.extend(_items(value))
                out.extend(_sentences(value))
        return out


def record_fields(chunk: ChunkRecord) -> dict[str, str]:
    """Canonical field -> value, read from the record's stored fields (first of each)."""
    fields: dict[str, str] = {}
    for part in chunk.parts:
        if part.kind == "field" and part.field and part.value and part.field not in fields:
            fields[part.field] = part.value
    if "product" not in fields and chunk.metadata.get("product"):
        fields["product"] = chunk.metadata["product"]
    return fields


def _price_value(text: str) -> tuple[Decimal, re.Match[str]] | None:
    """The one number in a price cell, or the one with a currency beside it ("¥289（30g）",
    "$129 (3 L bowl)"); None for cells with several prices (ranges, was/now)."""
    matches = list(_NUMBER.finditer(text))
    if len(matches) > 1:
        matches = [m for m in matches if _CURRENCY_BEFORE.search(text[: m.start()])
                   or _CURRENCY_AFTER.match(text[m.end():])]
    if len(matches) != 1:
        return None
    try:
        value = Decimal(matches[0].group().replace(",", ""))
    except InvalidOperation:
        return None
    return (value, matches[0]) if value > 0 else None


def _format_like(value: Decimal, template: str, match: re.Match[str]) -> str:
    raw = match.group()
    decimals = len(raw.split(".")[1]) if "." in raw else 0
    number = f"{value:,.{decimals}f}" if "," in raw else f"{value:.{decimals}f}"
    return template[: match.start()] + number + template[match.end():]


def _nearby_prices(value: Decimal) -> list[Decimal]:
    """Plausible wrong prices around a price: the same ending, a step or two away."""
    whole = int(value)
    digits = len(str(whole)) if whole > 0 else 1
    step = Decimal(500 if digits >= 4 else 100 if digits == 3 else 10 if digits == 2 else 1)
    if digits >= 5:
        step = Decimal(10 ** (digits - 2)) * 5
    out: list[Decimal] = []
    for k in (1, -1, 2, -2, 3, -3):
        candidate = value + step * k
        if candidate > 0:
            out.append(candidate)
    return out


class _FabGenerator:
    def __init__(self, records: list[tuple[ChunkRecord, DocumentRecord]], seed: int) -> None:
        self.seed = seed
        self.products: list[_Product] = []
        for chunk, doc in sorted(records, key=lambda r: (r[1].path, r[1].doc_key, r[0].ord)):
            fields = record_fields(chunk)
            name = fields.get("product", "").strip()
            if not name or not _norm(name):
                continue
            content = " ".join(v for k, v in fields.items() if k not in ("product", "sku", "price"))
            group = chunk.metadata.get("category") or (
                chunk.section.rsplit(SECTION_SEPARATOR, 1)[0]
                if chunk.section and SECTION_SEPARATOR in chunk.section else ""
            )
            self.products.append(
                _Product(chunk, doc, name, fields, _voice(content or name), group)
            )
        self.by_name: dict[str, list[_Product]] = defaultdict(list)
        names_by_doc: dict[str, list[str]] = defaultdict(list)
        for product in self.products:
            self.by_name[product.key].append(product)
            names_by_doc[product.doc.doc_key].append(product.name)
        # how many products' records use each word/character: one that only a couple of
        # products use is specific ("汗" in two sweat-related records), and a wrong
        # option sharing a specific word with what is true of the subject is doubtful
        self.token_df: dict[str, int] = defaultdict(int)
        for listed in self.by_name.values():
            text = " ".join(v for p in listed for k, v in p.fields.items()
                            if k not in ("product", "sku", "price", "category"))
            for token in _tokens(text):
                self.token_df[token] += 1
        self.rare_limit = max(2, len(self.by_name) // 10)
        # tiers of distractor candidates per product, and an index of name tokens so that
        # only products sharing one are checked for being of the same family
        self._tier_cache: dict[tuple[int, bool], list[list[_Product]]] = {}
        self._named = re.compile("|".join(re.escape(k) for k in sorted(self.by_name, key=len, reverse=True) if k)) \
            if any(self.by_name) else None
        # name tokens most of a sheet shares (the brand) say nothing about the kind
        self.brand_tokens: dict[str, frozenset[str]] = {}
        for doc_key, names in names_by_doc.items():
            counts: dict[str, int] = defaultdict(int)
            for name in names:
                for token in _tokens(name):
                    counts[token] += 1
            self.brand_tokens[doc_key] = frozenset(
                t for t, n in counts.items() if len(names) >= 3 and n * 2 > len(names))
        self._by_token: dict[str, list[int]] = defaultdict(list)  # token of a name less its brand
        for i, product in enumerate(self.products):
            for token in _tokens(product.name) - self.brand_tokens.get(product.doc.doc_key, frozenset()):
                self._by_token[token].append(i)

    # which records name the same product (several sheets may list it)
    def _same(self, product: _Product) -> list[_Product]:
        return self.by_name[product.key]

    def _consistent(self, product: _Product, field: str) -> bool:
        """No other listing of the product contradicts this one's field (else: no
        question). A sheet row and the product's own page word things differently and
        the page says more ("¥268 ／ 会员价 ¥241" beside "268"): only a price can be
        told to disagree, by the asked number missing from the other's. Listings with
        different item codes may be two products of one name: they must say the same."""
        others = [p for p in self._same(product) if p is not product and p.fields.get(field)]
        codes = {_norm(p.fields["sku"]) for p in self._same(product) if p.fields.get("sku")}
        if len(codes) > 1:
            return all(_norm(p.fields[field]) == _norm(product.fields.get(field, "")) for p in others)
        if field != "price":
            return True
        asked = _price_of(product)
        return asked is not None and all(asked in _numbers_in(p.fields[field]) for p in others)

    def _family(self, a: _Product, b: _Product) -> bool:
        """Two models of one kind of product ("…净化器 Pro" / "…净化器 Mini"): what is
        true of one is often true of the other, so neither serves as the other's
        distractor. Name tokens shared by most of the sheet (the brand) do not count."""
        common = self.brand_tokens.get(a.doc.doc_key, frozenset())
        ta, tb = _tokens(a.name) - common, _tokens(b.name) - common
        if not ta or not tb:
            return False
        return len(ta & tb) / min(len(ta), len(tb)) >= 0.5

    def _names_another(self, stem: str, product: _Product) -> bool:
        """A stem about one product names that product only ("X Pro" counts as X Pro,
        not also as X)."""
        rest = _norm(stem).replace(product.key, "\x00")
        return self._named is not None and self._named.search(rest) is not None

    def _specific_overlap(self, candidate: str, truths: frozenset[str]) -> bool:
        return any(self.token_df.get(t, 0) <= self.rare_limit for t in _tokens(candidate) & truths)

    def _truth_tokens(self, product: _Product, fields: tuple[str, ...]) -> frozenset[str]:
        return frozenset().union(*(_tokens(p.fields.get(f, "")) for p in self._same(product)
                                   for f in fields))

    def _tiers(self, product: _Product, *, other_documents: bool) -> list[list[_Product]]:
        if self._tier_cache and next(iter(self._tier_cache))[0] != id(product):
            self._tier_cache.clear()  # products are done one at a time: keep only this one's
        cached = self._tier_cache.get((id(product), other_documents))
        if cached is not None:
            return cached
        near = {i for token in _tokens(product.name) for i in self._by_token.get(token, ())}
        family = {i for i in near if self._family(self.products[i], product)}
        others = [p for i, p in enumerate(self.products) if p.key != product.key
                  and p.voice.lang == product.voice.lang and i not in family]
        same_doc = [p for p in others if p.doc.doc_key == product.doc.doc_key]
        tiers = [[p for p in same_doc if p.group == product.group],
                 [p for p in same_doc if p.group != product.group]]
        if other_documents:
            tiers.append([p for p in others if p.doc.doc_key != product.doc.doc_key])
        self._tier_cache[(id(product), other_documents)] = tiers
        return tiers

    def generate(self, keys: set[str] | None = None) -> list[GeneratedQuestion]:
        """Questions on every product, or on the products named by `keys`."""
        out: list[GeneratedQuestion] = []
        done: set[str] = set()
        for product in self.products:
            if product.key in done or (keys is not None and product.key not in keys):
                continue  # listed again (another sheet): asked once, checked against both
            done.add(product.key)
            for make in (self._item_question("benefits"), self._item_question("advantages"),
                         self._audience, self._price, self._reply):
                # each question from the first listing that can make it: the sheet's
                # single price, the page's benefits when the sheet has none
                generated = next((g for listing in self._same(product)
                                  if (g := make(listing)) is not None), None)
                if generated is not None:
                    out.append(generated)
        return out

    # (a) which benefit / advantage belongs to the product's features
    def _item_question(self, field: str) -> Callable[[_Product], GeneratedQuestion | None]:
        kind: GeneratorKind = "fab_benefit" if field == "benefits" else "fab_advantage"

        def make(product: _Product) -> GeneratedQuestion | None:
            value = product.fields.get(field)
            if not value or not self._consistent(product, field):
                return None
            rng = _rng(self.seed, kind, product.chunk.id)
            voice = product.voice
            truths = [t for p in self._same(product) for t in p.truths()]
            truth_themes = frozenset().union(*(
                themes(p.fields.get(f, "")) for p in self._same(product)
                for f in ("features", "advantages", "benefits")))
            features = _list_text(product.fields.get("features", ""), voice)
            if voice.lang == "en":
                what = "benefit to the customer" if field == "benefits" else "advantage"
                template = ("Features of {product}: “{features}” Which of these is its "
                            f"{what} according to the FAB sheet?") if features else (
                            f"Which of these is a {what} of {{product}} according to the FAB sheet?")
            else:
                what = "带给顾客的利益" if field == "benefits" else "的优势"
                template = ("「{product}」的特点：“{features}”按FAB表，下列哪一项是这款产品"
                            f"{what}？") if features else f"按FAB表，下列哪一项是「{{product}}」{what}？"
            flexible = {"features": (features, 150)} if features else {}
            stem = _compose(voice, template, {"product": product.name}, flexible)
            if features and (stem is None or self._names_another(stem, product)):
                # features too long to quote, or naming another product: ask without them
                template = (f"Which of these is a {what} of {{product}} according to the FAB sheet?"
                            if voice.lang == "en" else f"按FAB表，下列哪一项是「{{product}}」{what}？")
                stem = _compose(voice, template, {"product": product.name}, {})
            if stem is None or self._names_another(stem, product):
                return None
            candidates = [i for i in _items(value) if _usable_option(i, voice)
                          and _norm(i) not in _norm(stem)]
            if not candidates:
                return None
            key = _display_item(rng.choice(candidates), voice)
            specific = self._truth_tokens(product, ("features", "advantages", "benefits"))
            distractors = self._item_distractors(product, field, key, truths, truth_themes,
                                                 specific, stem, rng)
            label = FIELDS[field][1] if voice.lang == "en" else FIELDS[field][0]
            explanation = _explanation([_quote_item_line(product, label, value, key)])
            return _finish(
                kind=kind, subject=product.name, key_source=value, topic=product.name,
                stem=stem, key=key, distractors=distractors, explanation=explanation,
                doc=product.doc, chunks=[product.chunk], rng=rng,
            )

        return make

    def _item_distractors(self, product: _Product, field: str, key: str, truths: list[str],
                          truth_themes: frozenset[str], specific: frozenset[str], stem: str,
                          rng: random.Random) -> list[str]:
        chosen: list[str] = []
        for tier in self._tiers(product, other_documents=True):
            scored: list[tuple[float, float, str]] = []
            order = list(tier)
            rng.shuffle(order)
            for other in order:
                if len(scored) >= 3 * OPTION_COUNT:
                    break  # enough to choose the least similar from; large sheets stay fast
                items = []
                for item in _items(other.fields.get(field, "")):
                    if not _usable_option(item, product.voice) or _norm(item) in _norm(stem):
                        continue
                    if themes(item) & truth_themes or self._specific_overlap(item, specific):
                        continue  # on a theme the product also covers: arguably true
                    closeness = max((similarity(item, t) for t in truths), default=0.0)
                    if closeness < 0.5:  # nothing the sheet says of this product repeats it
                        items.append((round(closeness, 1), item))
                if items:
                    closeness, item = rng.choice(items)
                    scored.append((closeness, rng.random(), _display_item(item, product.voice)))
            for _, _, item in sorted(scored):
                if len(chosen) >= OPTION_COUNT - 1:
                    return chosen
                if _too_close(item, [key, *chosen], 0.6):
                    continue
                chosen.append(item)
        return chosen

    # (b) which product is a target-customer description written for
    def _audience(self, product: _Product) -> GeneratedQuestion | None:
        value = product.fields.get("audience")
        if not value or not self._consistent(product, "audience") or len(product.name) > OPTION_MAX:
            return None
        rng = _rng(self.seed, "fab_audience", product.chunk.id)
        voice = product.voice
        shown = _clean_cell(value)
        if voice.lang == "en":
            template = "According to the FAB sheet, which product is meant for: “{audience}”?"
        else:
            template = "按FAB表，适用人群为“{audience}”的是哪款产品？"
        quoted = shorten(shown, 160)
        if quoted is None:
            return None
        stem = _compose(voice, template, {"audience": quoted}, {})
        if stem is None:
            return None
        quoted_items = _items(quoted.rstrip("…"), audience=True)
        if not quoted_items:
            return None
        chosen: list[_Product] = []
        for tier in self._tiers(product, other_documents=False):
            order = list(tier)
            rng.shuffle(order)
            for other in order:
                if len(chosen) >= OPTION_COUNT - 1:
                    break
                other_value = other.fields.get("audience")
                if not other_value or len(other.name) > OPTION_MAX:
                    continue  # the sheet does not say whom it is for: not provably wrong
                if any(_norm(other.name) in _norm(stem) or _norm(p.name) == _norm(other.name)
                       for p in [product, *chosen]):
                    continue
                theirs = [i for p in self._same(other) for i in _items(p.fields.get("audience", ""), audience=True)]
                if any(_too_close(q, theirs, 0.6, _AUDIENCE_STOP) for q in quoted_items):
                    continue
                if themes(quoted) & themes(other_value) or self._specific_overlap(
                        other_value, frozenset(_tokens(quoted))):
                    continue  # the description fits it too, in other words
                chosen.append(other)
        label = FIELDS["audience"][1] if voice.lang == "en" else FIELDS["audience"][0]
        explanation = _explanation([f"{product.name}", f"{label}{': ' if voice.lang == 'en' else '：'}{shown}"])
        return _finish(
            kind="fab_audience", subject=product.name, key_source=value, topic=product.name,
            stem=stem, key=product.name, distractors=[p.name for p in chosen],
            explanation=explanation, doc=product.doc, chunks=[product.chunk, *(p.chunk for p in chosen)],
            rng=rng,
        )

    # (c) price
    def _price(self, product: _Product) -> GeneratedQuestion | None:
        value = product.fields.get("price")
        if not value or not self._consistent(product, "price"):
            return None
        key = _first_price(value)
        parsed = _price_value(key)
        if parsed is None:
            return None
        key_value, match = parsed
        rng = _rng(self.seed, "fab_price", product.chunk.id)
        voice = product.voice
        real: list[Decimal] = []
        for tier in self._tiers(product, other_documents=False):
            values = sorted({v for p in tier if (v := _price_of(p)) is not None}
                            - {key_value} - set(real))
            values = [v for v in values if key_value / 3 <= v <= key_value * 3]
            values.sort(key=lambda v: (abs(math.log(float(v / key_value))), v))
            real.extend(values)
        picked = real[:5]
        rng.shuffle(picked)
        picked = picked[: OPTION_COUNT - 1]
        for candidate in _nearby_prices(key_value):
            if len(picked) >= OPTION_COUNT - 1:
                break
            if candidate != key_value and candidate not in picked:
                picked.append(candidate)
        distractors = [_format_like(v, key, match) for v in picked]
        if voice.lang == "en":
            template = "What is the price of {product} on the FAB sheet?"
        else:
            template = "按FAB表，「{product}」的价格是多少？"
        stem = _compose(voice, template, {"product": product.name}, {})
        if stem is None or self._names_another(stem, product):
            return None
        label = FIELDS["price"][1] if voice.lang == "en" else FIELDS["price"][0]
        sep = ": " if voice.lang == "en" else "："
        explanation = _explanation([product.name, f"{label}{sep}{key}"])
        return _finish(
            kind="fab_price", subject=product.name, key_source=value, topic=product.name,
            stem=stem, key=key, distractors=distractors, explanation=explanation,
            doc=product.doc, chunks=[product.chunk], rng=rng,
        )

    # (d) the sheet's reply to the product's objection
    def _reply(self, product: _Product) -> GeneratedQuestion | None:
        objection, reply = product.fields.get("objections"), product.fields.get("replies")
        if not objection or not reply:
            return None
        if not (self._consistent(product, "objections") and self._consistent(product, "replies")):
            return None
        rng = _rng(self.seed, "fab_reply", product.chunk.id)
        voice = product.voice
        key = _reply_option(reply, voice)
        if key is None:
            return None
        if voice.lang == "en":
            template = ("A customer looking at {product} says: “{objection}” "
                        "Which reply does the FAB sheet recommend?")
        else:
            template = "顾客看「{product}」时说：“{objection}”按FAB表，导购应该怎样回复？"
        stem = _compose(voice, template, {"product": product.name},
                        {"objection": (_clean_cell(objection), 140)})
        if stem is None or self._names_another(stem, product):
            return None
        truths = [t for p in self._same(product)
                  for t in [*_sentences(p.fields.get("replies", "")), p.fields.get("replies", "")]]
        chosen: list[str] = []
        for tier in self._tiers(product, other_documents=True):
            order = list(tier)
            rng.shuffle(order)
            for other in order:
                if len(chosen) >= OPTION_COUNT - 1:
                    break
                other_reply = other.fields.get("replies")
                their_objection = other.fields.get("objections", "")
                if themes(objection) & themes(their_objection) or self._specific_overlap(
                        their_objection, frozenset(_tokens(objection))):
                    continue  # a reply to the same kind of doubt could pass for this one
                option = _reply_option(other_reply, voice) if other_reply else None
                if option is None or _too_close(option, [*truths, key, *chosen], 0.6):
                    continue
                chosen.append(option)
        label = FIELDS["replies"][1] if voice.lang == "en" else FIELDS["replies"][0]
        sep = ": " if voice.lang == "en" else "："
        explanation = _explanation([f"{label}{sep}{_clean_cell(reply)}"])
        return _finish(
            kind="fab_reply", subject=product.name, key_source=reply, topic=product.name,
            stem=stem, key=key, distractors=chosen, explanation=explanation,
            doc=product.doc, chunks=[product.chunk], rng=rng,
        )


def _first_price(text: str) -> str:
    """The price a record gives first: a page's "¥1,099 / ¥989" (retail, then members')
    and "¥358 ／ 会员价 ¥322" are asked by their first."""
    return _PRICE_PIECES.split(text.strip(), maxsplit=1)[0].strip()


def _price_of(product: _Product) -> Decimal | None:
    parsed = _price_value(_first_price(product.fields.get("price", "")))
    return parsed[0] if parsed else None


def _numbers_in(text: str) -> set[Decimal]:
    return {Decimal(m.group().replace(",", "")) for m in _NUMBER.finditer(text)}


def _display_item(item: str, voice: _Voice) -> str:
    """English list items start lower case inside a cell; as options they start upper."""
    return item[:1].upper() + item[1:] if voice.lang == "en" else item


def _usable_option(item: str, voice: _Voice) -> bool:
    """Long enough to mean something, short enough for a poll option."""
    if len(item) > OPTION_MAX:
        return False
    if voice.lang == "en":
        return len(item.split()) >= 3
    return len(_CJK.findall(item)) >= 4


def _reply_option(reply: str, voice: _Voice) -> str | None:
    """A reply as a poll option: whole when it fits, else its opening sentences (or
    clauses) up to the option limit. None when that opening says too little."""
    text = _clean_cell(reply)
    option = shorten(text, OPTION_MAX)
    if option is None:
        return None
    minimum = 30 if voice.lang == "en" else 15
    return option if len(option.rstrip("…")) >= minimum else None


def _quote_item_line(product: _Product, label: str, value: str, key: str) -> str:
    """`label：value` for the explanation, narrowed to the items around the key if long."""
    english = product.voice.lang == "en"
    head = f"{product.name} — {label}: " if english else f"「{product.name}」{label}："
    joiner = "; " if english else "；"
    items = _items(value)
    folded = [_norm(i) for i in items]
    lo = hi = folded.index(_norm(key)) if _norm(key) in folded else 0

    def render(lo: int, hi: int) -> str:
        return (head + ("…" if lo > 0 else "") + joiner.join(items[lo: hi + 1])
                + ("…" if hi < len(items) - 1 else ""))

    while True:
        grew = False
        if hi + 1 < len(items) and len(render(lo, hi + 1)) <= EXPLANATION_MAX:
            hi, grew = hi + 1, True
        if lo > 0 and len(render(lo - 1, hi)) <= EXPLANATION_MAX:
            lo, grew = lo - 1, True
        if not grew:
            break
    text = render(lo, hi)
    return text if len(text) <= EXPLANATION_MAX else head + (shorten(key, EXPLANATION_MAX - len(head)) or "")


# -- SOPs -----------------------------------------------------------------------------

_BULLET = re.compile(r"^[•●▪·\-*–]\s*")
_PROCEDURAL = re.compile(r"步骤|流程|操作|检查|程序|做法|step|procedure|process|how to|checklist",
                         re.IGNORECASE)
@dataclass
class _Step:
    number: int
    text: str
    chunk: ChunkRecord
    ordinal_marker: bool  # 第N步


def _join(a: str, b: str) -> str:
    if a and b and (_CJK.match(a[-1]) or _CJK.match(b[0]) or a[-1] in "，、“”（）"):
        return a + b
    return f"{a} {b}"


def _section_lines(chunks: list[ChunkRecord]) -> list[tuple[str | None, list[tuple[str, ChunkRecord]]]]:
    """Each section's lines (the repeated heading dropped), with the chunk each is in."""
    sections: dict[str | None, list[tuple[str, ChunkRecord]]] = {}
    for chunk in chunks:
        lines = [line.strip() for line in chunk.text.splitlines() if line.strip()]
        if chunk.section and lines:
            heading = chunk.section.split(SECTION_SEPARATOR)[-1].strip()
            if _norm(lines[0]) == _norm(heading):
                lines = lines[1:]
        sections.setdefault(chunk.section, []).extend((line, chunk) for line in lines)
    return list(sections.items())


def _runs(lines: list[tuple[str, ChunkRecord]]) -> list[list[_Step]]:
    """Numbered steps in runs of consecutive numbers; wrapped lines joined to their step,
    bullet sub-points and notes after a finished sentence left out."""
    runs: list[list[_Step]] = []
    current: list[_Step] = []
    open_step: _Step | None = None
    for line, chunk in lines:
        found = numbered_step(line)
        if found:
            step = _Step(found.number, found.text, chunk, found.ordinal)
            if current and found.number != current[-1].number + 1:
                runs.append(current)
                current = []
            current.append(step)
            open_step = step
            continue
        if open_step is not None and not _BULLET.match(line) and open_step.text[-1:] not in "。！？.!?；;：:":
            open_step.text = _join(open_step.text, line)  # a line wrapped mid-sentence (PDF)
            continue
        open_step = None
    if current:
        runs.append(current)
    return [run for run in runs if len(run) >= 2]


def _step_option(text: str, voice: _Voice) -> str | None:
    option = shorten(text, OPTION_MAX)
    if option is None:
        return None
    body = option.rstrip("…")
    return option if (len(body.split()) >= 3 if voice.lang == "en" else len(_CJK.findall(body)) >= 5) else None


def _sop_questions(doc: DocumentRecord, chunks: list[ChunkRecord], numbers: _NumberPool,
                   seed: int) -> list[GeneratedQuestion]:
    out: list[GeneratedQuestion] = []
    runs_by_section = [(section, _runs(lines)) for section, lines in _section_lines(chunks)]
    all_steps = [s for _, runs in runs_by_section for run in runs for s in run]
    for section, runs in runs_by_section:
        for run in runs:
            for index in range(len(run) - 1):
                generated = _next_step(doc, section, run, index, all_steps, seed)
                if generated is not None:
                    out.append(generated)
    for chunk in chunks:
        out.extend(_number_questions(doc, chunk, numbers, seed))
    return out


def _section_label(section: str | None) -> str:
    if not section:
        return ""
    return section if len(section) <= 60 else section.split(SECTION_SEPARATOR)[-1][:60]


def _next_step(doc: DocumentRecord, section: str | None, run: list[_Step], index: int,
               all_steps: list[_Step], seed: int) -> GeneratedQuestion | None:
    step, following = run[index], run[index + 1]
    voice = _voice(doc.title + " " + " ".join(s.text for s in run))
    rng = _rng(seed, "sop_next_step", doc.doc_key, section or "", str(step.number), step.text)
    key = _step_option(following.text, voice)
    if key is None or _step_option(step.text, voice) is None:
        return None
    procedural = step.ordinal_marker or bool(_PROCEDURAL.search(section or doc.title))
    where = _section_label(section)
    if voice.lang == "en":
        noun = "step" if procedural else "item"
        place = "“{title}” ({section})" if where else "“{title}”"
        template = f"In {place}, {noun} {step.number} is: “{{step}}” What is the next {noun}?"
    else:
        noun = "步" if procedural else "条"
        place = "「{title}」“{section}”中" if where else "「{title}」中"
        template = f"{place}，第{step.number}{noun}是：“{{step}}”紧接着的下一{noun}是什么？"
    stem = _compose(voice, template, {"title": doc.title, "section": where},
                    {"step": (step.text, 130)})
    if stem is None:
        return None
    same_run = [s for s in run if s is not step and s is not following]
    elsewhere = [s for s in all_steps if all(s is not r for r in run)]
    chosen: list[str] = []
    for tier in (same_run, elsewhere):
        order = list(tier)
        rng.shuffle(order)
        for other in order:
            if len(chosen) >= OPTION_COUNT - 1:
                break
            option = _step_option(other.text, voice)
            if option is None or _norm(other.text) in (_norm(following.text), _norm(step.text)):
                continue
            if _too_close(option, [key, *chosen], 0.8):
                continue
            chosen.append(option)
    def marker(s: _Step) -> str:
        return f"第{s.number}步：" if s.ordinal_marker and voice.lang == "zh" else f"{s.number}. "

    explanation = _explanation([marker(step) + step.text, marker(following) + following.text])
    return _finish(
        kind="sop_next_step", subject=f"{doc.title} › {section or ''} #{step.number}",
        key_source=following.text, topic=doc.title, stem=stem, key=key, distractors=chosen,
        explanation=explanation, doc=doc, chunks=[step.chunk, following.chunk], rng=rng,
    )


# numbers in rules

_UNITS_ZH: list[tuple[str, str]] = [
    ("个工作日", "workday"), ("個工作日", "workday"), ("个工作天", "workday"),
    ("個工作天", "workday"), ("工作日", "workday"), ("个自然日", "day"), ("天", "day"),
    ("个小时", "hour"), ("個小時", "hour"), ("小时", "hour"), ("小時", "hour"),
    ("分钟", "minute"), ("分鐘", "minute"), ("秒钟", "second"), ("秒", "second"),
    ("个月", "month"), ("個月", "month"), ("周", "week"), ("年", "year"),
    ("元", "yuan"), ("公里", "km"), ("米", "meter"), ("积分", "points"), ("積分", "points"),
    ("%", "percent"), ("％", "percent"),
]
_UNITS_EN: list[tuple[str, str, str]] = [  # singular, plural, class
    ("calendar day", "calendar days", "day"), ("working day", "working days", "workday"),
    ("business day", "business days", "workday"), ("day", "days", "day"),
    ("hour", "hours", "hour"), ("minute", "minutes", "minute"), ("second", "seconds", "second"),
    ("week", "weeks", "week"), ("month", "months", "month"), ("year", "years", "year"),
    ("yuan", "yuan", "yuan"), ("km", "km", "km"), ("point", "points", "points"),
]
_UNIT_CLASS = {u: c for u, c in _UNITS_ZH} | {s: c for s, _, c in _UNITS_EN} | {
    p: c for _, p, c in _UNITS_EN}
_EN_SINGULAR = {p: s for s, p, _ in _UNITS_EN} | {s: s for s, _, _ in _UNITS_EN}
_EN_PLURAL = {s: p for s, p, _ in _UNITS_EN} | {p: p for _, p, _ in _UNITS_EN}
_NUM = r"(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)"
_BEFORE = r"(?<![\d.,:：/#A-Za-z\-–—~～第])"
_RULE_NUMBER_ZH = re.compile(
    _BEFORE + _NUM + "(?P<unit>" + "|".join(re.escape(u) for u, _ in _UNITS_ZH) + r")"
    r"(?![\d–\-~～])"
)
_RULE_NUMBER_EN = re.compile(
    _BEFORE + _NUM + r"(?P<sep>[ -])(?P<unit>"
    + "|".join(sorted({re.escape(u) for s, p, _ in _UNITS_EN for u in (s, p)}, key=len, reverse=True))
    + r")\b(?![-–])"
)
_BAD_FOLLOW = {"year": "月度版级第前", "week": "年末一二三四五六日", "second": "杀", "day": "猫",
               "meter": "饭粉面"}
_NICE: dict[str, list[int]] = {
    "day": [1, 2, 3, 5, 7, 10, 14, 15, 20, 30, 45, 60, 90, 180, 365],
    "workday": [1, 2, 3, 5, 7, 10, 15, 20, 30],
    "hour": [1, 2, 3, 4, 6, 8, 12, 24, 48, 72],
    "minute": [1, 2, 3, 5, 10, 15, 20, 30, 45, 60, 90, 120],
    "second": [1, 2, 3, 5, 10, 15, 20, 30, 60],
    "month": [1, 2, 3, 6, 12, 18, 24, 36, 48],
    "week": [1, 2, 3, 4, 6, 8, 12],
    "year": [1, 2, 3, 5, 8, 10],
    "yuan": [1, 2, 5, 10, 20, 30, 50, 80, 100, 150, 200, 300, 500, 800, 1000, 1500, 2000,
             3000, 5000, 8000, 10000, 20000, 50000],
    "km": [1, 2, 3, 5, 10, 15, 20, 30, 50, 100],
    "meter": [1, 2, 3, 5, 10, 20, 50, 100],
    "points": [5, 10, 20, 50, 100, 200, 300, 500, 1000, 2000, 5000],
    "percent": [5, 10, 15, 20, 25, 30, 40, 50, 60, 70, 75, 80, 90, 95, 98, 100],
}
_BLANK = "____"


@dataclass(frozen=True)
class _RuleNumber:
    value: Decimal
    raw: str  # the number as written
    unit: str  # as written ("天", "calendar days")
    cls: str
    start: int
    end: int
    sep: str = ""  # "" for Chinese, " " or "-" for English


@lru_cache(maxsize=1 << 18)
def rule_numbers(sentence: str) -> tuple[_RuleNumber, ...]:
    """Number+unit quantities in a sentence (no ordinals, ranges, times, codes, years).
    Cached: every regeneration reads every rule of the knowledge base for the pool."""
    out: list[_RuleNumber] = []
    for pattern in (_RULE_NUMBER_ZH, _RULE_NUMBER_EN):
        for match in pattern.finditer(sentence):
            unit = match.group("unit")
            cls = _UNIT_CLASS[unit]
            follow = sentence[match.end(): match.end() + 1]
            if follow and follow in _BAD_FOLLOW.get(cls, ""):
                continue
            try:
                value = Decimal(match.group("num").replace(",", ""))
            except InvalidOperation:
                continue
            if value <= 0 or (cls == "year" and value > 100) or (cls == "percent" and value > 100):
                continue
            sep = match.groupdict().get("sep") or ""
            out.append(_RuleNumber(value, match.group("num"), unit, cls, match.start(),
                                   match.end(), sep))
    return tuple(sorted(out, key=lambda n: n.start))


def _render_number(value: Decimal, like: _RuleNumber) -> str:
    """`value` written like the rule's number (grouping, unit, plural)."""
    if value == like.value:
        number = like.raw
    else:
        exponent = value.normalize().as_tuple().exponent
        decimals = max(0, -exponent) if isinstance(exponent, int) else 0
        number = f"{value:,.{decimals}f}" if "," in like.raw else f"{value:.{decimals}f}"
    unit = like.unit
    if like.sep == " ":
        unit = _EN_SINGULAR.get(unit, unit) if value == 1 else _EN_PLURAL.get(unit, unit)
    return f"{number}{like.sep}{unit}"


class _NumberPool:
    """Every number+unit value in the knowledge base, by kind of unit, and for each
    rule sentence (its number blanked) every value it is given anywhere."""

    def __init__(self, documents: list[DocumentRecord], chunks: dict[str, list[ChunkRecord]]) -> None:
        self.values: dict[str, set[Decimal]] = defaultdict(set)
        self.blanked: dict[str, set[tuple[str, Decimal]]] = defaultdict(set)
        for doc in documents:
            for chunk in chunks[doc.doc_key]:
                for key, number in blanked_rules(chunk):
                    self.values[number.cls].add(number.value)
                    self.blanked[key].add((number.cls, number.value))

    def distractors(self, key: _RuleNumber, exclude: set[Decimal], rng: random.Random) -> list[Decimal]:
        pool = (self.values.get(key.cls, set()) | {Decimal(v) for v in _NICE.get(key.cls, [])})
        pool -= exclude | {key.value}
        if key.cls == "percent":
            pool = {v for v in pool if v <= 100}
        if key.value == key.value.to_integral_value():
            pool = {v for v in pool if v == v.to_integral_value()}
        near = [v for v in pool if key.value / 10 <= v <= key.value * 10]
        near.sort(key=lambda v: (abs(math.log(float(v / key.value))), v))
        picked = near[:5]
        rng.shuffle(picked)
        return picked[: OPTION_COUNT - 1]


def _unwrap(lines: list[str]) -> list[str]:
    """Join lines that a PDF wrapped mid-sentence: a line that does not end a sentence,
    as long as the longest line of the passage, or followed by a line that starts with
    punctuation. Table rows and short lines stay as they are."""
    if not lines:
        return lines
    widest = max(len(line) for line in lines)
    out = [lines[0]]
    for line in lines[1:]:
        previous = out[-1]
        ended = previous[-1] in "。！？.!?；;：:)）」”\""
        starts_mid = line[0] in "：:，,、；;。）)」”"
        wrapped = len(previous) >= max(30, int(widest * 0.85))
        if not ended and (starts_mid or wrapped) and not numbered_step(line) and not _BULLET.match(line):
            out[-1] = _join(previous, line)
        else:
            out.append(line)
    return out


def _rule_sentences(chunk: ChunkRecord) -> tuple[str, ...]:
    return _rule_sentences_of(chunk.text, chunk.section)


@lru_cache(maxsize=1 << 16)
def _rule_sentences_of(text: str, section: str | None) -> tuple[str, ...]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if section and lines and _norm(lines[0]) == _norm(section.split(SECTION_SEPARATOR)[-1]):
        lines = lines[1:]
    lines = _unwrap(lines)
    out: list[str] = []
    for line in lines:
        step = numbered_step(line)
        body = step.text if step else _BULLET.sub("", line)
        out.extend(_sentences(body))
    return tuple(out)


def blanked_rules(chunk: ChunkRecord) -> tuple[tuple[str, _RuleNumber], ...]:
    """Each number of the passage's rules, with its rule's sentence as a key, the number
    blanked: the same rule elsewhere with another number makes the rule doubtful."""
    return _blanked_rules_of(chunk.text, chunk.section)


@lru_cache(maxsize=1 << 16)
def _blanked_rules_of(text: str, section: str | None) -> tuple[tuple[str, _RuleNumber], ...]:
    return tuple((_norm(sentence[: number.start] + _BLANK + sentence[number.end:]), number)
                 for sentence in _rule_sentences_of(text, section) for number in rule_numbers(sentence))


def _number_questions(doc: DocumentRecord, chunk: ChunkRecord, numbers: _NumberPool,
                      seed: int) -> list[GeneratedQuestion]:
    out: list[GeneratedQuestion] = []
    sentences = _rule_sentences(chunk)
    in_chunk: dict[str, set[Decimal]] = defaultdict(set)
    for sentence in sentences:
        for number in rule_numbers(sentence):
            in_chunk[number.cls].add(number.value)
    where = _section_label(chunk.section)
    for index, sentence in enumerate(sentences):
        found = rule_numbers(sentence)
        for number in found:
            blanked = sentence[: number.start] + _BLANK + sentence[number.end:]
            if re.search(rf"(?<![\d.]){re.escape(number.raw)}(?![\d])", blanked):
                continue  # the key would still show ("7天无理由…第7天")
            if len(numbers.blanked[_norm(blanked)]) > 1:
                continue  # the same rule with another value elsewhere: ambiguous
            context = blanked
            if len(_norm(context)) < 16 and index > 0:
                previous = sentences[index - 1]
                if number.raw not in previous:
                    context = _join(previous, blanked)
            voice = _voice(doc.title + " " + sentence)
            rng = _rng(seed, "sop_number", chunk.id, str(index), str(number.start))
            values = numbers.distractors(number, in_chunk[number.cls], rng)
            key = _render_number(number.value, number)
            distractors = [_render_number(v, number) for v in values]
            if voice.lang == "en":
                place = "“{title}” ({section})" if where else "“{title}”"
                template = f"According to {place}: “{{rule}}” What goes in the blank?"
            else:
                place = "「{title}」“{section}”" if where else "「{title}」"
                template = f"按{place}：“{{rule}}”空白处应填什么？"
            stem = _compose(voice, template, {"title": doc.title, "section": where},
                            {"rule": (context, 200)})
            if stem is None or _BLANK not in stem:
                continue
            generated = _finish(
                kind="sop_number", subject=key, key_source=sentence, topic=doc.title, stem=stem,
                key=key, distractors=distractors, explanation=_explanation([sentence]), doc=doc,
                chunks=[chunk], rng=rng,
            )
            if generated is not None:
                out.append(generated)
    return out


# -- courses --------------------------------------------------------------------------

_TERM_BAD_CHARS = frozenset("的我你他她它这那不也都就还只要会能在把被让给从对而且和与及或但如若每各某其"
                            "，,。；;、！？!?“”\"'：:")
_PAREN = r"(?:（[^）]{1,40}）|\([^)]{1,40}\))"
_ALIAS = r"(?:（[^）\d]{1,40}）|\([^)\d]{1,40}\))"  # an alias such as （Feature）
_TERM = r"(?P<term>[^，,。：:（(]{1,12}?)"
_DEFINITIONS_ZH = [
    re.compile(rf"^所谓{_TERM}\s*(?P<paren>{_PAREN})?[，,]\s*(?:就是|是指|指的是|是|即)?(?P<def>.{{6,}})$"),
    re.compile(rf"^{_TERM}\s*(?P<paren>{_PAREN})?\s*[，,]?\s*(?:就是|是指|指的是)(?P<def>.{{6,}})$"),
    re.compile(rf"^{_TERM}\s*(?:(?P<paren>{_PAREN})\s*[，,]?|[，,])\s*指(?P<def>.{{6,}})$"),
    re.compile(rf"^{_TERM}\s*(?P<paren>{_PAREN})?\s*是(?P<def>(?:一种|一个|一套|一类|一项|指|用来|用于).{{4,}})$"),
    re.compile(rf"^{_TERM}\s*(?P<paren>{_ALIAS})\s*[：:]\s*(?P<def>.{{6,}})$"),
]
# abstract nouns that head explanations, not terms ("关键就是…", "目的是…")
_NOT_TERMS = frozenset("""关键 原则 目的 目标 核心 重点 方法 办法 秘诀 诀窍 区别 问题 原因 结果 意思 作用 好处
    本质 前提 要点 口诀 答案 理由 办法 思路 步骤 第一步 第二步 第三步 第四步 第五步 例如 比如 其实 也就
    总之 简单说 换句话说 最后 首先 其次 然后 另外 同时""".split())
_DEFINITIONS_EN = [
    re.compile(r"^(?:By |The term )?[“\"](?P<term>[^”\"]{1,40})[”\"],? (?:is|means|refers to|is defined as) "
               r"(?P<def>.{10,})$"),
    re.compile(r"^(?P<term>[A-Z][A-Za-z0-9\-]*(?: [A-Za-z0-9\-]+){0,3}) (?P<paren>\([^)]{1,40}\) )?"
               r"(?:means|refers to|is defined as|stands for) (?P<def>.{10,})$"),
    re.compile(r"^(?P<term>[A-Z][A-Za-z0-9\-]*(?: [A-Za-z0-9\-]+){0,3}) (?P<paren>\([^)]{1,40}\)) "
               r"(?:is|are) (?P<def>(?:a|an|the)\b.{10,})$"),
]
_EN_TERM_STOP = frozenset({"it", "this", "that", "they", "we", "you", "he", "she", "there", "what",
                           "which", "who", "here", "one", "each", "every", "some", "our", "your"})


@dataclass
class _Term:
    term: str  # as displayed: the term without its parenthesised alias
    forms: frozenset[str]
    definition: str
    sentence: str
    chunk: ChunkRecord
    doc: DocumentRecord
    voice: _Voice


def _term_forms(term: str, paren: str | None) -> frozenset[str]:
    forms = {_norm(term)}
    forms.update(_norm(t) for t in term.split() if len(_norm(t)) >= 2)
    if paren:
        inner = paren.strip("（）() ")
        if not re.search(r"[，,、–\-/]", inner):
            forms.add(_norm(inner))
    return frozenset(f for f in forms if f)


def _valid_term(term: str, voice: _Voice) -> bool:
    term = term.strip()
    if not term or any(ch in _TERM_BAD_CHARS for ch in term) or term[0].isdigit():
        return False
    if voice.lang == "en":
        words = term.lower().split()
        return 1 <= len(words) <= 4 and words[0] not in _EN_TERM_STOP and words[0] not in STOPWORDS
    if _norm(term) in _NOT_TERMS:
        return False
    cjk = len(_CJK.findall(term))
    return cjk <= 8 and (cjk >= 2 or bool(re.fullmatch(r"[A-Za-z]{2,8}|[A-Za-z]\s*[\u3400-\u9fff]{2,4}", term)))


def find_definitions(doc: DocumentRecord, chunk: ChunkRecord) -> list[_Term]:
    return [_Term(term, forms, definition, sentence, chunk, doc, voice)
            for term, forms, definition, sentence, voice in _definitions_in(chunk.text)]


@lru_cache(maxsize=1 << 16)
def _definitions_in(text: str) -> tuple[tuple[str, frozenset[str], str, str, _Voice], ...]:
    """(term, forms, definition, sentence, voice) of each definition sentence; cached,
    as every regeneration reads every course passage for the pool of terms."""
    out: list[tuple[str, frozenset[str], str, str, _Voice]] = []
    for line in text.splitlines():
        for sentence in _sentences(line):
            voice = _voice(sentence)
            patterns = _DEFINITIONS_EN if voice.lang == "en" else _DEFINITIONS_ZH
            for pattern in patterns:
                match = pattern.match(sentence)
                if not match:
                    continue
                term = match.group("term").strip()
                paren = match.groupdict().get("paren")
                definition = match.group("def").strip().rstrip("。.!！")
                if not _valid_term(term, voice) or len(definition) > 160:
                    break
                forms = _term_forms(term, paren)
                if any(f in _norm(definition) for f in forms):
                    break  # the definition names its own term
                out.append((term, forms, definition, sentence, voice))
                break
    return tuple(out)


def _course_questions(docs: list[DocumentRecord], chunks: dict[str, list[ChunkRecord]], seed: int,
                      wanted: Callable[[DocumentRecord], bool] = lambda _: True) -> list[GeneratedQuestion]:
    terms: list[_Term] = []
    seen: set[tuple[str, str]] = set()
    for doc in docs:
        for chunk in chunks[doc.doc_key]:
            for term in find_definitions(doc, chunk):
                key = (_norm(term.term), _norm(term.definition))
                if key not in seen:  # overlapping chunks repeat sentences
                    seen.add(key)
                    terms.append(term)
    by_form: dict[str, set[str]] = defaultdict(set)
    for term in terms:
        for form in term.forms:
            by_form[form].add(_norm(term.definition))
    out: list[GeneratedQuestion] = []
    for term in terms:
        if not wanted(term.doc):
            continue
        if any(len(by_form[f]) > 1 for f in term.forms):
            continue  # defined differently in two places: which is right is not ours to say
        rng = _rng(seed, "course_term", term.chunk.id, term.term)
        if term.voice.lang == "en":
            template = "In “{title}”, which term is described as: “{definition}”?"
        else:
            template = "「{title}」中，哪个术语的意思是：“{definition}”？"
        stem = _compose(term.voice, template, {"title": term.doc.title},
                        {"definition": (term.definition, 200)})
        if stem is None:
            continue
        candidates = [t for t in terms if t.voice.lang == term.voice.lang
                      and not (t.forms & term.forms)
                      and _norm(t.term) not in _norm(term.term) and _norm(term.term) not in _norm(t.term)
                      and _norm(t.term) not in _norm(stem)]
        same_doc = [t for t in candidates if t.doc.doc_key == term.doc.doc_key]
        other = [t for t in candidates if t.doc.doc_key != term.doc.doc_key]
        chosen: list[_Term] = []
        for tier in (same_doc, other):
            order = list(tier)
            rng.shuffle(order)
            for candidate in order:
                if len(chosen) >= OPTION_COUNT - 1:
                    break
                if any(candidate.forms & c.forms for c in chosen):
                    continue
                if similarity(candidate.definition, term.definition) >= 0.8:
                    continue  # two terms said to mean the same: not provably wrong
                chosen.append(candidate)
        explanation = _explanation([term.sentence])
        generated = _finish(
            kind="course_term", subject=term.term, key_source=term.sentence, topic=term.doc.title,
            stem=stem, key=term.term, distractors=[c.term for c in chosen],
            explanation=explanation, doc=term.doc,
            chunks=[term.chunk, *(c.chunk for c in chosen)], rng=rng,
        )
        if generated is not None:
            out.append(generated)
    return out
