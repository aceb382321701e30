"""Changing the knowledge base on behalf of a person or a command: uploads (type and
size checked, names made safe), then ingest, then the question bank brought in line,
so questions always follow the content. The command line, the dashboard's uploads and
documents sent to the bot all come through here.

One source of truth: a document is its file in the knowledge base, wherever it came
from. An upload named like a document already there (one in a content folder first,
else one uploaded before) is written over that document's file and ingested there, so
it becomes that document's next version; a plain upload is stored under HOME/uploads.
An uploaded document that a content folder's file of the same name has taken over is
retired, so one copy answers, never two."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sqlalchemy import select

from bot.quiz.bank import SyncReport, bank_due, refresh_generated
from bot.quiz.generate import read_snapshot
from bot.settings import Settings
from ingest.db import session_factory
from ingest.embedder import Embedder
from ingest.index import IndexMissing, IndexReader
from ingest.loaders import SUPPORTED_SUFFIXES
from ingest.pipeline import ingest
from ingest.registry import Document
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
    sees what the changed documents said before as well as now. Uploaded documents that
    a content folder's file has taken over are retired in the same change (see
    `retire_superseded_uploads`), and the report says so."""
    reader = IndexReader(settings)
    try:
        with contextlib.ExitStack() as stack:
            try:
                stack.enter_context(reader.pinned())
                pinned = True
            except IndexMissing:  # the first ingest: nothing before
                pinned = False
            report = ingest(settings, paths, **({"embedder": embedder} if embedder else {}))
            retired = retire_superseded_uploads(settings, embedder)
            if retired is not None:
                merge_reports(report, retired)
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


def merge_reports(report: IngestReport, later: IngestReport) -> None:
    """A second ingest of the same change folded into the first's report: what it
    changed (not the files it found unchanged), and its generation."""
    report.outcomes.extend(o for o in later.outcomes if o.status != "unchanged")
    report.generation = later.generation or report.generation
    report.seconds += later.seconds
    report.embedded_chunks += later.embedded_chunks


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


def _uploads_key(settings: Settings) -> str:
    """HOME/uploads as the registry records a document's root (resolved, as ingest scans)."""
    return uploads_root(settings).expanduser().resolve().as_posix()


def is_upload(settings: Settings, root: str) -> bool:
    return root == _uploads_key(settings)


def place(root: str | Path, path: str) -> str:
    """Where a document lives, as people read it: its folder's name and its path there
    ("sop/trade_in_sop.md", "uploads/sop/刻字.md")."""
    return f"{Path(root).name}/{path}"


def file_key(path: str) -> str:
    """The name an upload is matched on: the file's own name, made safe as uploads are."""
    return safe_name(PurePosixPath(path).name)


@dataclass(frozen=True)
class Known:
    """A document of the registry that has not been removed, as matching needs it."""

    root: str
    path: str
    status: str
    version: int

    @property
    def place(self) -> str:
        return place(self.root, self.path)

    @property
    def file(self) -> Path:
        return Path(self.root) / self.path


def _known_by_name(settings: Settings) -> tuple[dict[str, list[Known]], dict[str, list[Known]]]:
    """Documents not removed, by file name: those from content folders, and uploads."""
    uploads = _uploads_key(settings)
    folders: dict[str, list[Known]] = defaultdict(list)
    uploaded: dict[str, list[Known]] = defaultdict(list)
    with session_factory(settings.db_url)() as db:
        rows = db.execute(select(Document.root, Document.path, Document.status, Document.version)
                          .where(Document.status != "removed").order_by(Document.root, Document.path)).all()
    for root, path, status, version in rows:
        known = Known(root, path, status, version)
        (uploaded if root == uploads else folders)[file_key(path)].append(known)
    return folders, uploaded


@dataclass(frozen=True)
class StoredUpload:
    """Where an upload's bytes went: `root` is the folder to ingest and `path` the file
    there (the document's path). `updates` names the document it becomes a new version
    of; `note` says why it was stored as a document of its own despite its name."""

    name: str
    root: Path
    path: str
    updates: str | None = None
    note: str | None = None

    @property
    def place(self) -> str:
        return place(self.root, self.path)


def save_upload(settings: Settings, filename: str, data: bytes, doc_type: str = "auto") -> StoredUpload:
    """Check and store; where it went. Quick: the person is told at once whether the
    file was taken, and its ingest follows (`ingest_upload`).

    A file named like exactly one document of a content folder is written over that
    file (its folder decides its type, not `doc_type`); if that folder cannot be
    written the upload is refused, never stored as a second copy. Named like several,
    it is not guessed at: it is stored under HOME/uploads[/TYPE]/ and the note says so.
    Named like no folder document, it goes to the uploaded document of that name if
    there is exactly one, else under HOME/uploads[/TYPE]/."""
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
    folders, uploaded = _known_by_name(settings)
    same_folder, same_upload = folders.get(name, []), uploaded.get(name, [])
    if len(same_folder) == 1:
        return _write_over(name, same_folder[0], data)
    root = uploads_root(settings)
    folder = root if doc_type == "auto" else root / doc_type
    target = folder / name
    note = None
    if len(same_folder) > 1:
        note = (f"{len(same_folder)} documents in the content folders are named {name} "
                f"({', '.join(k.place for k in same_folder)}): not guessing which one this updates, so it is "
                f"stored as an upload of its own; to update one of them, change the file in its folder")
    elif len(same_upload) == 1:
        target = root / same_upload[0].path  # the earlier upload of this name, in its place
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.resolve().is_relative_to(root.resolve()) or target.resolve().parent != target.parent.resolve():
        raise UploadError("bad file name")  # belt and braces after safe_name
    write_whole(target, data)
    path = target.relative_to(root).as_posix()
    updates = place(root, path) if any(k.path == path for k in same_upload) else None
    return StoredUpload(name, root, path, updates, note)


def _write_over(name: str, document: Known, data: bytes) -> StoredUpload:
    """The upload becomes the content folder document's next version, in its folder."""
    target, folder = document.file, Path(document.root)
    refusal = (f"{name} updates {document.place}, but the server cannot write its content folder {folder}"
               f" (%s); change the file there, or have the folder made writable")
    if not folder.is_dir():
        raise UploadError(refusal % "the folder is not there")
    if not os.access(target.parent, os.W_OK | os.X_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise UploadError(refusal % "no permission")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_whole(target, data)
    except OSError as exc:
        raise UploadError(refusal % (exc.strerror or exc.__class__.__name__)) from None
    return StoredUpload(name, folder, document.path, document.place)


def ingest_upload(settings: Settings, stored: StoredUpload) -> tuple[IngestReport, SyncReport | None]:
    """Ingest the folder the upload was stored in."""
    return ingest_content(settings, [stored.root])


def upload_lines(stored: StoredUpload, report: IngestReport, questions: SyncReport | None) -> list[str]:
    """An upload's report as people read it: first what became of the document
    ("updated sop/trade_in_sop.md, version 2"), then the ingest's and the bank's."""
    outcome = next((o for o in report.outcomes if o.path == stored.path and o.status != "removed"), None)
    lines = []
    if outcome is not None and outcome.status in ("added", "updated"):
        lines.append(f"{outcome.status} {stored.place}, version {outcome.version}")
    elif outcome is not None and outcome.status == "unchanged":
        lines.append(f"{stored.place} unchanged: the upload is the same as its version {outcome.version}")
    elif outcome is not None:
        lines.append(f"{stored.place} not ingested: {outcome.reason}")
    if stored.note:
        lines.append(f"note: {stored.note}")
    return lines + report_lines(report, questions)


def ingest_uploads(settings: Settings) -> tuple[IngestReport, SyncReport | None]:
    return ingest_content(settings, [uploads_root(settings)])


def _takes_over(owners: list[Known]) -> bool:
    return len(owners) == 1 and owners[0].status == "active"


def superseded_by(settings: Settings, root: str, path: str) -> str | None:
    """The content folder document that has taken over the uploaded document at
    ROOT/PATH (its place), or None."""
    if not is_upload(settings, root):
        return None
    owners = _known_by_name(settings)[0].get(file_key(path), [])
    return owners[0].place if _takes_over(owners) else None


def retire_superseded_uploads(settings: Settings, embedder: Embedder | None = None) -> IngestReport | None:
    """Uploaded documents that a content folder's file has taken over: where exactly
    one content folder document has an upload's file name and answers, the upload's
    file is removed and the uploads folder ingested, so its passages stop answering
    (its versions are kept). The ingest's report, None when nothing was retired."""
    folders, uploaded = _known_by_name(settings)
    retired: dict[str, str] = {}
    for name, uploads in uploaded.items():
        owners = folders.get(name, [])
        if not _takes_over(owners):
            continue
        for upload in uploads:
            upload.file.unlink(missing_ok=True)
            retired[upload.path] = owners[0].place
    if not retired:
        return None
    uploads_root(settings).mkdir(parents=True, exist_ok=True)  # so its removed documents leave the index
    report = ingest(settings, [uploads_root(settings)], **({"embedder": embedder} if embedder else {}))
    for outcome in report.outcomes:
        if outcome.status == "removed" and outcome.path in retired:
            outcome.reason = (f"retired: uploads/{outcome.path} was a second copy of "
                              f"{retired[outcome.path]}, which answers now")
    return report


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
