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
STEP_MARKER = re.compile(rf"^(\d{{1,2}}[.．、)）](?!\d)|[（(]\d{{1,2}}[)）]|第[{_CN_DIGITS}\d]+步[：:．.、]?|[①-⑳]"
                         rf"|step\s*\d+[.:：]?|•)", re.IGNORECASE)
_CN_VALUES = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_number(text: str) -> int | None:
    """"三" -> 3, "十二" -> 12, "7" -> 7; None for anything else."""
    if text.isdigit():
        return int(text)
    tens, ten, ones = text.partition("十")
    if not ten:
        return _CN_VALUES.get(text) if len(text) == 1 else None
    if (tens and tens not in _CN_VALUES) or (ones and ones not in _CN_VALUES):
        return None
    return (_CN_VALUES[tens] if tens else 1) * 10 + (_CN_VALUES[ones] if ones else 0)


@dataclass(frozen=True)
class NumberedStep:
    number: int
    text: str  # the step without its marker
    ordinal: bool  # written "第N步" rather than "N."


def numbered_step(line: str) -> NumberedStep | None:
    """The number and text of a numbered step ("2、…", "第三步：…", "③…", "Step 4: …"),
    by the one step grammar; None for bullets and other lines."""
    match = STEP_MARKER.match(line.strip())
    if not match:
        return None
    marker, rest = match.group(0), line.strip()[match.end():].strip()
    if marker.startswith("第"):
        number = chinese_number(marker[1:].rstrip("：:．.、").removesuffix("步"))
    elif "\u2460" <= marker <= "\u2473":
        number = ord(marker) - 0x2460 + 1
    else:
        digits = re.search(r"\d+", marker)
        number = int(digits.group(0)) if digits else None
    if number is None or not rest:
        return None
    return NumberedStep(number, rest, marker.startswith("第"))


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
    value: str | None = None  # a field's value alone, as the author wrote it (text is label + value)

    def to_json(self) -> list[str | None]:
        return [self.kind, self.text, self.field, self.label, self.value]

    @property
    def searchable(self) -> str:
        """What a question may match: the text, and the author's label where the text
        shows the field's own ("适用人群：12–17kg" came from "适合多大的宝宝")."""
        return f"{self.text}\n{self.label}" if self.label and self.label not in self.text else self.text

    @classmethod
    def from_json(cls, data: list[str | None]) -> Part:
        kind, text, field_name, label, value = (list(data) + [None, None, None])[:5]
        return cls(kind, text or "", field_name, label, value)  # type: ignore[arg-type]


@dataclass
class Chunk:
    """One retrievable passage. `text` is what staff see; `metadata` carries structure;
    `parts` are the pieces an answer may show on their own."""

    text: str
    section: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    parts: list[Part] = field(default_factory=list)
