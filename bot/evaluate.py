"""`guidebot eval`: check a knowledge base against a golden question set.

Each line of the set is JSON: {"question": str, "path": str | null, "contains": [str]}.
`path` names the file that answers (matched as a path suffix, so "sop/returns.md" and
"returns.md" both work); `contains` lists words the answer must hold; a null path means
the knowledge base should decline. A line may name a "conversation": lines with the same
one are the turns of one chat, in file order, and each is asked after the ones before it.

Two things are measured: whether retrieval ranks a passage holding the words (Recall,
MRR), and whether the answer text a guide reads holds them — the second is the product.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.answer import Answer, Answerer, Turn
from bot.retrieve import Passage
from ingest.normalize import for_matching, language_of

DEPTH = 10


class GoldenSetError(Exception):
    pass


@dataclass
class GoldenQuestion:
    question: str
    path: str | None
    contains: list[str]
    note: str = ""
    conversation: str | None = None


@dataclass
class QuestionResult:
    item: GoldenQuestion
    rank: int | None  # 1-based rank of the first passage that answers, within DEPTH
    found: bool
    top: list[str] = field(default_factory=list)
    answer_text: str | None = None  # what the guide reads (None for systems without answers)
    doc_type: str | None = None  # of the file that answers

    @property
    def answer_holds(self) -> bool:
        """The answer was given and its text holds every expected word."""
        if not self.found or self.answer_text is None or self.item.path is None:
            return False
        text = for_matching(self.answer_text)
        return all(for_matching(word) in text for word in self.item.contains)

    @property
    def language(self) -> str:
        return self.item.note if self.item.note in ("en", "cross") else language_of(self.item.question)


def load_golden(path: Path) -> list[GoldenQuestion]:
    items: list[GoldenQuestion] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldenSetError(f"cannot read {path}: {exc}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            question = str(data["question"]).strip()
        except (json.JSONDecodeError, KeyError, TypeError):
            raise GoldenSetError(f"{path}:{number}: expected a JSON object with a 'question'") from None
        contains = data.get("contains") or []
        conversation = data.get("conversation")
        items.append(GoldenQuestion(question, data.get("path") or None, [str(c) for c in contains],
                                    str(data.get("note", "")),
                                    str(conversation) if conversation is not None else None))
    if not items:
        raise GoldenSetError(f"{path} has no questions")
    return items


def path_matches(expected: str, actual: str) -> bool:
    e, a = expected.strip("/"), actual.strip("/")
    return e == a or a.endswith("/" + e) or e.endswith("/" + a)


def answers(item: GoldenQuestion, passage: Passage) -> bool:
    if item.path is None or not path_matches(item.path, passage.document.path):
        return False
    text = passage.matching_text
    return all(for_matching(word) in text for word in item.contains)


def answered(answerer: Answerer, items: list[GoldenQuestion]) -> Iterator[tuple[GoldenQuestion, Answer]]:
    """Each item answered as a guide would ask it: the turns of a conversation in order,
    each after the one before."""
    previous: dict[str, Turn] = {}
    for item in items:
        turn = previous.get(item.conversation) if item.conversation else None
        answer = answerer.answer(item.question, previous=turn, k=DEPTH)
        if item.conversation:
            previous[item.conversation] = answer.turn
        yield item, answer


def evaluate(answerer: Answerer, items: list[GoldenQuestion]) -> list[QuestionResult]:
    doc_types = {d.path: d.doc_type for d in answerer.retriever.reader.documents().values()}
    results = []
    for item, answer in answered(answerer, items):
        ranked = answer.retrieved
        rank = next((i for i, p in enumerate(ranked, start=1) if answers(item, p)), None)
        doc_type = next((t for p, t in doc_types.items() if item.path and path_matches(item.path, p)), None)
        results.append(QuestionResult(item, rank, answer.found, [p.document.path for p in ranked[:3]],
                                      answer.body, doc_type))
    return results


def metrics(results: list[QuestionResult]) -> dict[str, Any]:
    answerable = [r for r in results if r.item.path is not None]
    unanswerable = [r for r in results if r.item.path is None]
    declined = [r for r in results if not r.found]
    n = max(1, len(answerable))
    out: dict[str, Any] = {
        "questions": len(results),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "recall@1": sum(1 for r in answerable if r.rank == 1) / n,
        "recall@5": sum(1 for r in answerable if r.rank is not None and r.rank <= 5) / n,
        "mrr": sum(1 / r.rank for r in answerable if r.rank is not None and r.rank <= DEPTH) / n,
        "no_answer_precision": (
            sum(1 for r in declined if r.item.path is None) / len(declined) if declined else 1.0
        ),
        "no_answer_declined": (
            sum(1 for r in unanswerable if not r.found) / len(unanswerable) if unanswerable else 1.0
        ),
        "answerable_declined": sum(1 for r in answerable if not r.found) / n,
    }
    if any(r.answer_text is not None for r in answerable):
        out["answer_holds"] = sum(1 for r in answerable if r.answer_holds) / n
        out["answer_holds_by"] = {
            "doc_type": _shares(answerable, lambda r: r.doc_type or "?"),
            "language": _shares(answerable, lambda r: r.language),
            "note": _shares(answerable, lambda r: r.item.note or "-"),
        }
    return out


def _shares(results: list[QuestionResult], key: Any) -> dict[str, dict[str, float]]:
    groups: dict[str, list[QuestionResult]] = defaultdict(list)
    for r in results:
        groups[key(r)].append(r)
    return {name: {"n": len(rs), "answer_holds": sum(r.answer_holds for r in rs) / len(rs),
                   "recall@1": sum(r.rank == 1 for r in rs) / len(rs)}
            for name, rs in sorted(groups.items())}


def render(metric: dict[str, Any]) -> str:
    lines = [
        f"questions: {metric['questions']} ({metric['answerable']} answerable, "
        f"{metric['unanswerable']} without an answer)",
        f"Recall@1: {metric['recall@1']:.1%}",
        f"Recall@5: {metric['recall@5']:.1%}",
        f"MRR@{DEPTH}: {metric['mrr']:.3f}",
        f"no-answer precision: {metric['no_answer_precision']:.1%} "
        f"(declined {metric['no_answer_declined']:.1%} of questions without an answer, "
        f"{metric['answerable_declined']:.1%} of answerable ones)",
    ]
    if "answer_holds" in metric:
        lines.append(f"answer text holds the expected words: {metric['answer_holds']:.1%}")
        for group, shares in metric["answer_holds_by"].items():
            parts = [f"{name} {s['answer_holds']:.0%} (R@1 {s['recall@1']:.0%}, n={s['n']:.0f})"
                     for name, s in shares.items()]
            lines.append(f"  by {group}: " + "; ".join(parts))
    return "\n".join(lines)


def render_miss(result: QuestionResult) -> str | None:
    """One line per question the guide would have been let down on, with what they read."""
    item = result.item
    wrong_found = result.found != (item.path is not None)
    if not (wrong_found or (item.path and not result.answer_holds)):
        return None
    shown = (result.answer_text or "").replace("\n", " ⏎ ")[:220]
    return (f"  rank={result.rank} found={result.found} [{item.note}] {item.question} -> want {item.path} "
            f"{item.contains}; got {result.top}\n      answer: {shown}")
