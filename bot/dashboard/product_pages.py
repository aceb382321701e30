"""The products page: every product record in the knowledge base (FAB sheet rows and
product pages), for trainers, content owners and admins; each product's fields with
the column or heading they came from, and its quiz questions."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from bot.dashboard import products as catalog
from bot.dashboard.accounts import Account
from bot.dashboard.web import download, product_viewer, render, sessions_of
from bot.quiz.bank import BankQuestion
from ingest.index import IndexMissing, IndexReader

router = APIRouter()
Viewer = Annotated[Account, Depends(product_viewer)]


def _reader(request: Request) -> IndexReader:
    """The process's one index reader (never a second client on the index)."""
    return request.app.state.services.reader  # type: ignore[no-any-return]


def _all(request: Request) -> list[catalog.Product] | None:
    """None while nothing has been ingested."""
    with sessions_of(request)() as db:
        try:
            return catalog.products(_reader(request), db)
        except IndexMissing:
            return None


def _answer(question: BankQuestion) -> str:
    options = json.loads(question.options)
    if question.answer_index is not None and 0 <= question.answer_index < len(options):
        return str(options[question.answer_index])
    return " / ".join(str(a) for a in json.loads(question.answers))


@router.get("/products")
def products(request: Request, account: Viewer, q: Annotated[str, Query(max_length=200)] = "",
             page: Annotated[int, Query(ge=1)] = 1, format: str | None = None) -> Response:
    listed = _all(request)
    found = catalog.search(listed or [], q)
    if format:
        return download("products", ["name", "sku", "price", "category", "source", "active_questions"],
                        [[p.name, p.sku, p.price, p.category, p.path, p.questions] for p in found], format)
    pages = max(1, -(-len(found) // catalog.PAGE_SIZE))
    page = min(page, pages)
    start = (page - 1) * catalog.PAGE_SIZE
    return render(request, "products.html", account, rows=found[start:start + catalog.PAGE_SIZE],
                  total=len(listed or []), matched=len(found), q=q, page=page, pages=pages, first=start + 1,
                  indexed=listed is not None)


@router.get("/products/{key}")
def product(request: Request, account: Viewer, key: str) -> Response:
    found = next((p for p in _all(request) or [] if p.key == key), None)
    if found is None:
        raise HTTPException(404, "no such product: it may have been renamed or removed from its document")
    with sessions_of(request)() as db:
        questions = [{"id": q.id, "kind": q.kind, "stem": q.stem, "status": q.status, "origin": q.origin,
                      "answer": _answer(q)} for q in catalog.questions_of(db, found.name)]
    return render(request, "product.html", account, p=found, questions=questions)
