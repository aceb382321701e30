"""Shared fixtures: one real embedder per session and one ingested knowledge base that
read-only tests share. Nothing here touches ../shared or eval/heldout."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

# The suite must not pick up a developer's own configuration (an LLM, another home...).
for _name in [n for n in os.environ if n.startswith("GUIDEBOT_")]:
    del os.environ[_name]

from bot.service import Services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from ingest.embedder import Embedder, make_embedder  # noqa: E402
from ingest.index import IndexReader  # noqa: E402
from ingest.lexical import ChunkRecord, DocumentRecord  # noqa: E402
from ingest.pipeline import IngestReport, ingest  # noqa: E402
from tests.builders import build_corpus  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


class CountingEmbedder:
    """The real embedder, with a tally of what it was asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self._inner = inner
        self.name = inner.name
        self.document_calls = 0
        self.documents_embedded = 0
        self.texts: list[str] = []

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        self.document_calls += 1
        self.documents_embedded += len(texts)
        self.texts.extend(texts)
        return self._inner.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self._inner.embed_query(text)


@pytest.fixture(scope="session")
def real_embedder() -> Embedder:
    return make_embedder(Settings.model_fields["embedding_model"].default)


@pytest.fixture
def counting_embedder(real_embedder: Embedder) -> CountingEmbedder:
    return CountingEmbedder(real_embedder)


@dataclass
class Corpus:
    root: Path
    settings: Settings
    report: IngestReport

    @property
    def home(self) -> Path:
        return self.settings.home


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory, real_embedder: Embedder) -> Corpus:
    """The shared knowledge base, ingested once as a content owner would: `knowledge/`
    and `sop/` given as two PATHs. Tests that use it must not change it."""
    root = build_corpus(tmp_path_factory.mktemp("content"))
    settings = Settings(home=tmp_path_factory.mktemp("home"))
    report = ingest(settings, [root / "knowledge", root / "sop"], embedder=real_embedder)
    return Corpus(root, settings, report)


@pytest.fixture(scope="session")
def services(corpus: Corpus) -> Services:
    return Services(corpus.settings)


def indexed_documents(settings: Settings) -> dict[str, tuple[DocumentRecord, list[ChunkRecord]]]:
    """What the published index holds, by path: the document record and its chunks."""
    reader = IndexReader(settings)
    try:
        return {
            record.path: (record, reader.document_chunks(key))
            for key, record in reader.documents().items()
        }
    finally:
        reader.close()


@pytest.fixture(scope="session")
def corpus_chunks(corpus: Corpus) -> dict[str, tuple[DocumentRecord, list[ChunkRecord]]]:
    return indexed_documents(corpus.settings)


def guidebot_command() -> list[str]:
    """The installed console script when there is one, else the module."""
    script = Path(sys.executable).with_name("guidebot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def run_guidebot(
    home: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*guidebot_command(), "--home", str(home), *args],
        cwd=REPO, env={**os.environ, **(env or {})}, capture_output=True, text=True,
        encoding="utf-8", timeout=timeout, check=False, input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
    )
