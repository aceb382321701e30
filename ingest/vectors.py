"""The vector-store seam: Chroma, embedded (a directory per index generation) or over
HTTP (collections per generation on a Chroma server).

Each generation keeps one collection per passage language. Staff ask in Chinese about
English sheets and the other way round, so every question also needs the best passages
of the other language; a metadata filter (`where={"lang": ...}`) does that, but embedded
Chroma evaluates it by scanning, which cost 90–360 ms per question at 100k passages. Two
plain nearest-neighbour searches, one per collection, cost ~10 ms each.

Embedded Chroma is not process-safe, so no directory is ever written by two clients:
the writer builds a new generation that no reader has opened, and readers only open
generations that have been published and will not change again.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import shutil
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from ingest.settings import IngestSettings

logging.getLogger("chromadb").setLevel(logging.ERROR)

COLLECTION = "chunks"
LANGUAGES = ("zh", "en")


def _chroma_settings() -> ChromaSettings:
    """A fresh settings object per client: chromadb writes the client's API choice into
    the object it is given, so a shared one would turn the next embedded client into an
    HTTP one."""
    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


class VectorStoreError(Exception):
    pass


COLLECTION_FILE = "chroma_collection"


def _server_collection(settings: IngestSettings, generation_dir: Path, create: bool) -> str:
    """The server-side collection of a generation, named once when the generation is
    staged and kept in the generation's folder, so it follows the folder's rename at
    publish time (a half-built generation never holds a published name). The home's
    hash keeps two knowledge bases on one server apart."""
    marker = generation_dir / COLLECTION_FILE
    if marker.exists():
        return marker.read_text(encoding="utf-8").strip()
    home = hashlib.sha1(str(Path(settings.home).resolve()).encode()).hexdigest()[:10]
    name = re.sub(r"[^A-Za-z0-9_-]", "-", f"guidebot-{home}-{generation_dir.name}")
    if create and generation_dir.is_dir():  # readers never write into a generation
        marker.write_text(name, encoding="utf-8")
    return name


class ChromaVectors:
    """Vectors of one index generation, a collection per language (LANGUAGES)."""

    def __init__(self, settings: IngestSettings, generation_dir: Path, create: bool = True) -> None:
        """`create=False` for readers: a published generation is never written, and one
        built by an older guidebot (other collections) fails here instead of gaining
        empty collections."""
        self._settings = settings
        self._client: Any
        try:
            if settings.chroma_mode == "http":
                self._client = chromadb.HttpClient(
                    host=settings.chroma_host, port=settings.chroma_port, settings=_chroma_settings()
                )
                base = _server_collection(settings, generation_dir, create)
            else:
                self._client = chromadb.PersistentClient(
                    path=str(generation_dir / "chroma"), settings=_chroma_settings()
                )
                base = COLLECTION
            self._base = base
            self._collections = {
                language: (
                    self._client.get_or_create_collection(f"{base}-{language}", metadata={"hnsw:space": "cosine"})
                    if create else self._client.get_collection(f"{base}-{language}")
                )
                for language in LANGUAGES
            }
        except Exception as exc:
            where = (
                f"Chroma server at {settings.chroma_host}:{settings.chroma_port}"
                if settings.chroma_mode == "http"
                else f"Chroma index in {generation_dir}"
            )
            raise VectorStoreError(f"cannot open {where}: {exc}") from None
        self._max_batch = max(1, min(self._client.get_max_batch_size(), 4000))
        self._counts: dict[str, int] | None = None  # a published generation never changes

    def add(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict[str, Any]]) -> None:
        """Each passage goes to the collection of its metadata's `lang`."""
        for language, collection in self._collections.items():
            rows = [i for i, meta in enumerate(metadatas) if _language(meta) == language]
            for start in range(0, len(rows), self._max_batch):
                batch = rows[start : start + self._max_batch]
                collection.upsert(
                    ids=[ids[i] for i in batch], embeddings=vectors[batch],
                    metadatas=[metadatas[i] for i in batch],
                )
        self._counts = None

    def delete(self, ids: list[str]) -> None:
        for collection in self._collections.values():
            for start in range(0, len(ids), self._max_batch):
                collection.delete(ids=ids[start : start + self._max_batch])
        self._counts = None

    def copy_from(self, other: ChromaVectors) -> None:
        """Server mode: a new generation starts as a copy of the published one."""
        for collection in other._collections.values():
            total = collection.count()
            for offset in range(0, total, self._max_batch):
                page = collection.get(
                    include=["embeddings", "metadatas"], limit=self._max_batch, offset=offset
                )
                self.add(page["ids"], np.asarray(page["embeddings"]), list(page["metadatas"] or []))

    def query(self, vector: np.ndarray, k: int) -> dict[str, list[tuple[str, float]]]:
        """The k nearest passages of each language, best first, as (id, cosine)."""
        counts = self._count_by_language()
        out: dict[str, list[tuple[str, float]]] = {}
        for language, collection in self._collections.items():
            if counts[language] == 0:
                out[language] = []
                continue
            result = collection.query(
                query_embeddings=[vector], n_results=min(k, counts[language]), include=["distances"]
            )
            distances = (result["distances"] or [[]])[0]
            out[language] = [(i, 1.0 - float(d)) for i, d in zip(result["ids"][0], distances, strict=True)]
        return out

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for collection in self._collections.values():
            wanted = [i for i in ids if i not in out]
            if not wanted:
                break
            page = collection.get(ids=wanted, include=["embeddings"])
            for i, v in zip(page["ids"], page["embeddings"], strict=True):  # type: ignore[arg-type]
                out[i] = np.asarray(v, dtype=np.float32)
        return out

    def count(self) -> int:
        return sum(self._count_by_language().values())

    def _count_by_language(self) -> dict[str, int]:
        if self._counts is None:
            self._counts = {language: int(c.count()) for language, c in self._collections.items()}
        return self._counts

    def drop(self) -> None:
        if self._settings.chroma_mode == "http":
            for collection in self._collections.values():
                self._client.delete_collection(collection.name)
            with contextlib.suppress(Exception):  # the one collection of an older guidebot
                self._client.delete_collection(self._base)

    def close(self) -> None:
        close = getattr(self._client, "close", None)
        if callable(close):
            try:
                close()
            except Exception:
                pass


def _language(metadata: dict[str, Any]) -> str:
    language = metadata.get("lang")
    return language if language in LANGUAGES else LANGUAGES[0]


def copy_generation_dir(source: Path, target: Path) -> None:
    shutil.copytree(source, target)
