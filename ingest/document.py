"""What loaders produce and chunkers consume: a document as a list of typed blocks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["heading", "paragraph", "list_item", "table"]
DocType = Literal["sop", "fab", "course"]
DOC_TYPES: tuple[DocType, ...] = ("sop", "fab", "course")


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


@dataclass
class Chunk:
    """One retrievable passage. `text` is what staff see; `metadata` carries structure."""

    text: str
    section: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
