"""Course material: split at headings, then at sentence boundaries with overlap."""

from __future__ import annotations

import re

from ingest.chunkers.common import ChunkLimits, block_lines, prose_parts, sections
from ingest.document import Chunk, LoadedDocument
from ingest.normalize import split_sentences

_SOFT_BREAK = re.compile(r"(?<=[，,、：:])")


def chunk(document: LoadedDocument, title: str, limits: ChunkLimits) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in sections(document, title):
        sentences: list[str] = []
        for block in section.blocks:
            for line in block_lines(block):
                for sentence in split_sentences(line):
                    sentences.extend(fit_sentence(sentence, limits.chunk_chars))
        for text in pack(sentences, limits.chunk_chars, limits.overlap_chars):
            chunks.append(Chunk(text=text, section=section.name, parts=prose_parts(text.splitlines())))
    return chunks


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
