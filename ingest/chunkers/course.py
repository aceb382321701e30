"""Course material: split at headings, then at sentence boundaries with overlap."""

from __future__ import annotations

import re

from ingest.chunkers.common import ChunkLimits, block_lines, prose_parts, render_table, sections
from ingest.document import Chunk, LoadedDocument, Part
from ingest.normalize import split_sentences

_SOFT_BREAK = re.compile(r"(?<=[，,、：:])")


def chunk(document: LoadedDocument, title: str, limits: ChunkLimits) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in sections(document, title):
        sentences: list[str] = []
        rows: set[str] = set()
        for block in section.blocks:
            if block.kind == "table":
                # a row with its headers is one fact: never cut into sentences, on a line of its own
                for row in render_table(block.rows):
                    pieces = fit_sentence(row, limits.chunk_chars)
                    rows.update(pieces)
                    sentences.extend(f"\n{piece}\n" for piece in pieces)
                continue
            for line in block_lines(block):
                pieces = [p for s in split_sentences(line) for p in fit_sentence(s, limits.chunk_chars)]
                if pieces:
                    pieces[-1] += "\n"  # a paragraph or list item ends its line: steps stay apart
                sentences.extend(pieces)
        for packed in pack(sentences, limits.chunk_chars, limits.overlap_chars):
            text = _BLANK_LINES.sub("\n", packed).strip()
            chunks.append(Chunk(text=text, section=section.name, parts=_parts(text.splitlines(), rows)))
    return chunks


_BLANK_LINES = re.compile(r"\s*\n\s*")


def _parts(lines: list[str], rows: set[str]) -> list[Part]:
    """Table rows as rows; the running text between them as prose."""
    parts: list[Part] = []
    prose: list[str] = []
    for line in lines:
        if line in rows:
            parts.extend(prose_parts(prose))
            prose = []
            parts.append(Part("row", line))
        else:
            prose.append(line)
    return parts + prose_parts(prose)


def fit_sentence(sentence: str, limit: int) -> list[str]:
    """A run-on sentence longer than a chunk is cut at commas, or hard as a last resort."""
    if len(sentence) <= limit:
        return [sentence]
    pieces: list[str] = []
    current = ""
    for piece in _SOFT_BREAK.split(sentence):
        while len(piece) > limit:
            pieces.append(current + piece[: limit - len(current)])
            piece, current = piece[limit - len(current) :], ""
        if len(current) + len(piece) > limit:
            pieces.append(current)
            current = ""
        current += piece
    if current:
        pieces.append(current)
    return pieces


def pack(sentences: list[str], limit: int, overlap: int) -> list[str]:
    """Greedy packing; each chunk starts with the last sentences of the previous one
    (up to `overlap` characters) so an answer spanning a boundary stays whole."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in sentences:
        if current and size + len(sentence) > limit:
            chunks.append(_join(current))
            carry: list[str] = []
            carried = 0
            for previous in reversed(current):
                if carried + len(previous) > overlap:
                    break
                carry.insert(0, previous)
                carried += len(previous)
            current, size = carry, carried
        current.append(sentence)
        size += len(sentence)
    if current:
        chunks.append(_join(current))
    return chunks


def _join(sentences: list[str]) -> str:
    out = ""
    for s in sentences:
        needs_space = out and out[-1].isascii() and out[-1] not in "\n" and s[:1].isascii()
        out += (" " if needs_space else "") + s
    return out
