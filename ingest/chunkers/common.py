"""Pieces every chunker shares: walking sections and rendering blocks as text."""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.document import Block, LoadedDocument
from ingest.normalize import for_matching

SECTION_SEPARATOR = " › "


@dataclass(frozen=True)
class ChunkLimits:
    chunk_chars: int = 420
    overlap_chars: int = 80
    sop_section_max_chars: int = 1200


@dataclass
class Section:
    path: list[str]
    blocks: list[Block] = field(default_factory=list)

    @property
    def name(self) -> str | None:
        return SECTION_SEPARATOR.join(self.path) or None


def sections(document: LoadedDocument, title: str) -> list[Section]:
    """Split blocks at headings; the path lists the headings above each block.

    A top heading that only repeats the document title is not part of the path."""
    title_key = for_matching(title)
    out: list[Section] = [Section(path=[])]
    stack: list[tuple[int, str]] = []
    for block in document.blocks:
        if block.kind != "heading":
            out[-1].blocks.append(block)
            continue
        heading_key = for_matching(block.text)
        if not stack and (heading_key == title_key or title_key in heading_key or heading_key in title_key):
            continue
        while stack and stack[-1][0] >= block.level:
            stack.pop()
        stack.append((block.level, block.text))
        out.append(Section(path=[text for _, text in stack]))
    return [s for s in out if s.blocks]


def render_table(rows: list[list[str]]) -> list[str]:
    """Each data row as 'header: value' pairs, so a row never loses its headers."""
    if len(rows) < 2:
        return ["；".join(c for c in row if c) for row in rows if any(row)]
    header = rows[0]
    lines: list[str] = []
    for row in rows[1:]:
        pairs = [
            f"{header[i]}：{cell}" if i < len(header) and header[i] else cell
            for i, cell in enumerate(row)
            if cell
        ]
        if pairs:
            lines.append("；".join(pairs))
    return lines


def block_lines(block: Block) -> list[str]:
    if block.kind == "table":
        return render_table(block.rows)
    return [block.text] if block.text else []
