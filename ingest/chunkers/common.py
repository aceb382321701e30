"""Pieces every chunker shares: walking sections and rendering blocks as text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.document import STEP_MARKER, Block, LoadedDocument, Part
from ingest.normalize import for_matching, split_sentences

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

    The document's first heading, when it only repeats the title ("# 退货流程（2026版）"
    for the title 退货流程), is not part of the path. A later heading is always kept,
    even when its words are part of the title ("## Opening" under "Store Opening and
    Closing SOP")."""
    title_key = for_matching(title)
    out: list[Section] = [Section(path=[])]
    stack: list[tuple[int, str]] = []
    first = True
    for block in document.blocks:
        if block.kind != "heading":
            out[-1].blocks.append(block)
            continue
        heading_key = for_matching(block.text)
        repeats_title = heading_key == title_key or title_key in heading_key or (
            heading_key in title_key  # "退货流程" for the file name's "退货流程_2026", not "opening"
            and (title_key.startswith(heading_key) or len(heading_key) * 3 >= len(title_key) * 2))
        if first and repeats_title:
            first = False
            continue
        first = False
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


# A question, or a customer's objection, and what answers it: FAQ pairs and objection
# pairs ("顾客：…" / "回应：…") are shown together.
_QUESTION = re.compile(r"^(q\d*|问|question|(顾客|客户|客人)[说问]?|customers?( says| asks)?)\s*[:：.、]",
                       re.IGNORECASE)
# "答：", "回复参考：", "可以这样回：", "Suggested reply:"
_ANSWER = re.compile(r"^((a|答|answer|回应|回复|应答|导购|reply|response)\s*[:：.、]|→"
                     r"|(参考|建议|推荐)?(回复|回应|答法|话术|回答)(参考|建议)?\s*[:：]|可以这样[回说答接讲]\S{0,2}\s*[:：]"
                     r"|(suggested|sample) (reply|answer|response)\s*:)", re.IGNORECASE)
# A paragraph this short is one rule or statement; longer ones are cut into sentences.
WHOLE_PARAGRAPH_CHARS = 80


def prose_parts(lines: list[str]) -> list[Part]:
    """The parts of running text: numbered steps whole, other lines cut into sentences,
    and a question followed by its answer (FAQ, "Q:/A:", "问：/答：") kept together."""
    pieces: list[tuple[str, str]] = []
    for line in (x.strip() for x in lines):
        if not line:
            continue
        if STEP_MARKER.match(line):
            pieces.append(("step", line))
        elif len(line) <= WHOLE_PARAGRAPH_CHARS or _QUESTION.match(line) or _ANSWER.match(line):
            pieces.append(("sentence", line))
        else:
            pieces.extend(("sentence", s) for s in split_sentences(line))
    parts: list[Part] = []
    i = 0
    while i < len(pieces):
        kind, text = pieces[i]
        following = pieces[i + 1][1] if i + 1 < len(pieces) else None
        # a question and its answer; any line and the reply labelled as answering it
        # ("顾客说温奶器会闲置。" / "回应：可以解冻母乳……")
        if following is not None and (
                (_is_question(text) and not _is_question(following))
                or (kind != "step" and _ANSWER.match(following) and not _ANSWER.match(text))):
            parts.append(Part("qa", f"{text}\n{following}"))
            i += 2
            continue
        parts.append(Part(kind, text))  # type: ignore[arg-type]
        i += 1
    return parts


def _is_question(text: str) -> bool:
    return bool(_QUESTION.match(text)) or (text.endswith(("？", "?")) and not _ANSWER.match(text))
