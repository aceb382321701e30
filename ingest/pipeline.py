"""An ingest run: scan → compare hashes → load → normalise → chunk → embed → index.

Every file is handled on its own: a bad file is reported and skipped and never takes
another file's content with it; a file that turns bad keeps its last good version
answering until it is fixed.
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from ingest.chunkers import ChunkLimits, chunk_document
from ingest.chunkers import fab as fab_chunker
from ingest.doctype import SPREADSHEET_SUFFIXES, detect
from ingest.document import Chunk, LoadError
from ingest.embedder import Embedder, make_embedder
from ingest.index import IndexWriter
from ingest.lexical import ChunkRecord, DocumentRecord
from ingest.loaders import loader_for
from ingest.loaders.isolated import shared_loader
from ingest.normalize import clean_display, passage_words
from ingest.registry import Registry, utcnow
from ingest.report import FileOutcome, IngestReport, Status
from ingest.settings import IngestSettings

IGNORED_NAMES = frozenset({"thumbs.db", ".ds_store", "desktop.ini"})


@dataclass
class SourceFile:
    root: Path
    path: Path

    @property
    def rel(self) -> str:
        return self.path.relative_to(self.root).as_posix()

    @property
    def doc_key(self) -> str:
        return f"{self.root.as_posix()}::{self.rel}"


@dataclass
class PreparedDocument:
    record: DocumentRecord
    chunks: list[ChunkRecord]
    embed_texts: list[str]


def scan(paths: list[Path]) -> tuple[list[SourceFile], list[Path], list[str]]:
    """Files under each PATH, the directory roots (whose missing files count as
    deleted), and PATHs that do not exist."""
    files: list[SourceFile] = []
    roots: list[Path] = []
    missing: list[str] = []
    for given in paths:
        path = given.expanduser().resolve()
        if path.is_dir():
            roots.append(path)
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if name.startswith((".", "~$")) or name.lower() in IGNORED_NAMES:
                        continue
                    files.append(SourceFile(path, Path(dirpath) / name))
        elif path.is_file():
            files.append(SourceFile(path.parent, path))
        else:
            missing.append(str(given))
    return files, roots, missing


def chunk_id(doc_key: str, text: str, occurrence: int) -> str:
    return hashlib.sha1(f"{doc_key}\0{text}\0{occurrence}".encode()).hexdigest()[:24]


def embedding_text(title: str, section: str | None, text: str) -> str:
    return "\n".join(p for p in (title, section, text) if p)


class IngestRun:
    def __init__(
        self, settings: IngestSettings, *, embedder: Embedder | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self._embedder = embedder
        self._notify = notify
        self.limits = ChunkLimits(
            settings.chunk_chars, settings.chunk_overlap_chars, settings.sop_section_max_chars
        )
        self.headers = fab_chunker.HeaderMeaning(lambda: self.embedder, settings.fab_columns)
        self.registry = Registry(settings.db_url, settings.home / "blobs")
        # Registry rows are written only once the index generation is published, so a
        # run killed before that leaves no trace of versions that never answered.
        self._pending: list[Callable[[], None]] = []

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = make_embedder(self.settings.embedding_model,
                                           self.settings.embedding_batch_size)
        return self._embedder

    def run(self, paths: list[Path]) -> IngestReport:
        started, clock = utcnow(), time.perf_counter()
        report = IngestReport()
        files, roots, missing = scan(paths)
        report.outcomes.extend(FileOutcome(m, "failed", reason="path not found") for m in missing)
        self.settings.home.mkdir(parents=True, exist_ok=True)
        with IndexWriter(self.settings, self.settings.embedding_model, self._notify) as writer:
            indexed = writer.documents()
            files = files + self._rebuild_sources(writer, files)
            seen: set[str] = set()
            for source in files:
                seen.add(source.doc_key)
                outcome = self._ingest_file(source, indexed, writer, report)
                report.outcomes.append(outcome)
            for doc_key, record in sorted(indexed.items()):
                if doc_key in seen or not any(record.root == r.as_posix() for r in roots):
                    continue
                writer.remove_document(doc_key)
                self._pending.append(functools.partial(self.registry.record_removed, doc_key))
                report.outcomes.append(FileOutcome(record.path, "removed", record.doc_type))
            report.generation = writer.publish()
        for write in self._pending:
            write()
        self._pending.clear()
        report.seconds = time.perf_counter() - clock
        self.registry.record_run(started, report.generation, report.render().splitlines()[-1])
        return report

    def _rebuild_sources(self, writer: IndexWriter, files: list[SourceFile]) -> list[SourceFile]:
        """When the index is rebuilt (new embedding model or tokenisation), documents
        ingested earlier from other paths are rebuilt too, so none silently vanish."""
        if not writer.stale_documents:
            return []
        if self._notify:
            self._notify("The index format or embedding model changed: rebuilding every document.")
        planned = {f.doc_key for f in files}
        extra = []
        for record in writer.stale_documents.values():
            source = SourceFile(Path(record.root), Path(record.root) / record.path)
            if source.doc_key not in planned and source.path.is_file():
                extra.append(source)
        return extra

    def _ingest_file(
        self, source: SourceFile, indexed: dict[str, DocumentRecord], writer: IndexWriter,
        report: IngestReport,
    ) -> FileOutcome:
        rel = source.rel
        previous = indexed.get(source.doc_key)
        loader = loader_for(source.path)
        if loader is None:
            return FileOutcome(rel, "skipped", reason=f"unsupported file type '{source.path.suffix or source.path.name}'")
        try:
            size = source.path.stat().st_size
            limit = int(self.settings.max_file_mb * 1024 * 1024)
            if size > limit:
                raise LoadError(
                    f"file is {size / 1048576:.1f} MB, over the {self.settings.max_file_mb:g} MB limit (max_file_mb)"
                )
            data = source.path.read_bytes()
        except OSError as exc:
            return self._failed(source, previous, f"cannot read the file ({exc.strerror})")
        except LoadError as exc:
            return self._failed(source, previous, str(exc))
        digest = hashlib.sha256(data).hexdigest()
        remapped = previous is not None and previous.doc_type == "fab" and writer.mapping_changed
        if previous is not None and previous.hash == digest and not remapped:
            return FileOutcome(rel, "unchanged", previous.doc_type, previous.chunk_count, previous.version)
        try:
            prepared = self._prepare(source, digest, size)
        except LoadError as exc:
            return self._failed(source, previous, str(exc))
        except Exception as exc:  # a parser bug on a hostile file must not stop the run
            if os.environ.get("GUIDEBOT_DEBUG"):
                raise
            return self._failed(source, previous, f"could not read the file ({exc.__class__.__name__})")
        rebuilt = writer.stale_documents.get(source.doc_key)
        if rebuilt is not None and rebuilt.hash == digest:
            prepared.record.version = rebuilt.version  # same content, new vectors/tokens
        known = writer.known_chunk_ids(source.doc_key)
        fresh = [(c, t) for c, t in zip(prepared.chunks, prepared.embed_texts, strict=True) if c.id not in known]
        vectors = self.embedder.embed_documents([t for _, t in fresh]) if fresh else None
        report.embedded_chunks += len(fresh)
        writer.replace_document(prepared.record, prepared.chunks, vectors)
        self._add_word_vectors(writer, [c for c, _ in fresh], prepared.record.title)
        blob = self.registry.keep_blob(digest, data)
        record = prepared.record
        self._pending.append(lambda: self.registry.record_active(
            doc_key=record.doc_key, root=record.root, path=record.path, doc_type=record.doc_type,
            title=record.title, digest=digest, version=record.version, size=size,
            chunk_count=record.chunk_count, blob=blob, when=utcnow(),
        ))
        status: Status = "updated" if previous is not None or rebuilt is not None else "added"
        reason = "rebuilt for a new embedding model or index format" if rebuilt is not None and previous is None else None
        if remapped and previous is not None and previous.hash == digest:
            reason = "read again with the new fab_columns mapping"
        return FileOutcome(rel, status, record.doc_type, record.chunk_count, record.version, reason,
                           fields=record_fields(prepared.chunks))

    def _add_word_vectors(self, writer: IndexWriter, chunks: list[ChunkRecord], title: str) -> None:
        candidates = [
            w for c in chunks for w in passage_words(f"{title}\n{c.section or ''}\n{c.text}")
        ]
        missing = writer.missing_words(candidates) if candidates else []
        if missing:
            writer.add_word_vectors(missing, self.embedder.embed_documents(missing))

    def _failed(self, source: SourceFile, previous: DocumentRecord | None, reason: str) -> FileOutcome:
        if previous is not None:
            reason += f"; version {previous.version} is still answering"
        self._pending.append(lambda: self.registry.record_failure(
            doc_key=source.doc_key, root=source.root.as_posix(), path=source.rel, error=reason))
        return FileOutcome(source.rel, "failed", reason=reason)

    def _prepare(self, source: SourceFile, digest: str, size: int) -> PreparedDocument:
        # in a child process: a file that hangs or floods a parser fails on its own
        document = shared_loader(self.settings.load_timeout_s, self.settings.load_memory_mb).load(source.path)
        title = clean_display(document.title or "") or source.path.stem
        doc_type, page = detect(source.path.relative_to(source.root.parent), document, self.headers, title)
        if source.path.suffix.lower() in SPREADSHEET_SUFFIXES:
            chunks: list[Chunk] = fab_chunker.chunk(document, title, self.limits, self.headers)
        else:
            chunks = chunk_document(document, doc_type, title, self.limits, self.headers, page)
        chunks = [c for c in chunks if c.text.strip()]
        if not chunks:
            raise LoadError("no usable text found in the file")
        version = self.registry.last_version(source.doc_key) + 1
        records: list[ChunkRecord] = []
        texts: list[str] = []
        occurrences: dict[str, int] = {}
        for order, chunk in enumerate(chunks):
            text = clean_display(chunk.text)
            occurrences[text] = occurrences.get(text, 0) + 1
            cid = chunk_id(source.doc_key, text, occurrences[text])
            section = clean_display(chunk.section) if chunk.section else None
            parts = [replace(part, text=clean_display(part.text),
                             value=clean_display(part.value) if part.value else part.value) for part in chunk.parts]
            records.append(ChunkRecord(cid, source.doc_key, order, section, text, chunk.metadata, parts))
            texts.append(embedding_text(title, section, text))
        record = DocumentRecord(
            doc_key=source.doc_key, root=source.root.as_posix(), path=source.rel,
            doc_type=doc_type, title=title, hash=digest, version=version,
            chunk_count=len(records), size=size, ingested_at=utcnow().isoformat(timespec="seconds"),
        )
        return PreparedDocument(record, records, texts)


def record_fields(chunks: list[ChunkRecord]) -> list[tuple[str, str | None]]:
    """How the file's product records were read: each column or heading as the author
    wrote it, with the field it became (None: kept as a field of its own)."""
    seen: dict[str, str | None] = {}
    for chunk in chunks:
        if "product" not in chunk.metadata:
            continue
        for part in chunk.parts:
            if part.kind == "field" and part.label and part.label not in seen:
                seen[part.label] = part.field
    return list(seen.items())


def ingest(settings: IngestSettings, paths: list[Path], **kwargs: object) -> IngestReport:
    return IngestRun(settings, **kwargs).run(paths)  # type: ignore[arg-type]
