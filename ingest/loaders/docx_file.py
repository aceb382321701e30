"""Word documents: heading styles give structure, tables keep their header row."""

from __future__ import annotations

import re
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.table import Table
from docx.text.paragraph import Paragraph

from ingest.document import Block, LoadedDocument, LoadError
from ingest.loaders.archive import check_zip
from ingest.loaders.text_file import classify_lines

_HEADING_STYLE = re.compile(r"^(heading|标题|標題)\s*(\d)$", re.IGNORECASE)


def load(path: Path) -> LoadedDocument:
    check_zip(path, "Word .docx")
    try:
        document: DocxDocument = docx.Document(str(path))
    except Exception as exc:
        if "depth" in str(exc).lower():  # lxml refuses XML nested deeper than 256 levels
            raise LoadError("refused: the Word .docx file is nested too deeply to read") from None
        raise LoadError("not a valid Word .docx file (corrupt, or another format renamed)") from None
    try:  # python-docx reads the body lazily, so malformed XML can surface only here
        blocks = _blocks(document)
    except Exception:
        raise LoadError("not a valid Word .docx file (its main part is malformed)") from None
    if not blocks:
        raise LoadError("the document has no text")
    title = (document.core_properties.title or "").strip() or next(
        (b.text for b in blocks if b.kind == "heading"), None
    )
    return LoadedDocument(blocks=blocks, title=title)


def _blocks(document: DocxDocument) -> list[Block]:
    blocks: list[Block] = []
    numbers: dict[int, int] = {}
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            rows = [[cell.text.strip() for cell in row.cells] for row in item.rows]
            rows = [_dedupe_merged(r) for r in rows if any(r)]
            if rows:
                blocks.append(Block("table", rows=rows))
        elif isinstance(item, Paragraph):
            blocks.extend(_paragraph_blocks(item, numbers))
    return blocks


def _paragraph_blocks(paragraph: Paragraph, numbers: dict[int, int]) -> list[Block]:
    text = paragraph.text.strip()
    if not text:
        return []
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if style.lower() == "title":
        return [Block("heading", text, level=1)]
    if m := _HEADING_STYLE.match(style.strip()):
        numbers.clear()
        return [Block("heading", text, level=int(m.group(2)) + 1)]
    if "list number" in style.lower():
        level = 1
        numbers[level] = numbers.get(level, 0) + 1
        return [Block("list_item", f"{numbers[level]}. {text}", level=level)]
    if "list" in style.lower():
        return [Block("list_item", "• " + text, level=1)]
    return classify_lines(text.splitlines())


def _dedupe_merged(row: list[str]) -> list[str]:
    """Merged cells repeat their text in python-docx; keep the first copy only."""
    out: list[str] = []
    for i, cell in enumerate(row):
        out.append("" if i and cell and cell == row[i - 1] else cell)
    return out
