"""Markdown and plain text, in whatever encoding a store's PC saved them."""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

import charset_normalizer
import frontmatter
from markdown_it import MarkdownIt

from ingest.document import DOC_TYPES, STEP_MARKER, Block, LoadedDocument, LoadError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+)$")
_CN_NUM = "一二三四五六七八九十百零〇"
_CHAPTER = re.compile(rf"^第[{_CN_NUM}\d]+[章节部分篇]\s*\S")
_CN_HEADING = re.compile(rf"^[{_CN_NUM}]+[、.．]\s*\S")
_CN_SUBHEADING = re.compile(rf"^[（(][{_CN_NUM}]+[)）]\s*\S")
_DOTTED_HEADING = re.compile(r"^\d+(\.\d+)+\s*[^\d.\s]")
_BRACKET_HEADING = re.compile(r"^【[^】]{1,16}】$")  # "【好在哪】" on a line of its own
_RULE_LINE = re.compile(r"^[=\-*_~#·•.—–━─]{3,}$")
BULLET = re.compile(r"^[-*•·●▪]\s+")
_SENTENCE_END = re.compile(r"[。！？!?；;：:，,]$")
# A label line: short, with no punctuation of a sentence ("常见问题", "F 特点", "How to use").
_LABEL_LINE = re.compile(r"^[^，,。.：:；;！!？?、“”\"()（）《》]{1,16}$")
# What opens the content under a label: a bullet or step, or "问：" / "顾客：" / "Q:".
_LABELLED_START = re.compile(r"^\S{1,8}\s?[：:]")


def decode_bytes(data: bytes) -> str:
    """Decode text of unknown encoding; refuse binary data posing as text."""
    if not data.strip():
        raise LoadError("the file is empty")
    text: str | None = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = data.decode(encoding, errors="replace")
            break
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            best = charset_normalizer.from_bytes(data).best()
            if best is None:
                raise LoadError("not readable text: binary data or an unknown encoding") from None
            text = str(best)
    if not text.strip():
        raise LoadError("the file is empty")
    if len(_CONTROL.findall(text)) > max(3, len(text) // 50):
        raise LoadError("not readable text: it looks like binary data")
    return text


def read_text(path: Path) -> str:
    return decode_bytes(path.read_bytes())


def classify_lines(lines: list[str]) -> list[Block]:
    """Recover headings, numbered steps and paragraphs from unmarked text lines."""
    blocks: list[Block] = []
    for raw in lines:
        line = raw.strip()
        if not line or _RULE_LINE.match(line):
            continue  # "=====": a frame drawn with characters says nothing
        short = len(line) <= 40 and not _SENTENCE_END.search(line)
        if m := _MD_HEADING.match(line):
            blocks.append(Block("heading", m.group(2).strip(), level=len(m.group(1))))
        elif short and (_CHAPTER.match(line) or _CN_HEADING.match(line) or _BRACKET_HEADING.match(line)):
            blocks.append(Block("heading", line, level=2))
        elif short and (_CN_SUBHEADING.match(line) or _DOTTED_HEADING.match(line)):
            blocks.append(Block("heading", line, level=3))
        elif STEP_MARKER.match(line):
            blocks.append(Block("list_item", line, level=1))
        elif BULLET.match(line):
            blocks.append(Block("list_item", "• " + BULLET.sub("", line), level=1))
        else:
            blocks.append(Block("paragraph", line))
    return _label_headings(blocks)


def _label_headings(blocks: list[Block]) -> list[Block]:
    """A short label line over a list or over "问：" / "顾客：" lines is a heading the
    text lost its markup for (PDF and plain-text exports of formatted pages)."""
    for block, following in zip(blocks, blocks[1:], strict=False):
        if (block.kind == "paragraph" and _LABEL_LINE.match(block.text) and not block.text[-1:].isdigit()
                and (following.kind == "list_item" or _LABELLED_START.match(following.text))):
            block.kind, block.level = "heading", 2
    return blocks


def title_from_first_line(blocks: list[Block]) -> str | None:
    """Plain files usually open with their title on a line of its own."""
    if len(blocks) > 1 and blocks[0].kind in ("paragraph", "heading") and len(blocks[0].text) <= 60:
        first = blocks[0]
        first.kind, first.level = "heading", 1
        return first.text
    return None


def load_plain(path: Path) -> LoadedDocument:
    blocks = classify_lines(read_text(path).splitlines())
    if not blocks:
        raise LoadError("the file has no text")
    return LoadedDocument(blocks=blocks, title=title_from_first_line(blocks))


def _doc_type(metadata: dict[str, Any]) -> Any:
    value = str(metadata.get("type", "")).strip().lower()
    return value if value in DOC_TYPES else None


def load_markdown(path: Path) -> LoadedDocument:
    text = read_text(path)
    try:
        post = frontmatter.loads(text)
        metadata, body = dict(post.metadata), post.content
    except Exception:  # malformed front matter: treat the whole file as body
        metadata, body = {}, text
    blocks = markdown_blocks(body)
    if not blocks:
        raise LoadError("the file has no text")
    title = str(metadata.get("title") or "") or next(
        (b.text for b in blocks if b.kind == "heading" and b.level == 1), None
    )
    return LoadedDocument(
        blocks=blocks,
        title=title,
        doc_type=_doc_type(metadata),
        metadata={k: str(v) for k, v in metadata.items()},
    )


def markdown_blocks(body: str) -> list[Block]:
    tokens = MarkdownIt("commonmark").enable("table").parse(body)
    blocks: list[Block] = []
    lists: list[list[int]] = []  # stack of [is_ordered, next_number]
    table: list[list[str]] | None = None
    row: list[str] = []
    heading_level = 0
    for i, tok in enumerate(tokens):
        kind = tok.type
        if kind == "heading_open":
            heading_level = int(tok.tag[1])
        elif kind == "ordered_list_open":
            lists.append([1, int(str(tok.attrGet("start") or 1))])
        elif kind == "bullet_list_open":
            lists.append([0, 0])
        elif kind in ("ordered_list_close", "bullet_list_close"):
            lists.pop()
        elif kind == "table_open":
            table = []
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and table is not None:
            table.append(row)
        elif kind == "table_close" and table is not None:
            blocks.append(Block("table", rows=table))
            table = None
        elif kind == "inline":
            content = _inline_text(tok)
            if table is not None:
                row.append(content)
            elif not content:
                continue
            elif heading_level:
                blocks.append(Block("heading", content, level=heading_level))
                heading_level = 0
            elif lists and tokens[i - 1].type == "paragraph_open" and _first_in_item(tokens, i):
                ordered = lists[-1]
                prefix = f"{ordered[1]}. " if ordered[0] else "• "
                if ordered[0]:
                    ordered[1] += 1
                blocks.append(Block("list_item", prefix + content, level=len(lists)))
            else:
                blocks.append(Block("paragraph", content))
        elif kind in ("fence", "code_block") and tok.content.strip():
            blocks.append(Block("paragraph", tok.content.strip()))
    return blocks


def _inline_text(token: Any) -> str:
    """Inline text without Markdown markup (**bold**, `code`, links keep their words)."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts).strip()


def _first_in_item(tokens: list[Any], i: int) -> bool:
    """True for the first paragraph of a list item (later ones continue the same step)."""
    return i >= 2 and tokens[i - 2].type == "list_item_open"
