"""SOPs: one chunk per section, numbered steps kept together under their heading."""

from __future__ import annotations

from ingest.chunkers.common import ChunkLimits, block_lines, sections
from ingest.chunkers.course import fit_sentence, pack
from ingest.document import Chunk, LoadedDocument
from ingest.normalize import split_sentences


def chunk(document: LoadedDocument, title: str, limits: ChunkLimits) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in sections(document, title):
        heading = section.path[-1] if section.path else None
        lines = [
            piece
            for block in section.blocks
            for line in block_lines(block)
            for piece in _split_long(line, limits)
        ]
        steps = sum(1 for b in section.blocks if b.kind == "list_item")
        for part in _parts(lines, limits.sop_section_max_chars, heading):
            chunks.append(
                Chunk(text=part, section=section.name, metadata={"steps": str(steps)})
            )
    return chunks


def _split_long(line: str, limits: ChunkLimits) -> list[str]:
    """A paragraph far longer than a section may be (scraped text often has no line
    breaks) is cut at sentence boundaries like course text."""
    if len(line) <= limits.sop_section_max_chars:
        return [line]
    sentences = [piece for s in split_sentences(line) for piece in fit_sentence(s, limits.chunk_chars)]
    return pack(sentences, limits.chunk_chars, limits.overlap_chars)


def _parts(lines: list[str], max_chars: int, heading: str | None) -> list[str]:
    """Whole section when it fits; else pieces cut between lines, each repeating the
    heading so a step is never shown without the procedure it belongs to."""
    prefix = f"{heading}\n" if heading else ""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        if current and size + len(line) > max_chars:
            parts.append(prefix + "\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        parts.append(prefix + "\n".join(current))
    return parts
