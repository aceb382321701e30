"""Which chunker a document gets: the author's word first, then where it lives."""

from __future__ import annotations

from pathlib import Path

from ingest.chunkers.fab import HeaderMeaning, is_fab_document
from ingest.chunkers.product_page import read_product_page
from ingest.document import DocType, LoadedDocument

FOLDER_TYPES: dict[str, DocType] = {
    "sop": "sop", "sops": "sop", "procedures": "sop", "流程": "sop", "制度": "sop", "规范": "sop",
    "fab": "fab", "products": "fab", "product": "fab", "产品": "fab", "商品": "fab",
    "course": "course", "courses": "course", "training": "course", "课程": "course",
    "培训": "course",
}
SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".csv"})


def detect_doc_type(path: Path, document: LoadedDocument, meaning: HeaderMeaning | None = None,
                    title: str | None = None) -> DocType:
    if document.doc_type:
        return document.doc_type
    if is_fab_document(document, meaning):
        return "fab"
    if read_product_page(document, title or document.title or path.stem, meaning) is not None:
        return "fab"  # one product's own page, wherever it is kept
    for part in reversed(path.parent.parts):
        found = FOLDER_TYPES.get(part.lower())
        if found:
            return found
    steps = sum(1 for b in document.blocks if b.kind == "list_item")
    return "sop" if steps >= 3 and steps * 4 >= len(document.blocks) else "course"
