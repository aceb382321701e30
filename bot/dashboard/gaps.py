"""Knowledge gaps grouped by meaning, so content owners see "12 people asked about
the spare filter's price" instead of twelve lines."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store import KnowledgeGap, Store
from ingest.embedder import Embedder

SAME_GAP = 0.72  # cosine similarity of two questions about the same missing thing


@dataclass
class GapGroup:
    ids: list[int] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    stores: set[str] = field(default_factory=set)
    closest: list[dict[str, object]] = field(default_factory=list)
    last_asked: str = ""

    @property
    def count(self) -> int:
        return len(self.ids)


def group_gaps(db: Session, embedder: Embedder) -> list[GapGroup]:
    """Open gaps, grouped greedily: each gap joins the first group whose first question
    is close enough, else starts its own. Biggest groups first."""
    gaps = list(db.scalars(select(KnowledgeGap).where(KnowledgeGap.resolved.is_(False))
                           .order_by(KnowledgeGap.id.desc())))
    if not gaps:
        return []
    stores = {s.id: s.name for s in db.scalars(select(Store))}
    vectors = np.asarray(embedder.embed_documents([g.question for g in gaps]), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    groups: list[GapGroup] = []
    heads: list[np.ndarray] = []
    for gap, vector in zip(gaps, vectors, strict=True):
        match = next((i for i, head in enumerate(heads) if float(head @ vector) >= SAME_GAP), None)
        if match is None:
            groups.append(GapGroup(closest=json.loads(gap.closest)[:3],
                                   last_asked=gap.created_at.isoformat(sep=" ", timespec="minutes")))
            heads.append(vector)
            match = len(groups) - 1
        group = groups[match]
        group.ids.append(gap.id)
        if gap.question not in group.questions:
            group.questions.append(gap.question)
        if gap.store_id in stores:
            group.stores.add(stores[gap.store_id])
    return sorted(groups, key=lambda g: -g.count)
