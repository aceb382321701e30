"""Grounded answers: decide whether the knowledge base answers at all, then compose a
short reply from the passages themselves (or through an LLM, when one is configured).

Nothing here invents content: an extractive answer is made only of lines taken from the
cited passages, and "not found" says so plainly and offers the closest topics.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from bot.retrieve import SOFT_MATCH_DEPTH, Passage, Retriever
from bot.settings import Settings
from ingest.lexical import QueryTerms
from ingest.normalize import for_matching, language_of, split_sentences

log = logging.getLogger(__name__)

SECTION_SEPARATOR = " › "

# Which FAB fields answer which kind of question (matched on the normalised question).
FAB_INTENTS: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (("多少钱", "价格", "价钱", "售价", "几块", "多少米", "price", "cost", "how much"), ("price",)),
    (("异议", "嫌", "太贵", "贵了", "顾虑", "担心", "怎么回", "咋回", "怎么说", "反对", "拒绝",
      "objection", "expensive", "worried", "concern", "respond", "reply", "says"),
     ("objections", "replies")),
    (("适合", "人群", "什么人", "哪类", "谁", "推荐给", "target", "suitable", "who", "fit", "good for"),
     ("audience",)),
    (("话术", "卖点", "介绍", "推荐", "怎么卖", "pitch", "selling", "sell", "introduce"),
     ("selling_lines", "features")),
    (("特点", "功能", "优势", "好处", "利益", "区别", "feature", "advantage", "benefit", "why"),
     ("features", "advantages", "benefits")),
]
FAB_LABELS = {
    "product": ("产品", "product"), "sku": ("sku",), "price": ("价格", "price"),
    "category": ("品类", "category"), "features": ("特点", "features"),
    "advantages": ("优势", "advantages"), "benefits": ("利益", "benefits"),
    "audience": ("适用人群", "target customers"), "selling_lines": ("推荐话术", "selling lines"),
    "objections": ("常见异议", "objections"), "replies": ("异议回复", "replies"),
}
DEFAULT_FAB_FIELDS = ("price", "features", "advantages", "benefits")

MESSAGES = {
    "zh": {
        "not_found": "抱歉，知识库里没有找到能回答这个问题的内容，已转给内容团队补充。",
        "closest": "相关的主题：",
        "sources": "来源：",
    },
    "en": {
        "not_found": "Sorry, the knowledge base has nothing that answers this; "
                     "it has been passed on to the content team.",
        "closest": "Closest topics: ",
        "sources": "Sources: ",
    },
}


@dataclass
class Answer:
    question: str
    found: bool
    text: str
    passages: list[Passage]
    language: str
    cited: list[int] = field(default_factory=list)  # indexes into passages the text stands on
    trimmed: bool = False

    @property
    def body(self) -> str:
        """The answer without its sources line."""
        return self.text.rsplit("\n" + MESSAGES[self.language]["sources"], 1)[0] if self.found else self.text

    @property
    def cited_passages(self) -> list[Passage]:
        return [self.passages[i] for i in self.cited]

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "found": self.found,
            "answer": self.text,
            "sources": [source_json(p) for p in self.passages],
        }


def source_json(passage: Passage) -> dict[str, Any]:
    return {
        "path": passage.document.path,
        "title": passage.document.title,
        "section": passage.chunk.section,
        "text": passage.chunk.text,
        "score": round(passage.score, 6),
    }


def citation_label(passage: Passage) -> str:
    """Title (with the version the passage came from) › section."""
    parts = [f"{passage.document.title} v{passage.document.version}"]
    if passage.chunk.section:
        parts.append(passage.chunk.section)
    return SECTION_SEPARATOR.join(parts)


FOUND_FEATURES = (
    "dense", "dense_best", "coverage", "soft_coverage", "soft_min", "cross_lingual",
    "named_record", "detail_gap", "missing_code", "missing_date", "question_words",
)
# The found decision looks at this many passages: retrieval puts the answering passage
# first most of the time, not always, and a confident second passage still answers.
FOUND_DEPTH = SOFT_MATCH_DEPTH


def found_score(passage: Passage, settings: Settings) -> float:
    """A logistic score: positive means the passage answers. Weights are fitted with
    bench/calibrate.py on the development sets (see README); a feature without a
    weight counts for nothing."""
    weights = settings.found_weights
    return settings.found_bias + sum(weights.get(name, 0.0) * getattr(passage, name) for name in FOUND_FEATURES)


def answering_passage(passages: list[Passage], settings: Settings) -> int | None:
    """The first of the top passages that answers the question, or None to decline."""
    return next((i for i, p in enumerate(passages[:FOUND_DEPTH]) if answers(p, settings)), None)


def answers(passage: Passage, settings: Settings) -> bool:
    if passage.lexical_only:  # no vectors to weigh: a stricter rule on the words alone
        return (passage.coverage >= settings.lexical_only_min_coverage
                and not passage.missing_code and not passage.missing_date)
    return found_score(passage, settings) >= 0.0


def decide_found(passages: list[Passage], settings: Settings) -> bool:
    """Does the knowledge base answer the question (one of the top passages does)?"""
    return answering_passage(passages, settings) is not None


def _fab_fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in text.splitlines():
        match = re.match(r"^([^：:]{1,24})[：:]\s*(.*)$", line)
        if not match:
            continue
        label = for_matching(match.group(1)).strip()
        for name, labels in FAB_LABELS.items():
            if label in labels:
                fields[name] = line
    return fields


def compose_fab(question_norm: str, passage: Passage) -> list[str]:
    fields = _fab_fields(passage.chunk.text)
    wanted: list[str] = []
    for keywords, names in FAB_INTENTS:
        if any(k in question_norm for k in keywords):
            wanted.extend(n for n in names if n not in wanted)
    wanted = wanted or list(DEFAULT_FAB_FIELDS)
    lines = [fields[n] for n in ("product", "sku") if n in fields]
    lines += [fields[n] for n in wanted if n in fields and fields[n] not in lines]
    return lines or passage.chunk.text.splitlines()


def compose_steps(terms: QueryTerms, passage: Passage, max_chars: int) -> list[str]:
    """An SOP section as it stands (heading and numbered steps); when too long, the
    window of lines around the ones that match the question best."""
    lines = [line for line in passage.chunk.text.splitlines() if line.strip()]
    if sum(len(x) for x in lines) <= max_chars:
        return lines
    scores = [_line_score(terms, line) for line in lines]
    best = max(range(len(lines)), key=lambda i: scores[i])
    start = max(0, best - 1)
    window: list[str] = []
    heading = lines[0] if start > 0 and len(lines[0]) <= 40 else None
    budget = max_chars - (len(heading) if heading else 0)
    for line in lines[start:]:
        if window and sum(len(x) for x in window) + len(line) > budget:
            break
        window.append(line)
    return ([heading] if heading else []) + window


def compose_sentences(terms: QueryTerms, passage: Passage, max_chars: int) -> list[str]:
    sentences = split_sentences(passage.chunk.text)
    if sum(len(s) for s in sentences) <= max_chars:
        return [passage.chunk.text]
    ranked = sorted(range(len(sentences)), key=lambda i: _line_score(terms, sentences[i]), reverse=True)
    chosen: list[int] = []
    size = 0
    for i in ranked:
        if size + len(sentences[i]) > max_chars and chosen:
            continue
        chosen.append(i)
        size += len(sentences[i])
        if size >= max_chars * 0.6:
            break
    return ["".join(sentences[i] for i in sorted(chosen))]


def _line_score(terms: QueryTerms, line: str) -> float:
    norm = for_matching(line)
    return sum(2 for w in set(terms.words) if w in norm) + sum(1 for b in set(terms.bigrams) if b in norm)


def _trim(lines: list[str], max_chars: int) -> tuple[str, bool]:
    out: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) > max_chars:
            room = max_chars - size
            if room > 40:
                out.append(line[:room].rstrip() + "…")
            return "\n".join(out), True
        out.append(line)
        size += len(line) + 1
    return "\n".join(out), False


def extractive_answer(question: str, passages: list[Passage], settings: Settings) -> tuple[str, list[int], bool]:
    top = passages[0]
    terms = QueryTerms.of(question)
    question_norm = for_matching(question)
    if top.chunk.metadata.get("product"):
        lines = compose_fab(question_norm, top)
    elif top.document.doc_type == "sop":
        lines = compose_steps(terms, top, settings.answer_max_chars)
    else:
        lines = compose_sentences(terms, top, settings.answer_max_chars)
    body, trimmed = _trim(lines, settings.answer_max_chars)
    # Shown only part of the passage (a window of steps, some FAB fields): offer "more".
    trimmed = trimmed or len(body) < 0.9 * len(top.chunk.text)
    return f"{body} [1]", [0], trimmed


def render_sources(passages: list[Passage], cited: list[int], language: str) -> str:
    labels = [f"[{n + 1}] {citation_label(passages[i])}" for n, i in enumerate(cited)]
    return MESSAGES[language]["sources"] + "；".join(labels) if language == "zh" else \
        MESSAGES[language]["sources"] + "; ".join(labels)


def not_found_text(passages: list[Passage], language: str) -> str:
    topics = list(dict.fromkeys(citation_label(p) for p in passages[:3]))
    text = MESSAGES[language]["not_found"]
    if topics:
        sep = "；" if language == "zh" else "; "
        text += "\n" + MESSAGES[language]["closest"] + sep.join(topics)
    return text


class Answerer:
    """retrieve → fuse → decide found → compose. One instance per process."""

    def __init__(self, settings: Settings, retriever: Retriever, llm: Any | None = None) -> None:
        self.settings = settings
        self.retriever = retriever
        self.llm = llm

    def answer(self, question: str, language: str | None = None) -> Answer:
        """`language` ('zh' or 'en') sets the language of the framing text; by default
        it follows the question."""
        question = question.strip()
        language = language or language_of(question)
        passages = self.retriever.search(question) if question else []
        answering = answering_passage(passages, self.settings)
        if answering is None:
            return Answer(question, False, not_found_text(passages, language), passages, language)
        # The answer is built from the first passage, so it must be one that answers.
        passages.insert(0, passages.pop(answering))
        if self.llm is not None:
            from bot.llm import llm_answer

            try:
                composed = llm_answer(self.llm, question, passages, language)
            except Exception as exc:  # the LLM being down must not stop answers
                log.warning("LLM failed (%s); answering extractively", exc.__class__.__name__)
                return self._extractive(question, passages, language)
            if composed is None:
                return Answer(question, False, not_found_text(passages, language), passages, language)
            body, cited = composed
            trimmed = False
            cited_passages = [passages[i] for i in cited]
            passages = cited_passages + [p for p in passages if p not in cited_passages]
            cited = list(range(len(cited_passages)))
            text = body + "\n" + render_sources(passages, cited, language)
            return Answer(question, True, text, passages, language, cited, trimmed)
        return self._extractive(question, passages, language)

    def _extractive(self, question: str, passages: list[Passage], language: str) -> Answer:
        body, cited, trimmed = extractive_answer(question, passages, self.settings)
        text = body + "\n" + render_sources(passages, cited, language)
        return Answer(question, True, text, passages, language, cited, trimmed)
