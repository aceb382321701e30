"""What an ingest run tells the content owner: per file, what happened and why."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Literal

Status = Literal["added", "updated", "removed", "unchanged", "failed", "skipped"]
ORDER: tuple[Status, ...] = ("added", "updated", "removed", "unchanged", "failed", "skipped")


@dataclass
class FileOutcome:
    path: str
    status: Status
    doc_type: str | None = None
    chunks: int = 0
    version: int | None = None
    reason: str | None = None
    # product records: each column or heading as written -> the field it became (None: kept as is)
    fields: list[tuple[str, str | None]] = field(default_factory=list)


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    generation: str | None = None
    seconds: float = 0.0
    embedded_chunks: int = 0

    def counts(self) -> dict[str, int]:
        counter = Counter(o.status for o in self.outcomes)
        return {status: counter.get(status, 0) for status in ORDER}

    @property
    def nothing_done(self) -> bool:
        """True when no file could be used at all: the only case that exits non-zero."""
        return not any(o.status in ("added", "updated", "removed", "unchanged") for o in self.outcomes)

    def to_dict(self) -> dict[str, object]:
        return {
            "counts": self.counts(),
            "generation": self.generation,
            "seconds": round(self.seconds, 3),
            "embedded_chunks": self.embedded_chunks,
            "files": [asdict(o) for o in self.outcomes],
        }

    def render(self) -> str:
        lines = []
        for outcome in sorted(self.outcomes, key=lambda o: (ORDER.index(o.status), o.path)):
            detail = []
            if outcome.doc_type:
                detail.append(outcome.doc_type)
            if outcome.status in ("added", "updated", "unchanged"):
                detail.append(f"{outcome.chunks} chunks")
            if outcome.version and outcome.status in ("added", "updated"):
                detail.append(f"v{outcome.version}")
            text = f"  {outcome.status:<9} {outcome.path}"
            if detail:
                text += f"  ({', '.join(detail)})"
            if outcome.reason:
                text += f"  — {outcome.reason}"
            lines.append(text)
            if outcome.fields:
                lines.append(_fields_line(outcome.fields))
        counts = self.counts()
        summary = ", ".join(f"{n} {status}" for status, n in counts.items() if n) or "no files"
        lines.append(f"Ingest: {summary} in {self.seconds:.1f} s"
                     + (f"; index {self.generation}" if self.generation else "; index unchanged"))
        return "\n".join(lines)


def _fields_line(fields: list[tuple[str, str | None]]) -> str:
    """"品名 → product, 零售价 → price; kept as they are: 适用肤质" — what a content
    owner checks, and corrects with the fab_columns setting."""
    mapped = [f"{label} → {name}" for label, name in fields if name]
    kept = [label for label, name in fields if not name]
    text = "            fields: " + (", ".join(mapped) or "none")
    if kept:
        text += "; kept as they are: " + ", ".join(kept)
    return text
