"""Product cards and SOP walk-throughs, looked up by the names staff type."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from ingest.document import STEP_MARKER
from ingest.index import IndexReader
from ingest.lexical import ChunkRecord, DocumentRecord
from ingest.normalize import for_matching

PRODUCT_MATCH_MIN = 60
SOP_MATCH_MIN = 50


@dataclass
class ProductCard:
    chunk: ChunkRecord
    document: DocumentRecord

    @property
    def name(self) -> str:
        return self.chunk.metadata.get("product", "")


@dataclass
class SopStep:
    section: str | None
    text: str


@dataclass
class SopWalk:
    key: str  # short, stable id for callback data
    title: str
    path: str
    steps: list[SopStep]


def short_key(doc_key: str) -> str:
    return hashlib.sha1(doc_key.encode()).hexdigest()[:10]


def find_product(reader: IndexReader, name: str) -> ProductCard | None:
    """Fuzzy match on product names, SKUs and what staff call them ("ap300", "净化器pro", "小蓝袋")."""
    records = reader.product_chunks()
    if not records or not name.strip():
        return None
    choices = {
        i: for_matching(f"{c.metadata.get('product', '')} {c.metadata.get('sku', '')} {c.metadata.get('aliases', '')}")
        for i, (c, _) in enumerate(records)
    }
    best = process.extractOne(for_matching(name), choices, scorer=fuzz.WRatio)
    if best is None or best[1] < PRODUCT_MATCH_MIN:
        return None
    chunk, document = records[best[2]]
    return ProductCard(chunk, document)


def find_sop(reader: IndexReader, name: str) -> SopWalk | None:
    with reader.pinned():
        return _find_sop(reader, name)


def _find_sop(reader: IndexReader, name: str) -> SopWalk | None:
    sops = [d for d in reader.documents().values() if d.doc_type == "sop"]
    if not sops or not name.strip():
        return None
    choices = {d.doc_key: for_matching(f"{d.title} {d.path}") for d in sops}
    best = process.extractOne(for_matching(name), choices, scorer=fuzz.WRatio)
    if best is None or best[1] < SOP_MATCH_MIN:
        return None
    return sop_walk(reader, next(d for d in sops if d.doc_key == best[2]))


def sop_by_key(reader: IndexReader, key: str) -> SopWalk | None:
    with reader.pinned():
        for document in reader.documents().values():
            if short_key(document.doc_key) == key:
                return sop_walk(reader, document)
        return None


def sop_walk(reader: IndexReader, document: DocumentRecord) -> SopWalk:
    """An SOP as a list of steps: each numbered line (with the lines that follow it)
    is one step, shown with the section it belongs to."""
    steps: list[SopStep] = []
    for chunk in reader.document_chunks(document.doc_key):
        lines = [line for line in chunk.text.splitlines() if line.strip()]
        heading = chunk.section.split(" › ")[-1] if chunk.section else None
        if lines and heading and for_matching(lines[0]) == for_matching(heading):
            lines = lines[1:]
        current: list[str] = []
        for line in lines:
            if STEP_MARKER.match(line) and current:
                steps.append(SopStep(chunk.section, "\n".join(current)))
                current = []
            current.append(line)
        if current:
            steps.append(SopStep(chunk.section, "\n".join(current)))
    return SopWalk(short_key(document.doc_key), document.title, document.path, steps)
