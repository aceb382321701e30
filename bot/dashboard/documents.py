"""The knowledge base as content owners handle it: uploads (type and size checked,
names made safe), versions and what changed between two, rollback and deletion. Every
change goes through bot.content.ingest_content, so answers and generated questions
follow. Uploads sent to the bot in Telegram come through here too."""

from __future__ import annotations

import difflib
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.content import ingest_content
from bot.quiz.bank import SyncReport
from bot.settings import Settings
from ingest.loaders import SUPPORTED_SUFFIXES, loader_for
from ingest.registry import Document, DocumentVersion
from ingest.report import IngestReport

UPLOAD_TYPES = ("auto", "sop", "fab", "course")
MAX_NAME_CHARS = 120
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


class UploadError(ValueError):
    pass


def safe_name(name: str) -> str:
    """A file name that stays inside the uploads folder: no directories, no control or
    reserved characters, no leading dots, not too long (Chinese kept)."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").split("/")[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = stem[: MAX_NAME_CHARS - len(suffix) - 1].strip(" .") or "upload"
    return f"{stem}.{suffix.lower()}" if suffix else stem


def uploads_root(settings: Settings) -> Path:
    return settings.home / "uploads"


@dataclass
class UploadResult:
    name: str
    report: IngestReport
    questions: SyncReport | None


def save_and_ingest(settings: Settings, filename: str, data: bytes, doc_type: str = "auto") -> UploadResult:
    """Check, store under HOME/uploads[/TYPE]/, ingest the uploads folder."""
    name = safe_name(filename)
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UploadError(f"{name}: unsupported type; use one of {', '.join(sorted(SUPPORTED_SUFFIXES))}")
    if doc_type not in UPLOAD_TYPES:
        raise UploadError(f"unknown document type '{doc_type}'")
    if not data:
        raise UploadError(f"{name}: the file is empty")
    if len(data) > settings.max_file_mb * 1024 * 1024:
        raise UploadError(f"{name}: larger than {settings.max_file_mb} MB")
    root = uploads_root(settings)
    folder = root if doc_type == "auto" else root / doc_type
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if target.resolve().parent != folder.resolve():  # belt and braces after safe_name
        raise UploadError("bad file name")
    temporary = target.with_name(f".{name}.part")
    temporary.write_bytes(data)
    temporary.replace(target)
    report, questions = ingest_content(settings, [root])
    return UploadResult(name, report, questions)


def blob_path(settings: Settings, version: DocumentVersion) -> Path:
    return settings.home / "blobs" / version.blob


def version_text(settings: Settings, document: Document, version: DocumentVersion) -> str:
    """The version's text as the loader reads it (a .docx or .pdf diffs as text)."""
    suffix = Path(document.path).suffix.lower()
    loader = loader_for(Path(document.path))
    if loader is None:
        return ""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / f"version{suffix}"
        copy.write_bytes(blob_path(settings, version).read_bytes())
        try:
            return loader(copy).plain_text()
        except Exception as exc:  # an old version the loader now refuses
            return f"({exc.__class__.__name__}: this version cannot be read as text)"


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
    target = source_file(document)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.part")
    temporary.write_bytes(blob_path(settings, kept).read_bytes())
    temporary.replace(target)
    return ingest_content(settings, [Path(document.root)])


def delete(settings: Settings, document: Document) -> tuple[IngestReport, SyncReport | None]:
    """Remove the file and ingest its folder: its passages leave the answers (its
    versions stay, so it can be rolled back)."""
    source_file(document).unlink(missing_ok=True)
    return ingest_content(settings, [Path(document.root)])
