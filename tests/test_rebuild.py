"""Changing the embedding model (or the index format) rebuilds every document, including
those ingested earlier from other folders, so none silently stops answering."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import chromadb
from chromadb.config import Settings as ChromaSettings

from bot.service import Services
from bot.settings import Settings
from ingest.index import LEXICAL_FILE, IndexLayout
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


def test_index_of_an_older_version_keeps_answering_until_ingest_rebuilds_it(tmp_path: Path) -> None:
    """An index from before the per-language collections (one `chunks` collection, index
    format 6): readers answer from its lexical index without writing to it, and the next
    `ingest` rebuilds it so dense search is back."""
    sop = _write(tmp_path / "sop" / "opening.md", "# Store opening\n\n1. Unlock the door at 9:30.\n2. Count the cash float of 500 yuan.\n").parent
    settings = Settings(home=tmp_path / "home")
    ingest(settings, [sop])
    layout = IndexLayout(settings)
    generation = layout.root / str(layout.current())
    client = chromadb.PersistentClient(  # the settings guidebot opens it with
        path=str(generation / "chroma"), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    )
    for collection in client.list_collections():
        client.delete_collection(collection.name)
    client.create_collection("chunks")
    with sqlite3.connect(generation / LEXICAL_FILE) as db:
        db.execute("UPDATE meta SET value = '6' WHERE key = 'index_format'")

    answerer = Services(settings).answerer
    answer = answerer.answer("How much is the cash float at opening?")
    assert answer.passages[0].document.path == "opening.md"
    assert answerer.retriever.reader.degraded, "no vectors to read: lexical answers only"
    assert [c.name for c in client.list_collections()] == ["chunks"], "the reader wrote nothing"

    report = ingest(settings, [sop])
    assert [o.status for o in report.outcomes] == ["updated"]
    answer = answerer.answer("How much is the cash float at opening?")
    assert answer.found and not answerer.retriever.reader.degraded
