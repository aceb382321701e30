"""SOPs: one chunk per section, numbered steps kept together under their heading."""

from __future__ import annotations

from ingest.chunkers.common import ChunkLimits, prose_parts, render_table, sections
from ingest.chunkers.course import fit_sentence, pack
from ingest.document import Block, Chunk, LoadedDocument, Part
from ingest.normalize import split_sentences


def chunk(document: LoadedDocument, title: str, limits: ChunkLimits) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in sections(document, title):
        heading = section.path[-1] if section.path else None
        lines = [line for block in section.blocks for line in _block_lines(block, limits)]
        steps = sum(1 for b in section.blocks if b.kind == "list_item")
        for text, parts in _pieces(lines, limits.sop_section_max_chars, heading):
            chunks.append(Chunk(text=text, section=section.name, metadata={"steps": str(steps)}, parts=parts))
    return chunks


Line = tuple[str, list[Part]]  # a line of the section as written, and its parts


def _block_lines(block: Block, limits: ChunkLimits) -> list[Line]:
    """A block's lines with their parts: table rows with their headers, steps whole,
    rules and sentences of paragraphs."""
    if block.kind == "table":
        return [(line, [Part("row", line)]) for line in render_table(block.rows)]
    if not block.text:
        return []
    if block.kind == "list_item":
        return [(block.text, [Part("step", block.text)])]
    return [(line, prose_parts([line])) for line in _split_long(block.text, limits)]


def _split_long(line: str, limits: ChunkLimits) -> list[str]:
    """A paragraph far longer than a section may be (scraped text often has no line
    breaks) is cut at sentence boundaries like course text."""
    if len(line) <= limits.sop_section_max_chars:
        return [line]
    sentences = [piece for s in split_sentences(line) for piece in fit_sentence(s, limits.chunk_chars)]
    return pack(sentences, limits.chunk_chars, limits.overlap_chars)


def _pieces(lines: list[Line], max_chars: int, heading: str | None) -> list[Line]:
    """Whole section when it fits; else pieces cut between lines, each repeating the
    heading so a step is never shown without the procedure it belongs to."""
    prefix = f"{heading}\n" if heading else ""
    pieces: list[Line] = []
    current: list[Line] = []
    size = 0
    for line in lines:
        if current and size + len(line[0]) > max_chars:
            pieces.append(_joined(prefix, current))
            current, size = [], 0
        current.append(line)
        size += len(line[0]) + 1
    if current:
        pieces.append(_joined(prefix, current))
    return pieces


def _joined(prefix: str, lines: list[Line]) -> Line:
    return prefix + "\n".join(text for text, _ in lines), [part for _, parts in lines for part in parts]
