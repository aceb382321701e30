"""Content changes that run after the request that asked for them: an upload is
answered as soon as its file is stored, and its ingest report follows.

The job lives in the database, not in the process, so that any dashboard process
behind one address can show its progress and its report; the process that stored the
file runs it in a background thread. A job whose process stopped before it finished is
shown as interrupted once it is older than `STALE_AFTER`, rather than "running" forever.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from bot import content
from bot.settings import Settings
from ingest.db import Base
from ingest.registry import utcnow

log = logging.getLogger(__name__)

STALE_AFTER = dt.timedelta(hours=2)  # an upload's ingest may wait for a long rebuild's lock


class ContentJob(Base):
    __tablename__ = "content_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("dashboard_users.id"), index=True)
    name: Mapped[str] = mapped_column(String(256))  # the stored file's name
    status: Mapped[str] = mapped_column(String(16))  # running | done | failed
    report: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of report lines
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]

    def lines(self) -> list[str]:
        return list(json.loads(self.report or "[]"))

    def state(self, now: dt.datetime) -> str:
        """running, done, failed or interrupted (its process stopped before the end);
        `now` in naive UTC, as the database keeps times."""
        if self.status == "running" and now - self.started_at > STALE_AFTER:
            return "interrupted"
        return self.status


def start_upload_ingest(settings: Settings, sessions: sessionmaker, user_id: int | None,
                        stored: content.StoredUpload) -> int:
    """Record a job for the stored upload and ingest the folder it was stored in (the
    uploads folder, or the content folder of the document it updates) in a background
    thread; returns the job's id at once."""
    with sessions.begin() as db:
        job = ContentJob(user_id=user_id, name=stored.name, status="running")
        db.add(job)
        db.flush()
        job_id = job.id
    threading.Thread(target=_run, args=(settings, sessions, job_id, stored), name=f"upload-{job_id}",
                     daemon=True).start()
    return job_id


def ingest_upload_lines(settings: Settings, stored: content.StoredUpload) -> list[str]:
    """Ingest where the upload was stored; the report as people read it (dashboard jobs,
    the bot), first what became of the document."""
    return content.upload_lines(stored, *content.ingest_upload(settings, stored))


def _run(settings: Settings, sessions: sessionmaker, job_id: int, stored: content.StoredUpload) -> None:
    try:
        lines, status = ingest_upload_lines(settings, stored), "done"
    except Exception as exc:  # the report says why; the file stays for the next ingest
        log.exception("upload ingest failed")
        lines, status = [f"ingest failed: {exc}. The file is stored; it is ingested with the next change "
                         "or upload."], "failed"
    with sessions.begin() as db:
        job = db.get(ContentJob, job_id)
        if job is not None:
            job.status, job.report, job.finished_at = status, json.dumps(lines, ensure_ascii=False), utcnow()


def recent_jobs(sessions: sessionmaker, user_id: int | None, now: dt.datetime, limit: int = 3) -> list[ContentJob]:
    """The person's last few uploads of the past day, newest first."""
    with sessions() as db:
        return list(db.scalars(select(ContentJob).where(
            ContentJob.user_id == user_id, ContentJob.started_at > now - dt.timedelta(days=1))
            .order_by(ContentJob.id.desc()).limit(limit)))
