"""Every product record in the index, as trainers and content owners look them up:
name, SKU, price, category, the document it came from, how many active quiz
questions it has, and each field with the column or heading it was read from."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.quiz.bank import BankQuestion
from ingest.chunkers.fab import FIELDS
from ingest.index import IndexReader
from ingest.lexical import ChunkRecord, DocumentRecord
from ingest.normalize import for_matching
from ingest.registry import Document

PAGE_SIZE = 50


@dataclass
class ProductField:
    field: str | None  # canonical field; None for a column or heading kept as a field of its own
    label: str  # the column header or heading as the author wrote it ("" when none: a page's title)
    value: str

    @property
    def read_as(self) -> str:
        """The canonical field in both languages, as the page shows it."""
        if self.field is None:
            return ""
        names = FIELDS.get(self.field)
        if not names:
            return self.field
        return names[1] if names[1] == names[0] else f"{names[1]} {names[0]}"


@dataclass
class Product:
    key: str  # stable while the product keeps its name and file (not its chunk id, which follows its text)
    chunk_id: str
    name: str
    sku: str
    price: str
    category: str
    path: str
    title: str
    doc_type: str
    doc_key: str
    section: str | None
    text: str
    document_id: int | None = None  # the registry's document, for a link to its page
    questions: int = 0  # active bank questions whose topic is the product name
    fields: list[ProductField] = field(default_factory=list)

    def matches(self, wanted: str) -> bool:
        """`wanted` already passed through for_matching."""
        return wanted in for_matching(self.name) or (bool(self.sku) and wanted in for_matching(self.sku))


def product_key(doc_key: str, name: str, occurrence: int) -> str:
    return hashlib.sha1(f"{doc_key}\0{for_matching(name)}\0{occurrence}".encode()).hexdigest()[:16]


def _fields(chunk: ChunkRecord) -> list[ProductField]:
    return [ProductField(p.field, p.label or "", p.value if p.value is not None else p.text)
            for p in chunk.parts if p.kind == "field"]


def products(reader: IndexReader, db: Session) -> list[Product]:
    """Every product record in the published index, once each, in the order of their
    documents (path) and of the records within them."""
    records: list[tuple[ChunkRecord, DocumentRecord]] = sorted(
        reader.product_chunks(), key=lambda r: (r[1].path, r[1].doc_key, r[0].ord))
    seen: Counter[tuple[str, str]] = Counter()
    listed: list[Product] = []
    for chunk, document in records:
        name = chunk.metadata.get("product", "")
        occurrence = seen[(document.doc_key, for_matching(name))]
        seen[(document.doc_key, for_matching(name))] += 1
        listed.append(Product(
            key=product_key(document.doc_key, name, occurrence), chunk_id=chunk.id, name=name,
            sku=chunk.metadata.get("sku", ""), price=chunk.metadata.get("price", ""),
            category=chunk.metadata.get("category", ""), path=document.path, title=document.title,
            doc_type=document.doc_type, doc_key=document.doc_key, section=chunk.section, text=chunk.text,
            fields=_fields(chunk)))
    keys = {p.doc_key for p in listed}
    ids: dict[str, int] = {}
    if keys:
        ids = {key: number for key, number in db.execute(select(Document.doc_key, Document.id).where(
            Document.doc_key.in_(keys), Document.status == "active"))}
    counts = question_counts(db, {p.name for p in listed})
    for product in listed:
        product.document_id = ids.get(product.doc_key)
        product.questions = counts.get(product.name, 0)
    return listed


def question_counts(db: Session, names: set[str]) -> dict[str, int]:
    if not names:
        return {}
    rows = db.execute(select(BankQuestion.topic, func.count()).where(
        BankQuestion.status == "active", BankQuestion.topic.in_(names)).group_by(BankQuestion.topic))
    return {topic: int(count) for topic, count in rows}


def search(listed: list[Product], query: str) -> list[Product]:
    """Name or SKU, case-insensitive; full-width, traditional characters and pinyin
    annotations read as the index reads them."""
    wanted = for_matching(query).strip()
    return [p for p in listed if p.matches(wanted)] if wanted else listed


def questions_of(db: Session, name: str) -> list[BankQuestion]:
    """The product's bank questions, active first."""
    order = {"active": 0, "disabled": 1, "retired": 2}
    found = list(db.scalars(select(BankQuestion).where(BankQuestion.topic == name).order_by(BankQuestion.id)))
    return sorted(found, key=lambda q: order.get(q.status, 3))
