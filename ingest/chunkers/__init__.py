"""One chunker per document kind, all called the same way:
`chunk(document, title, limits) -> list[Chunk]`."""

from __future__ import annotations

from collections.abc import Callable

from ingest.chunkers import course, fab, product_page, sop
from ingest.chunkers.common import ChunkLimits
from ingest.document import Chunk, DocType, LoadedDocument

Chunker = Callable[[LoadedDocument, str, ChunkLimits], list[Chunk]]

CHUNKERS: dict[DocType, Chunker] = {"sop": sop.chunk, "fab": fab.chunk, "course": course.chunk}

__all__ = ["CHUNKERS", "ChunkLimits", "chunk_document"]


def chunk_document(
    document: LoadedDocument, doc_type: DocType, title: str, limits: ChunkLimits,
    meaning: fab.HeaderMeaning | None = None, page: product_page.ProductPage | None = None,
) -> list[Chunk]:
    """`meaning` reads spreadsheet headers no list names (FAB tables in any document);
    `page` is the document read as one product's page (ingest.doctype.detect)."""
    if page is not None:
        return product_page.chunk(page, title, limits)
    if doc_type == "fab":
        return fab.chunk(document, title, limits, meaning)
    return CHUNKERS[doc_type](document, title, limits)
