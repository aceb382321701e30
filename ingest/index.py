"""Index generations: how several processes share one index safely.

Layout under HOME/index:
    CURRENT            name of the published generation (replaced atomically)
    gen-000007/        lexical.sqlite3 (+ chroma/ in embedded mode); never written again
    gen-000008.tmp-PID being built by the one writer holding `write.lock`
    write.lock         held by whoever writes; others wait and say so

A writer copies the published generation, applies its changes to the copy and then
switches CURRENT. Readers (bot, dashboard, `ask`) only open published generations and
notice a switch on their next query. A writer killed half-way leaves a .tmp directory
that the next writer removes: the published index keeps answering throughout.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import json
import logging
import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from filelock import FileLock, Timeout

from ingest.lexical import INDEX_FORMAT, ChunkRecord, DocumentRecord, LexicalStore, QueryTerms
from ingest.normalize import dominant_language
from ingest.settings import IngestSettings
from ingest.vectors import COLLECTION_FILE, ChromaVectors, VectorStoreError, copy_generation_dir

log = logging.getLogger(__name__)
T = TypeVar("T")
_GENERATION = re.compile(r"^gen-(\d{6})$")
LEXICAL_FILE = "lexical.sqlite3"
VECTOR_BATCH = 2000  # vectors queued before they are written to Chroma


class IndexBusy(Exception):
    pass


class IndexMissing(Exception):
    pass


def fault_point(name: str) -> None:
    """Test hook: `GUIDEBOT_FAULT=name` kills the process here, as a power cut would."""
    if os.environ.get("GUIDEBOT_FAULT") == name:
        os._exit(137)


class IndexLayout:
    def __init__(self, settings: IngestSettings) -> None:
        self.root = settings.index_dir
        self.current_file = self.root / "CURRENT"
        self.lock_file = self.root / "write.lock"
        self.owner_file = self.root / "write.owner"

    def current(self) -> str | None:
        try:
            name = self.current_file.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name if _GENERATION.match(name) and (self.root / name).is_dir() else None

    def generations(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if _GENERATION.match(p.name))

    def next_name(self) -> str:
        numbers = [int(_GENERATION.match(g).group(1)) for g in self.generations()]  # type: ignore[union-attr]
        return f"gen-{max(numbers, default=0) + 1:06d}"

    def publish(self, name: str) -> None:
        tmp = self.current_file.with_suffix(f".tmp-{os.getpid()}")
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(name)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.current_file)
        _fsync_dir(self.root)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class IndexWriter:
    """The single writer. Nothing is copied until the first change, so a run over
    unchanged files costs a few stat() calls and hash reads."""

    def __init__(
        self, settings: IngestSettings, embedding_model: str, notify: Callable[[str], None] | None = None
    ) -> None:
        self._settings = settings
        self._layout = IndexLayout(settings)
        self._model = embedding_model
        self._notify = notify or (lambda message: print(message, file=sys.stderr))
        self._lock = FileLock(str(self._layout.lock_file))
        self._published: str | None = None
        self._staging: Path | None = None
        self._lexical: LexicalStore | None = None
        self._vectors: ChromaVectors | None = None
        self._reader_docs: dict[str, DocumentRecord] | None = None
        self._queued: list[tuple[list[str], np.ndarray, list[dict[str, Any]]]] = []
        self._queued_count = 0
        self.changed = False
        # documents of an index that must be rebuilt (other model or tokenisation)
        self.stale_documents: dict[str, DocumentRecord] = {}
        self.model_changed = False  # the published index has another model or format
        # the content owner's header mapping the published index was read with: when it
        # changes, FAB documents are read again though their files did not change
        self.mapping = json.dumps(settings.fab_columns, sort_keys=True, ensure_ascii=False)
        self.mapping_changed = False

    # -- lifecycle --------------------------------------------------------------
    def __enter__(self) -> IndexWriter:
        self._layout.root.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            owner = _read_owner(self._layout.owner_file)
            self._notify(
                f"Another process is updating the index ({owner}); waiting up to "
                f"{int(self._settings.lock_timeout_s)} s for it to finish…"
            )
            try:
                self._lock.acquire(timeout=self._settings.lock_timeout_s)
            except Timeout:
                raise IndexBusy(
                    f"the index is still being updated by another process ({owner}); try again later"
                ) from None
        self._layout.owner_file.write_text(
            f"pid {os.getpid()} since {time.strftime('%H:%M:%S')}", encoding="utf-8"
        )
        self._remove_leftovers()
        self._published = self._layout.current()
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            self._close_staging()
            if self._staging is not None and self._staging.exists():
                shutil.rmtree(self._staging, ignore_errors=True)
        finally:
            with contextlib.suppress(OSError):
                self._layout.owner_file.unlink()
            self._lock.release()

    def _remove_leftovers(self) -> None:
        for path in self._layout.root.glob("gen-*.tmp-*"):
            if self._settings.chroma_mode == "http" and (path / COLLECTION_FILE).exists():
                with contextlib.suppress(Exception):  # a killed writer's half-built collection
                    ChromaVectors(self._settings, path).drop()
            shutil.rmtree(path, ignore_errors=True)

    # -- reading the published state ------------------------------------------
    def documents(self) -> dict[str, DocumentRecord]:
        if self._lexical is not None:
            return self._lexical.documents()
        if self._reader_docs is None:
            self._reader_docs = {}
            if self._published:
                store = LexicalStore(self._layout.root / self._published / LEXICAL_FILE, readonly=True)
                try:
                    self._reader_docs = store.documents()
                    self.mapping_changed = (store.meta("fab_columns") or "{}") != self.mapping
                    if (store.meta("embedding_model"), store.meta("index_format")) != (
                        self._model, INDEX_FORMAT
                    ):
                        # model or tokenisation changed: everything is rebuilt
                        self.stale_documents = self._reader_docs
                        self._reader_docs = {}
                        self.model_changed = True
                finally:
                    store.close()
        return self._reader_docs

    # -- changes ---------------------------------------------------------------
    def _stage(self) -> tuple[LexicalStore, ChromaVectors]:
        if self._lexical is not None and self._vectors is not None:
            return self._lexical, self._vectors
        name = self._layout.next_name()
        staging = self._layout.root / f"{name}.tmp-{os.getpid()}"
        self._staging = staging
        previous = self._layout.root / self._published if self._published else None
        fresh = previous is None or self.model_changed
        if fresh:
            staging.mkdir(parents=True)
        elif self._settings.chroma_mode == "embedded":
            copy_generation_dir(previous, staging)  # type: ignore[arg-type]
        else:
            staging.mkdir(parents=True)
            shutil.copy2(previous / LEXICAL_FILE, staging / LEXICAL_FILE)  # type: ignore[operator]
        fault_point("after_copy")
        self._lexical = LexicalStore(staging / LEXICAL_FILE)
        self._vectors = ChromaVectors(self._settings, staging)
        if not fresh and self._settings.chroma_mode == "http":
            old = ChromaVectors(self._settings, previous)  # type: ignore[arg-type]
            try:
                self._vectors.copy_from(old)
            finally:
                old.close()
        self._lexical.set_meta("embedding_model", self._model)
        self._lexical.set_meta("index_format", INDEX_FORMAT)
        self._lexical.set_meta("fab_columns", self.mapping)
        return self._lexical, self._vectors

    def replace_document(
        self, record: DocumentRecord, chunks: list[ChunkRecord], vectors: np.ndarray | None
    ) -> None:
        """Swap a document's chunks: unchanged passages keep their ids and vectors,
        so only new text needs embedding (`vectors` rows match `new_chunks`)."""
        lexical, store = self._stage()
        old_ids = set(lexical.chunk_ids(record.doc_key))
        new_ids = {c.id for c in chunks}
        stale = sorted(old_ids - new_ids)
        lexical.delete_chunks(stale)
        if stale:
            self._flush_vectors()
            store.delete(stale)
        fresh = [c for c in chunks if c.id not in old_ids]
        if fresh:
            assert vectors is not None and len(vectors) == len(fresh)
            self._queue_vectors(
                [c.id for c in fresh],
                vectors,
                [
                    {"doc_key": c.doc_key, "doc_type": record.doc_type,
                     "lang": dominant_language(c.text)}
                    for c in fresh
                ],
            )
        lexical.upsert_chunks(record.title, chunks)
        lexical.put_document(record)
        self.changed = True
        fault_point("after_document")

    def _queue_vectors(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict[str, Any]]) -> None:
        """Vectors go to Chroma in large batches: one upsert per document costs ~30 ms
        of fixed overhead, which dominated ingest time at 10k+ documents."""
        self._queued.append((ids, vectors, metadatas))
        self._queued_count += len(ids)
        if self._queued_count >= VECTOR_BATCH:
            self._flush_vectors()

    def _flush_vectors(self) -> None:
        if not self._queued:
            return
        assert self._vectors is not None
        self._vectors.add(
            [i for ids, _, _ in self._queued for i in ids],
            np.vstack([v for _, v, _ in self._queued]),
            [m for _, _, metas in self._queued for m in metas],
        )
        self._queued.clear()
        self._queued_count = 0

    def known_chunk_ids(self, doc_key: str) -> set[str]:
        if self._lexical is not None:
            return set(self._lexical.chunk_ids(doc_key))
        self.documents()  # learn whether the published index is being rebuilt
        if not self._published or self.model_changed:
            return set()
        store = LexicalStore(self._layout.root / self._published / LEXICAL_FILE, readonly=True)
        try:
            return set(store.chunk_ids(doc_key))
        finally:
            store.close()

    def missing_words(self, candidates: list[str]) -> list[str]:
        """Words of new passages that have no vector yet (vectors are kept per word so
        the bot can tell whether a passage speaks about what the question asks)."""
        return self._stage()[0].missing_words(candidates)

    def add_word_vectors(self, word_list: list[str], vectors: np.ndarray) -> None:
        self._stage()[0].add_word_vectors(word_list, vectors)

    def remove_document(self, doc_key: str) -> None:
        lexical, store = self._stage()
        self._flush_vectors()
        store.delete(lexical.delete_document(doc_key))
        self.changed = True

    def publish(self) -> str | None:
        """Make the staged generation the one everybody reads. Returns its name."""
        if not self.changed or self._staging is None:
            return None
        assert self._lexical is not None
        self._flush_vectors()
        self._lexical.commit()
        self._close_staging()
        fault_point("before_publish")
        name = self._staging.name.split(".tmp-")[0]
        final = self._layout.root / name
        os.replace(self._staging, final)
        self._staging = None
        self._layout.publish(name)
        fault_point("after_publish")
        self._prune(keep=name)
        return name

    def _close_staging(self) -> None:
        self._queued.clear()  # unpublished: nothing to write
        self._queued_count = 0
        if self._lexical is not None:
            self._lexical.close()
            self._lexical = None
        if self._vectors is not None:
            self._vectors.close()
            self._vectors = None

    def _prune(self, keep: str) -> None:
        """Old generations go, but the last few stay for readers still switching over."""
        old = [g for g in self._layout.generations() if g != keep]
        for name in old[: max(0, len(old) - (self._settings.keep_generations - 1))]:
            if self._settings.chroma_mode == "http":
                with contextlib.suppress(Exception):
                    ChromaVectors(self._settings, self._layout.root / name).drop()
            shutil.rmtree(self._layout.root / name, ignore_errors=True)


def _read_owner(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip() or "unknown process"
    except OSError:
        return "unknown process"


@dataclasses.dataclass
class _Failed:
    error: Exception


class Generation:
    """One published generation as readers see it. Opened once per process and shared
    by every question that started while it was current; closed when a newer one has
    replaced it and the last of those questions is done, so a reader never has a store
    closed under it (closing mid-query crashed Chroma and SQLite)."""

    def __init__(self, settings: IngestSettings, directory: Path) -> None:
        self.name = directory.name
        self._settings = settings
        self._directory = directory
        self.lexical = LexicalStore(directory / LEXICAL_FILE, readonly=True)
        if self.lexical.meta("index_format") != INDEX_FORMAT:
            log.warning("the index in %s was built by another guidebot version; "
                        "run `guidebot ingest PATH` to rebuild it", directory)
        self._vectors_lock = threading.Lock()
        self._vectors: ChromaVectors | None = None
        self._dropped: list[ChromaVectors] = []  # failed clients, closed with the generation
        self.users = 0
        self.retired = False

    def vectors(self) -> ChromaVectors:
        """The generation's vectors, opened on first use (VectorStoreError while the
        vector store cannot be reached; the next call tries again)."""
        with self._vectors_lock:
            if self._vectors is None:
                self._vectors = ChromaVectors(self._settings, self._directory, create=False)
            return self._vectors

    def drop_vectors(self, vectors: ChromaVectors) -> None:
        """A client whose server went away: the next call opens a new one. The old one
        may still be in use by another question, so it is closed with the generation."""
        with self._vectors_lock:
            if self._vectors is vectors:
                self._vectors = None
                self._dropped.append(vectors)

    def close_dropped(self) -> None:
        """Failed clients nobody uses any more (called when no question holds this)."""
        with self._vectors_lock:
            dropped, self._dropped = self._dropped, []
        for vectors in dropped:
            vectors.close()

    def close(self) -> None:
        self.lexical.close()
        with self._vectors_lock:
            for vectors in [*self._dropped, *([self._vectors] if self._vectors else [])]:
                vectors.close()
            self._vectors, self._dropped = None, []


class IndexReader:
    """Read side, shared by everything that answers; thread-safe. Each read uses the
    generation published when it started; `pinned()` makes every read of one question
    use the same generation, even when a newer one is published half-way."""

    def __init__(self, settings: IngestSettings) -> None:
        self._settings = settings
        self._layout = IndexLayout(settings)
        self._lock = threading.Lock()
        self._current: Generation | None = None
        self._pinned: contextvars.ContextVar[Generation | None] = contextvars.ContextVar(
            f"pinned-generation-{id(self)}", default=None)
        self.degraded = False  # True while the vector store cannot be reached
        self._warned_at = 0.0
        self._outage_since: float | None = None  # when vector calls started failing

    def _acquire(self) -> Generation:
        with self._lock:
            name = self._layout.current()
            if name is None:
                raise IndexMissing(f"no index in {self._layout.root}: run `guidebot ingest PATH` first")
            if self._current is None or self._current.name != name:
                fresh = Generation(self._settings, self._layout.root / name)
                if self._current is not None:
                    self._retire(self._current)
                self._current = fresh
            self._current.users += 1
            return self._current

    def _release(self, generation: Generation) -> None:
        with self._lock:
            generation.users -= 1
            if generation.users == 0 and generation.retired:
                generation.close()
            elif generation.users == 0:
                generation.close_dropped()

    def _retire(self, generation: Generation) -> None:
        """Called under the lock."""
        generation.retired = True
        if generation.users == 0:
            generation.close()

    @contextlib.contextmanager
    def pinned(self) -> Iterator[None]:
        """Every read inside uses one generation (nested pins share the outer one)."""
        if self._pinned.get() is not None:
            yield
            return
        generation = self._acquire()
        token = self._pinned.set(generation)
        try:
            yield
        finally:
            self._pinned.reset(token)
            self._release(generation)

    @contextlib.contextmanager
    def _use(self) -> Iterator[Generation]:
        pinned = self._pinned.get()
        if pinned is not None:
            yield pinned
            return
        generation = self._acquire()
        try:
            yield generation
        finally:
            self._release(generation)

    def _read(self, call: Callable[[LexicalStore], T]) -> T:
        with self._use() as generation:
            return call(generation.lexical)

    def _vector_failure(self, exc: Exception) -> None:
        now = time.monotonic()
        if not self.degraded or now - self._warned_at > 60:
            log.warning("vector store unavailable, answering from the lexical index only: %s",
                        str(exc)[:200])
            self._warned_at = now
        self.degraded = True

    def _vector_call(self, call: Callable[[ChromaVectors], T], empty: T) -> T:
        """The call's result. A vector store that stops answering (a Chroma server
        restarting) is tried again, with backoff, until `vector_retry_s` have passed
        since it first failed; after that, `empty` at once: answers then come from the
        lexical index alone, and each call tries the store once more."""
        delay = 0.1
        while True:
            failure = self._try_vectors(call)
            if not isinstance(failure, _Failed):
                if self.degraded or self._outage_since is not None:
                    if self.degraded:
                        log.warning("vector store is back")
                    self.degraded, self._outage_since = False, None
                return failure
            now = time.monotonic()
            since = self._outage_since = self._outage_since or now
            # only a server can come back; an embedded store that fails stays failed
            window = self._settings.vector_retry_s if self._settings.chroma_mode == "http" else 0.0
            if self.degraded or now - since >= window:
                self._vector_failure(failure.error)
                return empty
            time.sleep(min(delay, max(0.0, since + window - now)))
            delay = min(delay * 2, 2.0)

    def _try_vectors(self, call: Callable[[ChromaVectors], T]) -> T | _Failed:
        with self._use() as generation:
            try:
                vectors = generation.vectors()
            except VectorStoreError as exc:
                return _Failed(exc)
            try:
                return call(vectors)
            except Exception as exc:  # the server went away mid-query
                generation.drop_vectors(vectors)
                return _Failed(exc)

    @property
    def generation(self) -> str | None:
        with self._use() as generation:
            return generation.name

    @property
    def embedding_model(self) -> str | None:
        return self._read(lambda lexical: lexical.meta("embedding_model"))

    def dense(self, vector: np.ndarray, k: int) -> dict[str, list[tuple[str, float]]]:
        """The k nearest passages of each language ({} while vectors are unreachable)."""
        return self._vector_call(lambda v: v.query(vector, k), {})

    def lexical(
        self, terms: QueryTerms, k: int, weights: tuple[float, float, float]
    ) -> list[tuple[str, float]]:
        return self._read(lambda lexical: lexical.search(terms, k, weights))

    def chunks(self, ids: list[str]) -> dict[str, tuple[ChunkRecord, DocumentRecord]]:
        return self._read(lambda lexical: lexical.chunks(ids))

    def document_frequencies(self, terms: QueryTerms) -> tuple[dict[str, int], int]:
        return self._read(lambda lexical: (
            lexical.document_frequencies(terms.words, terms.bigrams), lexical.chunk_count()))

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        return self._vector_call(lambda v: v.vectors(ids), {})

    def word_vectors(self, word_list: list[str]) -> dict[str, np.ndarray]:
        return self._read(lambda lexical: lexical.word_vectors(word_list))

    def vocabulary(self, chinese: bool) -> tuple[list[str], np.ndarray]:
        return self._read(lambda lexical: lexical.vocabulary(chinese))

    def words_sounding(self, sounds: list[str]) -> dict[str, list[str]]:
        return self._read(lambda lexical: lexical.words_sounding(sounds))

    def documents(self) -> dict[str, DocumentRecord]:
        return self._read(lambda lexical: lexical.documents())

    def document_chunks(self, doc_key: str) -> list[ChunkRecord]:
        return self._read(lambda lexical: lexical.document_chunks(doc_key))

    def chunk_count(self) -> int:
        return self._read(lambda lexical: lexical.chunk_count())

    def product_chunks(self) -> list[tuple[ChunkRecord, DocumentRecord]]:
        return self._read(lambda lexical: lexical.product_chunks())

    def close(self) -> None:
        """Done with the index (end of a process or test): the current generation is
        closed as soon as no question uses it."""
        with self._lock:
            if self._current is not None:
                self._retire(self._current)
            self._current = None
