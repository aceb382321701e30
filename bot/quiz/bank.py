"""The question bank in the database: what generators and imports produced, with status.

Generated questions are tied to the passages they came from: when a source document
changes, the questions built on its old text are retired (kept for the attempt history)
and the new text's questions come in. Trainers can disable a question they find wrong.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from filelock import FileLock
from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.quiz.model import QuizQuestion
from ingest.db import Base
from ingest.registry import utcnow
from ingest.settings import IngestSettings

if TYPE_CHECKING:
    from bot.quiz.generate import Snapshot

STATUSES = ("active", "retired", "disabled")
BANK_LOCK_FILE = "quiz-bank.lock"
BANK_DUE_FILE = "quiz-bank.due"  # a refresh failed: the next one remakes the whole bank


class BankQuestion(Base):
    __tablename__ = "quiz_questions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    topic: Mapped[str] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(16))
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[str] = mapped_column(Text)  # JSON list
    answer_index: Mapped[int | None]
    answers: Mapped[str] = mapped_column(Text)  # JSON list (short answers)
    explanation: Mapped[str] = mapped_column(Text)
    source_path: Mapped[str | None] = mapped_column(String(1024))
    source_chunk_ids: Mapped[str] = mapped_column(Text)  # JSON list
    source_hash: Mapped[str | None] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[dt.datetime | None]

    def to_contract(self) -> dict[str, Any]:
        """The object `guidebot quiz list --json` prints (DESIGN.md)."""
        return {
            "id": self.id, "topic": self.topic, "kind": self.kind, "stem": self.stem,
            "options": json.loads(self.options), "answer_index": self.answer_index,
            "explanation": self.explanation, "source_path": self.source_path,
            "status": self.status,
        }


def _row(question: QuizQuestion) -> BankQuestion:
    return BankQuestion(
        id=question.id, topic=question.topic, kind=question.kind, stem=question.stem,
        options=json.dumps(question.options, ensure_ascii=False), answer_index=question.answer_index,
        answers=json.dumps(question.answers, ensure_ascii=False), explanation=question.explanation,
        source_path=question.source_path,
        source_chunk_ids=json.dumps(question.source_chunk_ids), source_hash=question.source_hash,
        origin=question.origin, status="active",
    )


@dataclass
class SyncReport:
    added: int = 0
    kept: int = 0
    retired: int = 0
    problem: str | None = None  # the bank could not be brought up to date, and why

    def render(self) -> str:
        if self.problem:
            return f"questions: not brought up to date ({self.problem}); they are with the next change"
        return f"questions: {self.added} added, {self.kept} unchanged, {self.retired} retired"

    def to_dict(self) -> dict[str, int | str]:
        out: dict[str, int | str] = {"added": self.added, "unchanged": self.kept, "retired": self.retired}
        if self.problem:
            out["problem"] = self.problem
        return out


def sync_generated(session: Session, generated: list[QuizQuestion],
                   paths: Collection[str] | None = None) -> SyncReport:
    """Make the bank's generated questions match what the current content produces: all
    of them, or those whose source is one of `paths`. A question made again that the
    bank keeps under a document outside `paths` (a copy of the same SOP elsewhere, made
    first there) is left where it is."""
    report = SyncReport()
    wanted = {q.id: q for q in generated}
    query = select(BankQuestion).where(BankQuestion.origin == "generated")
    if paths is not None:
        query = query.where(BankQuestion.source_path.in_(list(paths)))
    existing = {q.id: q for q in session.scalars(query)}
    if paths is not None:  # the made questions kept under documents outside the scope
        missing = [qid for qid in wanted if qid not in existing]
        for start in range(0, len(missing), 500):
            existing.update((q.id, q) for q in session.scalars(select(BankQuestion).where(
                BankQuestion.origin == "generated", BankQuestion.id.in_(missing[start:start + 500]))))
    for qid, question in wanted.items():
        row = existing.get(qid)
        if row is None:
            session.add(_row(question))
            report.added += 1
        elif paths is not None and row.source_path not in paths:
            report.kept += 1
        else:
            row.source_path = question.source_path  # a renamed or moved document
            if row.status == "retired":  # the content came back (e.g. a rollback)
                row.status, row.retired_at = "active", None
                report.added += 1
            else:
                report.kept += 1
    for qid, row in existing.items():
        if qid not in wanted and row.status == "active" and (paths is None or row.source_path in paths):
            row.status, row.retired_at = "retired", utcnow()
            report.retired += 1
    return report


def add_imported(session: Session, imported: list[QuizQuestion]) -> SyncReport:
    report = SyncReport()
    for question in imported:
        if session.get(BankQuestion, question.id) is None:
            session.add(_row(question))
            report.added += 1
        else:
            report.kept += 1
    return report


def set_status(session: Session, question_id: str, status: str) -> BankQuestion | None:
    row = session.get(BankQuestion, question_id)
    if row is not None:
        row.status = status
    return row


def bank(session: Session) -> list[BankQuestion]:
    return list(session.scalars(select(BankQuestion).order_by(BankQuestion.topic, BankQuestion.id)))


def bank_due(settings: IngestSettings) -> bool:
    """A refresh failed since the last full one: the next one remakes everything."""
    return (settings.home / BANK_DUE_FILE).exists()


def refresh_generated(settings: IngestSettings, changed: Collection[str] | None = None,
                      before: Snapshot | None = None) -> SyncReport:
    """Regenerate from the current index and sync the bank: run after every ingest that
    changed something, so questions follow the content. With `changed` (the paths an
    ingest added, updated or removed) and `before` (those documents as the index held
    them before) only the questions those documents can touch are made again, so an
    upload costs the same in a large knowledge base as in a small one.

    One refresh at a time per HOME (two uploads at once would otherwise each sync from
    their own reading). A refresh that fails leaves a mark, and the next one remakes
    everything: the change it missed is published and will not be seen as a change again."""
    from bot.quiz.generate import generate_detailed, read_snapshot, scope_for
    from bot.quiz.llm_questions import retire_stale
    from ingest.db import session_factory
    from ingest.index import IndexReader

    due = settings.home / BANK_DUE_FILE
    with FileLock(str(settings.home / BANK_LOCK_FILE)):
        reader = IndexReader(settings)
        sessions = session_factory(settings.db_url)
        try:
            with reader.pinned():
                content = read_snapshot(reader)
                scope = None if changed is None or due.exists() else scope_for(content, changed, before)
                questions = [g.question for g in generate_detailed(reader, scope=scope, content=content)]
                paths = None if scope is None else scope.paths
                with sessions.begin() as session:
                    report = sync_generated(session, questions, paths)
                    report.retired += retire_stale(session, reader, paths)
        except Exception:
            due.touch()
            raise
        finally:
            reader.close()
        if paths is None:
            due.unlink(missing_ok=True)
        return report
