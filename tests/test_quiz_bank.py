"""The question bank follows a content change by remaking only what the change can
touch: an upload costs the same in a large knowledge base as in a small one, and the
bank ends as a full regeneration would leave the changed document's questions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.content import ingest_content
from bot.quiz import generate
from bot.quiz.bank import bank
from bot.quiz.generate import generate_questions
from bot.settings import Settings
from ingest.db import session_factory
from ingest.index import IndexReader
from tests.test_quiz_generate import SOP_ZH, write_knowledge


def _active(settings: Settings) -> dict[str, tuple[str | None, Any]]:
    with session_factory(settings.db_url)() as db:
        return {q.id: (q.source_path, q.created_at) for q in bank(db) if q.status == "active"}


def test_a_changed_document_remakes_only_its_own_questions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = write_knowledge(tmp_path / "content")
    settings = Settings(home=tmp_path / "home")
    _, first = ingest_content(settings, [content])
    assert first is not None and first.added > 20
    before = _active(settings)
    made: list[str] = []
    finish = generate._finish

    def spy(**kwargs: Any) -> Any:
        made.append(kwargs["doc"].path)
        return finish(**kwargs)

    monkeypatch.setattr(generate, "_finish", spy)
    changed = "sop/收银差错.md"
    (content / changed).write_text(SOP_ZH.replace("30分钟内", "15分钟内"), encoding="utf-8")
    report, questions = ingest_content(settings, [content])
    assert report.counts()["updated"] == 1 and questions is not None
    assert made and set(made) == {changed}, "no other document's questions were made again"
    after = _active(settings)
    untouched = {i: v for i, v in before.items() if v[0] != changed}
    assert {i: v for i, v in after.items() if v[0] != changed} == untouched, "kept as they were"
    monkeypatch.setattr(generate, "_finish", finish)
    reader = IndexReader(settings)
    try:
        full = {q.id for q in generate_questions(reader) if q.source_path == changed}
    finally:
        reader.close()
    assert {i for i, v in after.items() if v[0] == changed} == full, "as a full regeneration makes them"
    assert questions.retired >= 1 and questions.added >= 1
    assert questions.kept + questions.added == len(full)


def test_a_deleted_document_retires_its_questions_and_no_others(tmp_path: Path) -> None:
    content = write_knowledge(tmp_path / "content")
    settings = Settings(home=tmp_path / "home")
    ingest_content(settings, [content])
    before = _active(settings)
    gone = "courses/陈列基础.md"
    assert any(path == gone for path, _ in before.values())
    (content / gone).unlink()
    _, questions = ingest_content(settings, [content])
    after = _active(settings)
    assert questions is not None and questions.retired == sum(1 for p, _ in before.values() if p == gone)
    assert after == {i: v for i, v in before.items() if v[0] != gone}
