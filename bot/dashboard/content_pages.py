"""Content owners' pages: documents (upload, versions, diff, rollback, delete),
knowledge gaps and answers marked unhelpful."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from bot import content
from bot import content_jobs as jobs
from bot.dashboard import documents as docs
from bot.dashboard.accounts import Account
from bot.dashboard.gaps import group_gaps
from bot.dashboard.web import (
    FormId,
    QueryId,
    RowId,
    content_viewer,
    download,
    flash,
    render,
    sessions_of,
    settings_of,
)
from bot.store import Exchange, KnowledgeGap, Person, Store
from ingest.registry import Document, DocumentVersion, utcnow

router = APIRouter()
Owner = Annotated[Account, Depends(content_viewer)]


@router.get("/documents")
def documents(request: Request, account: Owner, format: str | None = None) -> Response:
    settings = settings_of(request)
    with sessions_of(request)() as db:
        rows = list(db.scalars(select(Document).order_by(Document.status, Document.path)))
        listed = [{"id": d.id, "path": d.path, "title": d.title, "type": d.doc_type,
                   "version": d.version, "status": d.status, "error": d.error, "chunks": d.chunk_count,
                   "ingested": d.ingested_at, "place": content.place(d.root, d.path),
                   "uploaded": content.is_upload(settings, d.root), "file": str(docs.source_file(d))}
                  for d in rows]
    if format:
        return download("documents", ["path", "where", "from", "title", "type", "version", "status", "chunks",
                                      "last_ingest_utc", "error"],
                        [[d["path"], d["place"], "upload" if d["uploaded"] else "content folder", d["title"],
                          d["type"], d["version"], d["status"], d["chunks"], d["ingested"], d["error"]]
                         for d in listed], format)
    now = utcnow()
    recent = [{"name": j.name, "state": j.state(now), "lines": j.lines(), "started": j.started_at}
              for j in jobs.recent_jobs(sessions_of(request), account.id, now)]
    return render(request, "documents.html", account, rows=listed, types=content.UPLOAD_TYPES,
                  report=request.session.pop("report", None), max_mb=settings.max_file_mb,
                  jobs=recent, refresh=any(j["state"] == "running" for j in recent))


@router.post("/documents/upload")
async def upload(request: Request, account: Owner, file: Annotated[UploadFile, File()],
                 doc_type: Annotated[str, Form()] = "auto") -> Response:
    settings = settings_of(request)
    limit = int(settings.max_file_mb * 1024 * 1024)
    data = await file.read(limit + 1)
    try:
        stored = await asyncio.to_thread(content.save_upload, settings, file.filename or "upload", data, doc_type)
    except content.UploadError as exc:
        flash(request, f"upload refused: {exc}")
        return RedirectResponse("/documents", status_code=303)
    await asyncio.to_thread(jobs.start_upload_ingest, settings, sessions_of(request), account.id, stored)
    what = f"it updates {stored.updates}" if stored.updates else f"stored as {stored.place}"
    flash(request, f"{stored.name} uploaded ({what}): ingesting it now; its report appears below when done"
          + (f". Note: {stored.note}" if stored.note else ""))
    return RedirectResponse("/documents", status_code=303)


@router.get("/documents/{document_id}")
def document(request: Request, account: Owner, document_id: RowId, a: QueryId = None,
             b: QueryId = None) -> Response:
    settings = settings_of(request)
    with sessions_of(request)() as db:
        found = db.get(Document, document_id)
        if found is None:
            raise HTTPException(404, "no such document")
        versions = list(db.scalars(select(DocumentVersion).where(DocumentVersion.document_id == document_id)
                                   .order_by(DocumentVersion.version.desc())))
        diff = None
        if a is not None and b is not None:
            by_number = {v.version: v for v in versions}
            if a not in by_number or b not in by_number:
                raise HTTPException(404, "no such version")
            diff = docs.diff_html(settings, found, by_number[a], by_number[b])
        elif len(versions) >= 2:
            a, b = versions[1].version, versions[0].version
        return render(request, "document.html", account, doc=found, versions=versions, diff=diff, a=a, b=b,
                      report=request.session.pop("report", None), source=str(docs.source_file(found)),
                      place=content.place(found.root, found.path), uploaded=content.is_upload(settings, found.root))


@router.post("/documents/{document_id}/rollback")
async def rollback(request: Request, account: Owner, document_id: RowId, version: FormId) -> Response:
    settings = settings_of(request)

    def work() -> list[str]:
        with sessions_of(request)() as db:
            found = db.get(Document, document_id)
            if found is None:
                raise HTTPException(404, "no such document")
            return content.report_lines(*docs.roll_back(settings, db, found, version))

    try:
        request.session["report"] = await asyncio.to_thread(work)
        flash(request, f"rolled back to v{version}: the file in the content folder now holds that version")
    except content.UploadError as exc:
        flash(request, f"rollback refused: {exc}")
    return RedirectResponse(f"/documents/{document_id}", status_code=303)


@router.post("/documents/{document_id}/delete")
async def delete(request: Request, account: Owner, document_id: RowId) -> Response:
    settings = settings_of(request)
    with sessions_of(request)() as db:
        found = db.get(Document, document_id)
        if found is None:
            raise HTTPException(404, "no such document")
        db.expunge(found)
    report, questions = await asyncio.to_thread(docs.delete, settings, found)
    request.session["report"] = content.report_lines(report, questions)
    flash(request, f"{docs.source_file(found)} deleted from the content folder: it no longer answers questions")
    return RedirectResponse("/documents", status_code=303)


@router.get("/gaps")
def gaps(request: Request, account: Owner, format: str | None = None) -> Response:
    embedder = request.app.state.services.embedder
    with sessions_of(request)() as db:
        groups = group_gaps(db, embedder)
    if format:
        return download("knowledge_gaps", ["count", "questions", "stores", "last_asked", "closest"],
                        [[g.count, " | ".join(g.questions), ", ".join(sorted(g.stores)), g.last_asked,
                          " | ".join(str(c.get("title")) for c in g.closest)] for g in groups], format)
    return render(request, "gaps.html", account, groups=groups)


@router.post("/gaps/resolve")
def resolve_gaps(request: Request, account: Owner, ids: Annotated[str, Form()]) -> Response:
    wanted = [int(i) for i in ids.split(",") if i.strip().isdigit() and int(i) < 2**63]
    with sessions_of(request).begin() as db:
        for gap in db.scalars(select(KnowledgeGap).where(KnowledgeGap.id.in_(wanted))):
            gap.resolved = True
    flash(request, f"{len(wanted)} questions marked resolved")
    return RedirectResponse("/gaps", status_code=303)


@router.get("/feedback")
def feedback(request: Request, account: Owner, format: str | None = None) -> Response:
    with sessions_of(request)() as db:
        rows = []
        for exchange, person, store in db.execute(
            select(Exchange, Person, Store).join(Person, Person.id == Exchange.person_id, isouter=True)
            .join(Store, Store.id == Exchange.store_id, isouter=True)
            .where(Exchange.feedback == "down").order_by(Exchange.id.desc())
        ).all():
            rows.append({"when": exchange.created_at, "question": exchange.question, "answer": exchange.answer,
                         "sources": json.loads(exchange.sources)[:3], "person": person.name if person else "",
                         "store": store.name if store else ""})
    if format:
        return download("unhelpful_answers", ["when_utc", "person", "store", "question", "answer", "sources"],
                        [[r["when"], r["person"], r["store"], r["question"], r["answer"],
                          " | ".join(str(s.get("path")) for s in r["sources"])] for r in rows], format)
    return render(request, "feedback.html", account, rows=rows)
