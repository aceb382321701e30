"""Changing the knowledge base on behalf of a person or a command: uploads (type and
size checked, names made safe), then ingest, then the question bank brought in line,
so questions always follow the content. The command line, the dashboard's uploads and
documents sent to the bot all come through here."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from bot.quiz.bank import SyncReport, bank_due, refresh_generated
from bot.quiz.generate import read_snapshot
from bot.settings import Settings
from ingest.embedder import Embedder
from ingest.index import IndexMissing, IndexReader
from ingest.loaders import SUPPORTED_SUFFIXES
from ingest.pipeline import ingest
from ingest.report import IngestReport

log = logging.getLogger(__name__)

UPLOAD_TYPES = ("auto", "sop", "fab", "course")
MAX_NAME_CHARS = 120
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def ingest_content(settings: Settings, paths: list[Path],
                   embedder: Embedder | None = None) -> tuple[IngestReport, SyncReport | None]:
    """The ingest report, and the bank's sync report when some content changed. (Not
    retried across a database restart: the registry's writes follow the publish, and a
    second run would find nothing to do. An upload then fails with the reason.)

    The generation from before the change stays pinned through the ingest, so the bank
    sees what the changed documents said before as well as now."""
    reader = IndexReader(settings)
    try:
        with contextlib.ExitStack() as stack:
            try:
                stack.enter_context(reader.pinned())
                pinned = True
            except IndexMissing:  # the first ingest: nothing before
                pinned = False
            report = ingest(settings, paths, **({"embedder": embedder} if embedder else {}))
            changed = {o.path for o in report.outcomes if o.status in ("added", "updated", "removed")}
            if not changed and not bank_due(settings):
                return report, None
            before = read_snapshot(reader, changed) if pinned else None
    finally:
        reader.close()
    try:
        return report, refresh_generated(settings, changed, before)
    except Exception as exc:  # the content is in; the questions follow with the next change
        log.exception("question bank not brought up to date")
        return report, SyncReport(problem=str(exc)[:200] or exc.__class__.__name__)


def report_lines(report: IngestReport, questions: SyncReport | None) -> list[str]:
    """What a content change did, as people read it: the ingest report, then the bank's."""
    lines = report.render().splitlines()
    if questions is not None:
        lines.append(questions.render())
    return lines


class UploadError(ValueError):
    pass


def safe_name(name: str) -> str:
    """A file name that stays inside the uploads folder: no directories, no control or
    reserved characters, no invisible format characters (U+202E would show
    "gpj.exe" as "exe.jpg"), no leading dots, not too long (Chinese kept)."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").split("/")[-1]
    name = "".join(c for c in name if unicodedata.category(c) != "Cf")
    name = _UNSAFE.sub("_", name).strip(" .")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = stem[: MAX_NAME_CHARS - len(suffix) - 1].strip(" .") or "upload"
    return f"{stem}.{suffix.lower()}" if suffix else stem


def uploads_root(settings: Settings) -> Path:
    return settings.home / "uploads"


def save_upload(settings: Settings, filename: str, data: bytes, doc_type: str = "auto") -> str:
    """Check and store under HOME/uploads[/TYPE]/; the stored name. Quick: the person is
    told at once whether the file was taken, and its ingest follows."""
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
    write_whole(target, data)
    return name


def ingest_uploads(settings: Settings) -> tuple[IngestReport, SyncReport | None]:
    return ingest_content(settings, [uploads_root(settings)])


def write_whole(target: Path, data: bytes) -> None:
    """Write beside the file and rename over it: an ingest running meanwhile reads the
    old bytes or the new ones, never half a file. The temporary name is unique (two
    uploads of one name at once each write their own) and hidden from ingest; the file
    is readable by its owner only (mkstemp's mode)."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
