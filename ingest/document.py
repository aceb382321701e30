"""What loaders produce and chunkers consume: a document as a list of typed blocks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["heading", "paragraph", "list_item", "table"]
# What a piece of a passage is: a product field, an SOP step or rule, a table row with its
# headers, a question with its answer (FAQ), or a sentence of running text.
PartKind = Literal["field", "step", "row", "qa", "sentence"]
DocType = Literal["sop", "fab", "course"]
DOC_TYPES: tuple[DocType, ...] = ("sop", "fab", "course")

# How a numbered step or rule starts, however it is numbered: "1." "2、" "3)" "第一步"
# "①" "Step 4" "• ". The one grammar of steps: loaders, chunkers and walk-throughs use it.
_CN_DIGITS = "一二三四五六七八九十百零〇"
STEP_MARKER = re.compile(rf"^(\d{{1,2}}[.、)）](?!\d)|[（(]\d{{1,2}}[)）]|第[{_CN_DIGITS}\d]+步|[①-⑳]|step\s*\d+[.:：]?|•)",
                         re.IGNORECASE)


class LoadError(Exception):
    """A file that cannot be ingested; the message is shown to the content owner as is."""


@dataclass
class Block:
    kind: BlockKind
    text: str = ""
    level: int = 0  # heading level (1 = top); list nesting for list items
    rows: list[list[str]] = field(default_factory=list)  # table cells, header row(s) included
    name: str = ""  # sheet name for spreadsheet tables


@dataclass
class LoadedDocument:
    blocks: list[Block]
    title: str | None = None
    doc_type: DocType | None = None  # from front matter, when the author said so
    metadata: dict[str, str] = field(default_factory=dict)

    def plain_text(self) -> str:
        parts: list[str] = []
        for block in self.blocks:
            if block.kind == "table":
                parts.extend(" ".join(cell for cell in row if cell) for row in block.rows)
            else:
                parts.append(block.text)
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class Part:
    """A piece of a passage that can answer on its own. Answers show the parts that
    answer the question instead of the whole passage, so parts are found once, at
    ingest, from the document's structure, and stored with the passage as data."""

    kind: PartKind
    text: str  # as shown, e.g. "异议回复：……" for a field
    field: str | None = None  # the canonical FAB field ("price", "replies"); None for extra columns
    label: str | None = None  # the column or heading it came from, as the author wrote it

    def to_json(self) -> list[str | None]:
        return [self.kind, self.text, self.field, self.label]

    @classmethod
    def from_json(cls, data: list[str | None]) -> Part:
        kind, text, field_name, label = (list(data) + [None, None])[:4]
        return cls(kind, text or "", field_name, label)  # type: ignore[arg-type]


@dataclass
class Chunk:
    """One retrievable passage. `text` is what staff see; `metadata` carries structure;
    `parts` are the pieces an answer may show on their own."""

    text: str
    section: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    parts: list[Part] = field(default_factory=list)
