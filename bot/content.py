"""Changing the knowledge base on behalf of a person or a command: ingest, then bring
the question bank in line, so questions always follow the content. The command line,
the dashboard's uploads and documents sent to the bot all come through here."""

from __future__ import annotations

from pathlib import Path

from bot.quiz.bank import SyncReport, refresh_generated
from bot.settings import Settings
from ingest.pipeline import ingest
from ingest.report import IngestReport


def ingest_content(settings: Settings, paths: list[Path]) -> tuple[IngestReport, SyncReport | None]:
    """The ingest report, and the bank's sync report when some content changed."""
    report = ingest(settings, paths)
    counts = report.counts()
    if counts["added"] or counts["updated"] or counts["removed"]:
        return report, refresh_generated(settings)
    return report, None
