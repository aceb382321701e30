"""Which chunker a document gets: the author's word first, then where it lives."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.chunkers.fab import HeaderMeaning, is_fab_document
from ingest.chunkers.product_page import ProductPage, read_product_page
from ingest.document import DocType, LoadedDocument, numbered_step
from ingest.normalize import for_matching

FOLDER_TYPES: dict[str, DocType] = {
    "sop": "sop", "sops": "sop", "procedures": "sop", "流程": "sop", "制度": "sop", "规范": "sop",
    "fab": "fab", "products": "fab", "product": "fab", "产品": "fab", "商品": "fab",
    "course": "course", "courses": "course", "training": "course", "课程": "course",
    "培训": "course",
}
SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".csv"})
# what a title calls the document: "…处理规范", "Opening checklist", "新人培训课程表"
TITLE_TYPE = re.compile(r"(?P<course>课程|教程|课件|讲义|培训|\b(?:course|lesson|training|tutorial)s?\b)"
                        r"|规范|规则|制度|流程|守则|须知|规定|规程|细则"
                        r"|\b(?:sop|procedure|checklist|policy|policies|guideline)s?\b")
# a numbered clause of a rulebook: "1.1.1　本规范适用于…", "3.2 Returns"
_CLAUSE = re.compile(r"^\s*\d{1,2}(?:\.\d{1,2}){1,3}[\s\u3000]")


def detect(path: Path, document: LoadedDocument, meaning: HeaderMeaning | None = None,
           title: str | None = None) -> tuple[DocType, ProductPage | None]:
    """The document's type, and its product record when it is one product's own page
    (read here once: the chunker takes it as it is)."""
    if document.doc_type and document.doc_type != "fab":
        return document.doc_type, None
    sheet = is_fab_document(document, meaning)
    title = title or document.title or path.stem
    rulebook = title_type(title) == "sop"  # "…售后服务规则（SOP-CS-02）" sells nothing
    page = None if sheet or rulebook else read_product_page(document, title, meaning)
    if page is not None or sheet or document.doc_type == "fab":
        return "fab", page  # a product's page is a product, wherever it is kept
    return _by_place_and_shape(path, document), None


def detect_doc_type(path: Path, document: LoadedDocument, meaning: HeaderMeaning | None = None) -> DocType:
    if document.doc_type:
        return document.doc_type
    if is_fab_document(document, meaning):
        return "fab"
    return _by_place_and_shape(path, document)


def title_type(title: str) -> DocType | None:
    """What the title calls the document, if it says."""
    named = TITLE_TYPE.search(for_matching(title))
    return None if named is None else "course" if named.group("course") else "sop"


def _by_place_and_shape(path: Path, document: LoadedDocument) -> DocType:
    """The folder it is kept in, then its title, then its numbered steps or clauses."""
    for part in reversed(path.parent.parts):
        found = FOLDER_TYPES.get(part.lower())
        if found:
            return found
    titled = title_type(document.title or path.stem)
    if titled:
        return titled
    steps = sum(1 for b in document.blocks if b.kind == "list_item"
                or (b.kind == "paragraph" and (numbered_step(b.text) or _CLAUSE.match(b.text))))
    return "sop" if steps >= 3 and steps * 4 >= len(document.blocks) else "course"
