"""The document registry: every file a content owner gave us, its versions and its errors.

The index generation is the truth for what answers; this is the record people read
(dashboard, reports) and where earlier versions' bytes are kept for diffs and rollback.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ingest.db import Base, session_factory


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_key: Mapped[str] = mapped_column(String(1024), unique=True)
    root: Mapped[str] = mapped_column(String(1024))
    path: Mapped[str] = mapped_column(String(1024))
    doc_type: Mapped[str | None] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(512))
    hash: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16))  # active | failed | removed
    error: Mapped[str | None] = mapped_column(Text)
    chunk_count: Mapped[int] = mapped_column(default=0)
    ingested_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.version"
    )


class DocumentVersion(Base):
    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    version: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    chunk_count: Mapped[int]
    blob: Mapped[str] = mapped_column(String(1024))
    ingested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    document: Mapped[Document] = relationship(back_populates="versions")


class IngestRun(Base):
    __tablename__ = "ingest_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime]
    generation: Mapped[str | None] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(Text)


class Registry:
    def __init__(self, database_url: str, blob_dir: Path) -> None:
        self._sessions = session_factory(database_url)
        self._blobs = blob_dir

    def last_version(self, doc_key: str) -> int:
        with self._sessions() as session:
            doc = session.scalar(select(Document).where(Document.doc_key == doc_key))
            return doc.version if doc else 0

    def keep_blob(self, digest: str, data: bytes) -> str:
        path = self._blobs / digest[:2] / digest
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        return str(path.relative_to(self._blobs))

    def record_active(
        self, *, doc_key: str, root: str, path: str, doc_type: str, title: str, digest: str,
        version: int, size: int, chunk_count: int, blob: str, when: dt.datetime,
    ) -> None:
        with self._sessions.begin() as session:
            doc = session.scalar(select(Document).where(Document.doc_key == doc_key))
            if doc is None:
                doc = Document(doc_key=doc_key, root=root, path=path, status="active")
                session.add(doc)
            doc.doc_type, doc.title, doc.hash, doc.version = doc_type, title, digest, version
            doc.status, doc.error, doc.chunk_count = "active", None, chunk_count
            doc.ingested_at = doc.updated_at = when
            session.flush()
            exists = session.scalar(
                select(DocumentVersion).where(
                    DocumentVersion.document_id == doc.id, DocumentVersion.version == version
                )
            )
            if exists is None:
                session.add(
                    DocumentVersion(
                        document_id=doc.id, version=version, hash=digest, size=size,
                        chunk_count=chunk_count, blob=blob, ingested_at=when,
                    )
                )

    def record_failure(self, *, doc_key: str, root: str, path: str, error: str) -> None:
        """A failed file keeps its earlier good version (if any) answering; we note why."""
        with self._sessions.begin() as session:
            doc = session.scalar(select(Document).where(Document.doc_key == doc_key))
            if doc is None:
                doc = Document(doc_key=doc_key, root=root, path=path, status="failed")
                session.add(doc)
            elif doc.status != "active":
                doc.status = "failed"
            doc.error, doc.updated_at = error, utcnow()

    def record_removed(self, doc_key: str) -> None:
        with self._sessions.begin() as session:
            doc = session.scalar(select(Document).where(Document.doc_key == doc_key))
            if doc is not None:
                doc.status, doc.updated_at = "removed", utcnow()

    def record_run(self, started: dt.datetime, generation: str | None, summary: str) -> None:
        with self._sessions.begin() as session:
            session.add(
                IngestRun(started_at=started, finished_at=utcnow(), generation=generation,
                          summary=summary)
            )

    def documents(self) -> list[Document]:
        with self._sessions() as session:
            return list(session.scalars(select(Document).order_by(Document.path)))
