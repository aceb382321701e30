"""Grounded answers: decide whether the knowledge base answers at all, then compose a
short reply from the passages themselves (or through an LLM, when one is configured).

Nothing here invents content: an extractive answer is made only of lines taken from the
cited passages, and "not found" says so plainly and offers the closest topics.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from bot.compose import PartScorer, focused
from bot.followup import Turn, lacks_subject, refers_back, with_subject
from bot.intents import FRAMING_WORDS, wanted_fields
from bot.retrieve import SOFT_MATCH_DEPTH, Passage, Retriever
from bot.settings import Settings
from bot.spelling import Correction, Speller
from ingest.normalize import for_matching, language_of

log = logging.getLogger(__name__)

SECTION_SEPARATOR = " › "

MESSAGES = {
    "zh": {
        "not_found": "抱歉，知识库里没有找到能回答这个问题的内容，已转给内容团队补充。",
        "closest": "相关的主题：",
        "sources": "来源：",
        "corrected": "按{words}回答",
        "which": "没看出「它」指的是哪个商品，请带上商品名再问一次。",
    },
    "en": {
        "not_found": "Sorry, the knowledge base has nothing that answers this; "
                     "it has been passed on to the content team.",
        "closest": "Closest topics: ",
        "sources": "Sources: ",
        "corrected": "Answered for {words}",
        "which": "Not sure which product \"it\" is; please ask again with its name.",
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
    retrieved: list[Passage] = field(default_factory=list)  # in retrieval order
    asked: str = ""  # the question as answered: a follow-up with its subject filled in
    subject: str | None = None
    corrections: list[Correction] = field(default_factory=list)  # typos the answer rests on

    @property
    def turn(self) -> Turn:
        return Turn(self.asked or self.question, self.subject)

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
    "named_record", "detail_gap", "missing_code", "missing_date", "question_words", "focus",
)
# The found decision looks at this many passages: retrieval puts the answering passage
# first most of the time, not always, and a confident second passage still answers.
FOUND_DEPTH = SOFT_MATCH_DEPTH
# A follow-up stays on the previous subject when that subject's passage speaks of what
# the question asks this well (soft coverage): near-synonyms score about 0.6 and up.
ON_SUBJECT_MIN = 0.6


def found_score(passage: Passage, settings: Settings) -> float:
    """A logistic score: positive means the passage answers. Weights are fitted with
    bench/calibrate.py on the development sets (see README); a feature without a
    weight counts for nothing."""
    weights = settings.found_weights
    return settings.found_bias + sum(weights.get(name, 0.0) * getattr(passage, name) for name in FOUND_FEATURES)


def answering_passage(passages: list[Passage], settings: Settings) -> int | None:
    """The first of the top passages that answers the question, or None to decline.
    When the question names a product, another product's record never answers for it
    ("小红袋几岁能吃" is not answered by the 小蓝袋's age range)."""
    top = passages[:FOUND_DEPTH]
    named = {p.chunk.about for p in top if p.product_named and p.chunk.about}
    able = [i for i, p in enumerate(top) if answers(p, settings)
            and not (named and p.chunk.about and p.chunk.about not in named)]
    if not able:
        return None
    first = able[0]
    if top[first].cross_lingual and not top[first].chunk.about:
        # the guide reads their own language: a passage in it that answers as surely wins
        # over a rule in the other (an English SOP that mentions "验光单" in passing, the
        # Chinese rule on it); a product's own record stays, whatever its language
        own = [i for i in able if not top[i].cross_lingual
               and found_score(top[i], settings) >= found_score(top[first], settings)]
        if own:
            return own[0]
    return first


def answers(passage: Passage, settings: Settings) -> bool:
    if passage.missing_variant:  # the 二人 tent's record does not answer for the 四人 one
        return False
    if passage.lexical_only:  # no vectors to weigh: a stricter rule on the words alone
        return (passage.coverage >= settings.lexical_only_min_coverage
                and not passage.missing_code and not passage.missing_date)
    return found_score(passage, settings) >= 0.0


def _best_found(answer: Answer, settings: Settings) -> float:
    return max((found_score(p, settings) for p in answer.retrieved[:FOUND_DEPTH]), default=float("-inf"))


def decide_found(passages: list[Passage], settings: Settings) -> bool:
    """Does the knowledge base answer the question (one of the top passages does)?"""
    return answering_passage(passages, settings) is not None


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


def extractive_answer(passages: list[Passage], scorer: PartScorer, settings: Settings) -> tuple[str, list[int], bool]:
    """The parts of the answering passage (the first) that answer its question."""
    composed = focused(passages[0], scorer, settings.answer_max_chars)
    body, trimmed = _trim(composed.lines, settings.answer_max_chars)
    return f"{body} [1]", [0], trimmed or composed.trimmed


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


def subject_of(answer: Answer) -> str | None:
    """What a question was about, for the follow-ups after it: the product (of a product
    record or a product's own page, or, when it was declined, the one product it named),
    else the question as answered; nothing for a declined question otherwise."""
    if not answer.found:
        # declined, but about a product it named ("暖阳头灯多亮"): "那它多少钱" is about that one
        named = {p.chunk.about for p in answer.retrieved[:FOUND_DEPTH] if p.product_match and p.chunk.about}
        return named.pop() if len(named) == 1 else None  # two purifiers named: no telling which
    passage = answer.passages[answer.cited[0]] if answer.cited else answer.passages[0]
    if passage.chunk.about:
        return passage.chunk.about
    if passage.document.doc_type == "fab":
        return passage.document.title
    return answer.asked or answer.question


def _heading_words(words: dict[str, float], answer: Answer) -> set[str]:
    """The words (of two characters or more) that the title or section of the rule or
    note the answer stands on uses: a question that names a topic names it like this."""
    passage = answer.cited_passages[0]
    if passage.chunk.about or passage.document.doc_type == "fab":
        return set()  # a product's name: a product named in passing is no topic of its own
    heading = for_matching(f"{passage.document.title} {passage.chunk.section or ''}")
    return {w for w in words if len(w) >= 2 and w in heading}


def _asks_a_product_field(question: str, answer: Answer) -> bool:
    """Does the question ask for a product's field (price, reply …) while the passage
    answering it is about no product?"""
    passage = answer.passages[answer.cited[0]]
    return bool(wanted_fields(for_matching(question))) and not passage.chunk.about \
        and passage.document.doc_type != "fab"


class Answerer:
    """retrieve → fuse → decide found → compose. One instance per process."""

    def __init__(self, settings: Settings, retriever: Retriever, llm: Any | None = None) -> None:
        self.settings = settings
        self.retriever = retriever
        self.llm = llm
        self.scorer = PartScorer(retriever.embedder)
        self.speller = Speller(retriever.reader)

    def answer(self, question: str, language: str | None = None, previous: Turn | None = None,
               k: int | None = None) -> Answer:
        """`language` ('zh' or 'en') sets the language of the framing text; by default
        it follows the question. `previous` is the same person's last turn, for
        follow-ups; `k` how many passages to retrieve. The whole answer reads one index
        generation, even when content is published while it is being worked out."""
        with self.retriever.reader.pinned():
            return self._answer_pinned(question, language, previous, k)

    def _answer_pinned(self, question: str, language: str | None, previous: Turn | None,
                k: int | None) -> Answer:
        question = question.strip()
        language = language or language_of(question)
        fixed, corrections = self.speller.correct(question)
        answer = self._follow(question, language, previous, k)
        if corrections:
            # a typo'd word matches nothing; the question read with the word meant is
            # kept when it answers better (a homophone guess that finds less is dropped)
            corrected = self._follow(fixed, language, previous, k)
            if corrected.found and (not answer.found or _best_found(corrected, self.settings)
                                    > _best_found(answer, self.settings)):
                answer = corrected
                answer.corrections = [c for c in corrections if any(
                    c.meant in answer.passages[i].chunk.text for i in answer.cited)]
        answer.question = question
        if answer.corrections:  # the answer rests on a corrected word: say which
            note = MESSAGES[language]["corrected"].format(words="、".join(f"「{c.meant}」" for c in answer.corrections))
            answer.text = f"{note}\n{answer.text}"
        return answer

    def _follow(self, question: str, language: str, previous: Turn | None, k: int | None) -> Answer:
        """The question (typos fixed) on its own, or about the previous turn's subject."""
        resolved = with_subject(question, previous)
        if resolved is not None:
            own: Answer | None = None
            if not refers_back(question):
                # a short question that names a product of its own ("破壁机多少钱") starts afresh
                own = self._answer(question, question, language, k)
                if own.found and any(p.product_hinted for p in own.retrieved[:FOUND_DEPTH]):
                    return own
            answer = self._answer(question, resolved, language, k)
            # A short question that does not point back may be a new topic of its own:
            # "退货要几天" after a product is about returns, unless the product's own
            # passage speaks of what it asks ("小孩能用吗" about a sunscreen for children).
            if own is not None and own.found and (not answer.found or not self._on_subject(own, answer)):
                return own
            if answer.found and refers_back(question) and _asks_a_product_field(question, answer):
                # "那它多少钱" after a returns question: no product to give the price of
                return self._which(question, resolved, language, k)
            if answer.found or refers_back(question):
                return answer
            if own is not None:
                return own
        elif refers_back(question) and lacks_subject(question):
            # "那它多少钱" with nothing recent to refer to: any answer would be a guess.
            return self._which(question, question, language, k)
        return self._answer(question, question, language, k)

    def _which(self, question: str, asked: str, language: str, k: int | None) -> Answer:
        """Declined: the question points back at a product there is none of."""
        passages = self.retriever.search(question, k)
        text = MESSAGES[language]["which"]
        return Answer(question, False, text, passages, language, retrieved=passages, asked=asked)

    def _on_subject(self, own: Answer, followed: Answer) -> bool:
        """Does the answer about the previous subject speak of what the question asks
        (its words, or near-synonyms) nearly as well as the answer it finds on its own?
        The answers, not their passages: a whole returns policy mentions points somewhere,
        but the refund rule it shows for "积分咋抵钱" does not."""
        query = own.retrieved[0].query if own.retrieved else None
        weights = {w: x for w, x in (query.weights if query else {}).items() if w not in FRAMING_WORDS}
        if not weights:
            return True  # "多少钱" asks nothing but the kind of answer: the subject's
        topic = _heading_words(weights, own) - _heading_words(weights, followed)
        # "积分咋抵现" names the topic of the passage it finds on its own; "会员呢" after a
        # price names a membership page's title too, but the product's answer shows the
        # member price
        about_product = bool(followed.cited_passages[0].chunk.about)
        if topic and not (about_product and all(w in for_matching(followed.body) for w in topic)):
            return False
        mine = self.retriever.soft_coverage(weights, own.body)
        theirs = self.retriever.soft_coverage(weights, followed.body)
        return theirs >= min(mine, ON_SUBJECT_MIN)

    def _answer(self, question: str, asked: str, language: str, k: int | None) -> Answer:
        passages = self.retriever.search(asked, k) if asked else []
        answer = self._compose(question, asked, passages, language)
        answer.retrieved, answer.asked = passages, asked
        answer.subject = subject_of(answer)
        return answer

    def _compose(self, question: str, asked: str, retrieved: list[Passage], language: str) -> Answer:
        passages = list(retrieved)
        answering = answering_passage(passages, self.settings)
        if answering is None:
            return Answer(question, False, not_found_text(passages, language), passages, language)
        # The answer is built from the first passage, so it must be one that answers.
        passages.insert(0, passages.pop(answering))
        if self.llm is not None:
            from bot.llm import llm_answer

            try:
                composed = llm_answer(self.llm, asked, passages, language)
            except Exception as exc:  # the LLM being down must not stop answers
                log.warning("LLM failed (%s); answering extractively", exc.__class__.__name__)
                return self._extractive(question, asked, passages, language)
            if composed is None:
                return Answer(question, False, not_found_text(passages, language), passages, language)
            body, cited = composed
            trimmed = False
            cited_passages = [passages[i] for i in cited]
            passages = cited_passages + [p for p in passages if p not in cited_passages]
            cited = list(range(len(cited_passages)))
            text = body + "\n" + render_sources(passages, cited, language)
            return Answer(question, True, text, passages, language, cited, trimmed)
        return self._extractive(question, asked, passages, language)

    def _extractive(self, question: str, asked: str, passages: list[Passage], language: str) -> Answer:
        body, cited, trimmed = extractive_answer(passages, self.scorer, self.settings)
        text = body + "\n" + render_sources(passages, cited, language)
        return Answer(question, True, text, passages, language, cited, trimmed)
