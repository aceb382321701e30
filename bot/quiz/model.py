"""A quiz question as the bank keeps it, whatever made it (generator, import, LLM)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

QuestionKind = Literal["multiple_choice", "true_false", "short_answer"]
Origin = Literal["generated", "imported", "llm"]


@dataclass
class QuizQuestion:
    topic: str
    kind: QuestionKind
    stem: str
    options: list[str] = field(default_factory=list)  # multiple choice / true-false
    answer_index: int | None = None  # index into options; None for short answers
    answers: list[str] = field(default_factory=list)  # accepted short answers
    explanation: str = ""
    source_path: str | None = None
    source_chunk_ids: list[str] = field(default_factory=list)
    source_hash: str | None = None  # hash of the source passages' text it was built from
    origin: Origin = "generated"

    @property
    def id(self) -> str:
        """Stable across runs: the same question from the same content keeps its id."""
        key = "\x1f".join([self.kind, self.stem, *self.options, str(self.answer_index), *self.answers])
        return "q" + hashlib.sha1(key.encode()).hexdigest()[:12]

    @property
    def correct_option(self) -> str | None:
        return self.options[self.answer_index] if self.answer_index is not None else None
