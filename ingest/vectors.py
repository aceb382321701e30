"""The vector-store seam: Chroma, embedded (a directory per index generation) or over
HTTP (a collection per generation on a Chroma server).

Embedded Chroma is not process-safe, so no directory is ever written by two clients:
the writer builds a new generation that no reader has opened, and readers only open
generations that have been published and will not change again.
"""

from __future__ import annotations

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
def _chroma_settings() -> ChromaSettings:
    """A fresh settings object per client: chromadb writes the client's API choice into
    the object it is given, so a shared one would turn the next embedded client into an
    HTTP one."""
    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


class VectorStoreError(Exception):
    pass


COLLECTION_FILE = "chroma_collection"


def _server_collection(settings: IngestSettings, generation_dir: Path) -> str:
    """The server-side collection of a generation, named once when the generation is
    staged and kept in the generation's folder, so it follows the folder's rename at
    publish time (a half-built generation never holds a published name). The home's
    hash keeps two knowledge bases on one server apart."""
    marker = generation_dir / COLLECTION_FILE
    if marker.exists():
        return marker.read_text(encoding="utf-8").strip()
    home = hashlib.sha1(str(Path(settings.home).resolve()).encode()).hexdigest()[:10]
    name = re.sub(r"[^A-Za-z0-9_-]", "-", f"guidebot-{home}-{generation_dir.name}")
    if generation_dir.is_dir():
        marker.write_text(name, encoding="utf-8")
    return name


class ChromaVectors:
    """Vectors of one index generation."""

    def __init__(self, settings: IngestSettings, generation_dir: Path) -> None:
        self._settings = settings
        self._client: Any
        try:
            if settings.chroma_mode == "http":
                self._client = chromadb.HttpClient(
                    host=settings.chroma_host, port=settings.chroma_port, settings=_chroma_settings()
                )
                name = _server_collection(settings, generation_dir)
            else:
                self._client = chromadb.PersistentClient(
                    path=str(generation_dir / "chroma"), settings=_chroma_settings()
                )
                name = COLLECTION
            self._collection = self._client.get_or_create_collection(
                name, metadata={"hnsw:space": "cosine"}
            )
        except Exception as exc:
            where = (
                f"Chroma server at {settings.chroma_host}:{settings.chroma_port}"
                if settings.chroma_mode == "http"
                else f"Chroma index in {generation_dir}"
            )
            raise VectorStoreError(f"cannot open {where}: {exc}") from None
        self._max_batch = max(1, min(self._client.get_max_batch_size(), 4000))

    def add(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict[str, Any]]) -> None:
        for start in range(0, len(ids), self._max_batch):
            end = start + self._max_batch
            self._collection.upsert(
                ids=ids[start:end], embeddings=vectors[start:end], metadatas=metadatas[start:end]
            )

    def delete(self, ids: list[str]) -> None:
        for start in range(0, len(ids), self._max_batch):
            self._collection.delete(ids=ids[start : start + self._max_batch])

    def copy_from(self, other: ChromaVectors) -> None:
        """Server mode: a new generation starts as a copy of the published one."""
        total = other._collection.count()
        for offset in range(0, total, self._max_batch):
            page = other._collection.get(
                include=["embeddings", "metadatas"], limit=self._max_batch, offset=offset
            )
            self.add(page["ids"], np.asarray(page["embeddings"]), list(page["metadatas"] or []))

    def query(
        self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        count = self._collection.count()
        if count == 0:
            return []
        result = self._collection.query(
            query_embeddings=[vector], n_results=min(k, count), include=["distances"],
            where=where,
        )
        ids = result["ids"][0]
        distances = (result["distances"] or [[]])[0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        page = self._collection.get(ids=ids, include=["embeddings"])
        return {
            i: np.asarray(v, dtype=np.float32)
            for i, v in zip(page["ids"], page["embeddings"], strict=True)  # type: ignore[arg-type]
        }

    def count(self) -> int:
        return int(self._collection.count())

    def drop(self) -> None:
        if self._settings.chroma_mode == "http":
            self._client.delete_collection(self._collection.name)

    def close(self) -> None:
        close = getattr(self._client, "close", None)
        if callable(close):
            try:
                close()
            except Exception:
                pass


def copy_generation_dir(source: Path, target: Path) -> None:
    shutil.copytree(source, target)
