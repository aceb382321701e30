"""`guidebot eval`: check a knowledge base against a golden question set.

Each line of the set is JSON: {"question": str, "path": str | null, "contains": [str]}.
`path` names the file that answers (matched as a path suffix, so "sop/returns.md" and
"returns.md" both work); `contains` lists words the passage must contain; a null path
means the knowledge base should decline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.answer import decide_found
from bot.retrieve import Passage, Retriever
from bot.settings import Settings
from ingest.normalize import for_matching

DEPTH = 10


class GoldenSetError(Exception):
    pass


@dataclass
class GoldenQuestion:
    question: str
    path: str | None
    contains: list[str]
    note: str = ""


@dataclass
class QuestionResult:
    item: GoldenQuestion
    rank: int | None  # 1-based rank of the first passage that answers, within DEPTH
    found: bool
    top: list[str] = field(default_factory=list)


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
        items.append(GoldenQuestion(question, data.get("path") or None, [str(c) for c in contains],
                                    str(data.get("note", ""))))
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


def evaluate(retriever: Retriever, settings: Settings, items: list[GoldenQuestion]) -> list[QuestionResult]:
    results = []
    for item in items:
        passages = retriever.search(item.question, k=DEPTH)
        rank = next((i for i, p in enumerate(passages, start=1) if answers(item, p)), None)
        found = decide_found(passages, settings)
        results.append(QuestionResult(item, rank, found, [p.document.path for p in passages[:3]]))
    return results


def metrics(results: list[QuestionResult]) -> dict[str, Any]:
    answerable = [r for r in results if r.item.path is not None]
    unanswerable = [r for r in results if r.item.path is None]
    declined = [r for r in results if not r.found]
    n = max(1, len(answerable))
    return {
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


def render(metric: dict[str, Any]) -> str:
    return "\n".join([
        f"questions: {metric['questions']} ({metric['answerable']} answerable, "
        f"{metric['unanswerable']} without an answer)",
        f"Recall@1: {metric['recall@1']:.1%}",
        f"Recall@5: {metric['recall@5']:.1%}",
        f"MRR@{DEPTH}: {metric['mrr']:.3f}",
        f"no-answer precision: {metric['no_answer_precision']:.1%} "
        f"(declined {metric['no_answer_declined']:.1%} of questions without an answer, "
        f"{metric['answerable_declined']:.1%} of answerable ones)",
    ])
