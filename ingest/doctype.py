"""Which chunker a document gets: the author's word first, then where it lives."""

from __future__ import annotations

from pathlib import Path

from ingest.chunkers.fab import HeaderMeaning, is_fab_document
from ingest.chunkers.product_page import ProductPage, read_product_page
from ingest.document import DocType, LoadedDocument

FOLDER_TYPES: dict[str, DocType] = {
    "sop": "sop", "sops": "sop", "procedures": "sop", "流程": "sop", "制度": "sop", "规范": "sop",
    "fab": "fab", "products": "fab", "product": "fab", "产品": "fab", "商品": "fab",
    "course": "course", "courses": "course", "training": "course", "课程": "course",
    "培训": "course",
}
SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".csv"})


def detect(path: Path, document: LoadedDocument, meaning: HeaderMeaning | None = None,
           title: str | None = None) -> tuple[DocType, ProductPage | None]:
    """The document's type, and its product record when it is one product's own page
    (read here once: the chunker takes it as it is)."""
    if document.doc_type and document.doc_type != "fab":
        return document.doc_type, None
    page = None if is_fab_document(document, meaning) else \
        read_product_page(document, title or document.title or path.stem, meaning)
    if page is not None or document.doc_type == "fab":
        return "fab", page  # a product's page is a product, wherever it is kept
    return detect_doc_type(path, document, meaning), None


def detect_doc_type(path: Path, document: LoadedDocument, meaning: HeaderMeaning | None = None) -> DocType:
    if document.doc_type:
        return document.doc_type
    if is_fab_document(document, meaning):
        return "fab"
    for part in reversed(path.parent.parts):
        found = FOLDER_TYPES.get(part.lower())
        if found:
            return found
    steps = sum(1 for b in document.blocks if b.kind == "list_item")
    return "sop" if steps >= 3 and steps * 4 >= len(document.blocks) else "course"
