"""Document versions as content owners handle them: what changed between two, rollback
and deletion. Every change goes through bot.content.ingest_content, so answers and
generated questions follow."""

from __future__ import annotations

import difflib
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.content import UploadError, ingest_content, superseded_by, write_whole
from bot.quiz.bank import SyncReport
from bot.settings import Settings
from ingest.document import LoadError
from ingest.loaders import loader_for
from ingest.loaders.isolated import shared_loader
from ingest.registry import Document, DocumentVersion
from ingest.report import IngestReport


def blob_path(settings: Settings, version: DocumentVersion) -> Path:
    return settings.home / "blobs" / version.blob


def version_text(settings: Settings, document: Document, version: DocumentVersion) -> str:
    """The version's text as the loader reads it (a .docx or .pdf diffs as text)."""
    suffix = Path(document.path).suffix.lower()
    if loader_for(Path(document.path)) is None:
        return ""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / f"version{suffix}"
        copy.write_bytes(blob_path(settings, version).read_bytes())
        try:  # in the isolated loader, under the same limits as an ingest
            return shared_loader(settings.load_timeout_s, settings.load_memory_mb).load(copy).plain_text()
        except LoadError as exc:  # an old version the loader now refuses, or a hostile one
            return f"(this version cannot be read as text: {exc})"


def diff_html(settings: Settings, document: Document, old: DocumentVersion, new: DocumentVersion) -> str:
    before = version_text(settings, document, old).splitlines()
    after = version_text(settings, document, new).splitlines()
    return difflib.HtmlDiff(wrapcolumn=60).make_table(
        before, after, f"v{old.version}", f"v{new.version}", context=True, numlines=2)


def source_file(document: Document) -> Path:
    return Path(document.root) / document.path


def roll_back(settings: Settings, db: Session, document: Document, version: int) -> tuple[IngestReport, SyncReport | None]:
    """Put an earlier version's bytes back in place and ingest: it becomes the newest
    version, and answers and questions follow."""
    kept = db.scalar(select(DocumentVersion).where(
        DocumentVersion.document_id == document.id, DocumentVersion.version == version))
    if kept is None:
        raise UploadError(f"no version {version}")
    owner = superseded_by(settings, document.root, document.path)
    if owner is not None:
        raise UploadError(f"{owner} in the content folder took this upload's place; roll that document back, "
                          f"or upload this version's file to update it")
    target = source_file(document)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_whole(target, blob_path(settings, kept).read_bytes())
    return ingest_content(settings, [Path(document.root)])


def delete(settings: Settings, document: Document) -> tuple[IngestReport, SyncReport | None]:
    """Remove the file and ingest its folder: its passages leave the answers (its
    versions stay, so it can be rolled back)."""
    source_file(document).unlink(missing_ok=True)
    return ingest_content(settings, [Path(document.root)])
