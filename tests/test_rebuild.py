"""Changing the embedding model (or the index format) rebuilds every document, including
those ingested earlier from other folders, so none silently stops answering."""

from __future__ import annotations

from pathlib import Path

from bot.service import Services
from bot.settings import Settings
from ingest.pipeline import ingest


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_new_embedding_model_rebuilds_documents_from_every_folder(tmp_path: Path) -> None:
    sop = _write(tmp_path / "sop" / "opening.md", "# Store opening\n\n1. Unlock the door at 9:30.\n2. Count the cash float of 500 yuan.\n").parent
    courses = _write(tmp_path / "courses" / "fab.md", "# FAB selling\n\nFeatures, advantages and benefits: lead with the benefit the customer cares about.\n").parent
    home = tmp_path / "home"
    ingest(Settings(home=home), [sop])
    ingest(Settings(home=home), [courses])

    switched = Settings(home=home, embedding_model="all-MiniLM-L6-v2")
    report = ingest(switched, [sop])

    assert {o.path: o.status for o in report.outcomes} == {"opening.md": "updated", "fab.md": "updated"}
    assert {o.version for o in report.outcomes} == {1}, "same content keeps its version"
    answerer = Services(switched).answerer
    assert answerer.retriever.embedder.name == "all-MiniLM-L6-v2"
    for question, path in (("How much is the cash float at opening?", "opening.md"),
                           ("What does FAB selling lead with?", "fab.md")):
        answer = answerer.answer(question)
        assert answer.passages[0].document.path == path, answer.text
