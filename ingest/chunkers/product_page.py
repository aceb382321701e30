"""A product's own page (a Markdown, Word or PDF one-pager: the product's name and code
in the title, a price line, feature / advantage / benefit sections, how to use, FAQ,
objections) is a product record like a row of a FAB sheet: the same fields, each with
the heading it came from, so /product, quizzes and the dashboard see it.

A page is recognised by what it holds, not by its layout: sections (or "label：value"
lines) that read as two or more selling fields, under a title that names one product,
with a product code or a price (a lesson on FAB selling has the sections, not a price).
Sections that are not record fields (how to use, FAQ, objections) stay passages of
their own, tagged with the product so follow-ups and rankings know what they are about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.chunkers import fab
from ingest.chunkers.common import SECTION_SEPARATOR, ChunkLimits, sections
from ingest.chunkers.fab import FIELDS, RECORD_METADATA, HeaderMeaning, field_part, map_header
from ingest.document import Block, Chunk, LoadedDocument, Part, numbered_step
from ingest.normalize import for_matching, has_cjk

# Fields a page's sections become in its record; objections, replies and FAQ keep their
# question/answer shape as passages of their own.
RECORD_FIELDS = ("sku", "aliases", "price", "category", "features", "advantages", "benefits", "audience", "selling_lines")
SELLING_FIELDS = frozenset({"features", "advantages", "benefits", "audience", "selling_lines"})
MIN_SELLING_FIELDS = 2
# A product code: letters and digits, with a digit and a letter ("QZ-SC103", "AP300").
PRODUCT_CODE = re.compile(r"(?<![A-Za-z0-9])(?=[A-Za-z0-9-]*[A-Za-z])(?=[A-Za-z0-9-]*\d)[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)+"
                          r"|(?<![A-Za-z0-9])[A-Z]{1,4}\d{3,}[A-Z]?(?![A-Za-z0-9])")
_LABEL_VALUE = re.compile(r"^\s*(?P<label>[^：:\n]{1,16})[：:]\s*(?P<value>\S.*)$")
# "零售价 ¥899", "RRP CNY 129": a short label and an amount, without a colon
_LABEL_AMOUNT = re.compile(r"^\s*(?P<label>[^\s：:\d¥￥$€]{1,8}|[A-Za-z][A-Za-z ]{1,15}?)\s+"
                           r"(?P<value>(?:[¥￥$€]|CNY|RMB|HK\$)\s?\d.*|\d[\d,]*(?:\.\d+)?\s*(?:元|块).*)$")
# pieces of one line: wide gaps, or a bar or dot between them ("¥899 ｜ 保修两年", "¥1,299 · 会员 9 折")
# or the end of a sentence before another label ("店内昵称：“折折盆”。适用：0–6 岁")
_PIECE_GAP = re.compile(r"\s{2,}|\u3000+|\s*[｜|]\s*|\s+[·•]\s+|(?<=[。；;])\s*(?=[^：:\n。，,]{1,8}[：:])")
_TITLE_SEPARATORS = re.compile(r"[｜|]+|[（(]\s*[)）]|\s{2,}")
# what is left of "（货号 BB-S09）" once the code is taken out
_EMPTY_CODE_LABEL = re.compile(r"[（(\[【〔［]\s*(?:[\u4e00-\u9fff]{0,4}[号码]|sku|item code|code|model|ref)?\s*[:：]?\s*[)）\]】〕］]",
                               re.IGNORECASE)
# the labels a code goes by in a title, outside brackets
_CODE_LABELS = "|".join(re.escape(a) for a in sorted(
    {*FIELDS["sku"][2], "编号", "产品编号", "商品编号", "品号", "item no", "art no", "ref"}, key=len, reverse=True))
MAX_LABEL_CHARS = 24
MAX_PRICE_CHARS = 80
# a heading's own number: "一、" "3." "（二）" "第一部分"
_HEADING_NUMBER = re.compile(r"^(?:第?[一二三四五六七八九十\d]{1,3}(?:[章节部分篇][、.．:：\s]?|[、.．:：]\s*|\s+)"
                             r"|[（(][一二三四五六七八九十\d]{1,3}[)）])\s*")
_BRACKETED = re.compile(r"[（(【\[]([^（）()【】\[\]]{1,12})[）)】\]]")


@dataclass
class ProductPage:
    product: str
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)  # field -> (value, label)
    rest: list[Block] = field(default_factory=list)  # blocks that are not record fields
    labelled: set[str] = field(default_factory=set)  # fields from "label：value" lines
    extra: list[Part] = field(default_factory=list)  # other labelled facts of the top lines

    def read_lines(self, block: Block, seen: set[str], *, top: bool, meaning: HeaderMeaning | None = None) -> None:
        """Take the "label：value" pieces of a paragraph that are record fields ("价格：¥129",
        a second "RRP: CNY 129" joins it); on the page's top lines, other labelled
        pieces ("保修：整机2年") are kept in the record as fields of their own."""
        kept: list[str] = []
        for piece in _labelled(block.text):
            if isinstance(piece, str):
                kept.append(piece)
                continue
            label, value = piece
            if top and len(label) <= MAX_LABEL_CHARS and map_header(label) == "product":
                self.product = value  # "品名：…" names the product better than the file's title
                continue
            # the page's top lines are labelled facts ("门店价：1580元"): read by meaning too
            name = _heading_field(label, meaning if top else None)
            if name is None or (name in seen and name not in self.labelled):
                if top and name is None:
                    self.extra.append(field_part(None, label, value, not has_cjk(label)))
                else:
                    kept.append(f"{label}：{value}")
                continue
            seen.add(name)
            before, first_label = self.fields.get(name, ("", label))
            # a second price keeps its label: "239 元 / 芽卡会员价 199 元"
            self.fields[name] = (f"{before} / {label} {value}" if before else value, first_label)
            self.labelled.add(name)
        if kept:
            self.rest.append(Block("paragraph", "\n".join(kept)))

    def record(self) -> Chunk:
        english = not has_cjk(self.product)
        parts = [field_part("product", "", self.product, english)]
        parts += [field_part(name, self.fields[name][1], self.fields[name][0], english)
                  for name in FIELDS if name in self.fields]
        parts += self.extra
        metadata = {"product": self.product}
        metadata.update({k: self.fields[k][0] for k in RECORD_METADATA if k in self.fields})
        return Chunk(text="\n".join(p.text for p in parts), section=self.product, metadata=metadata, parts=parts)


def _heading_field(text: str, meaning: HeaderMeaning | None) -> str | None:
    """The record field a heading or label names: its own word in brackets first
    ("一、它有什么（特点）"), then the heading without its number, by name or meaning."""
    if len(text) > MAX_LABEL_CHARS:
        return None
    bare = _HEADING_NUMBER.sub("", text).strip()
    for candidate in (*_BRACKETED.findall(bare), bare.strip("【】[] ")):
        name = map_header(candidate, meaning)
        if name in RECORD_FIELDS:
            return name
    return None


def _items(blocks: list[Block]) -> str:
    """A section's points as one field value, without their bullets or numbers."""
    lines = [_unmarked(line).rstrip("；;") for b in blocks for line in b.text.splitlines()]
    return "；".join(line.removesuffix("。") for line in lines if line)


def _unmarked(line: str) -> str:
    step = numbered_step(line)
    return step.text if step is not None else line.strip().lstrip("•·-* ").strip()


def _labelled(text: str) -> list[tuple[str, str] | str]:
    """A paragraph's "label：value" pieces ("建议零售价：¥399　　保修：整机2年" is two), and
    its other lines as they are."""
    out: list[tuple[str, str] | str] = []
    for line in text.splitlines():
        for piece in _PIECE_GAP.split(line.strip()):
            match = _LABEL_VALUE.match(piece) or _LABEL_AMOUNT.match(piece)
            out.append((match.group("label").strip(), match.group("value").strip()) if match else piece)
    return [p for p in out if p]


def split_title(title: str, metadata: dict[str, str]) -> tuple[str, str | None]:
    """"积雪草修护面霜 ｜ QZ-SC101" -> ("积雪草修护面霜", "QZ-SC101")."""
    sku = metadata.get("sku")
    codes = PRODUCT_CODE.findall(title)
    if not sku and codes:
        sku = next((c for c in codes if "-" in c or "_" in c), codes[-1])
    # the code goes with a label just before it ("｜ 货号 NY-B410", "SKU: AP300")
    name = re.sub(rf"(?:{_CODE_LABELS})?\s*[:：]?\s*{re.escape(sku)}", " ", title, flags=re.IGNORECASE) \
        if sku and sku in title else title
    name = _TITLE_SEPARATORS.sub(" ", _EMPTY_CODE_LABEL.sub(" ", name)).strip(" ｜|-–—:：")
    return metadata.get("product") or _unbracketed_ends(name), sku


def _unbracketed_ends(name: str) -> str:
    """Brackets left open or closed at the ends once the code is out ("（ QZ-1" ), not a
    pair the name holds ("浴盆（带温感塞）")."""
    closing, opening = {")": "(", "）": "（"}, {"(": ")", "（": "）"}
    while name and name[-1] in closing and name.count(name[-1]) > name.count(closing[name[-1]]):
        name = name[:-1].rstrip()
    while name and name[0] in opening and name.count(name[0]) > name.count(opening[name[0]]):
        name = name[1:].lstrip()
    return name.rstrip("(（ ")


def read_product_page(document: LoadedDocument, title: str, meaning: HeaderMeaning | None = None) -> ProductPage | None:
    """The page as a product record, or None when it is not one product's page."""
    if any(b.kind == "table" for b in document.blocks):
        return None
    name, sku = split_title(title, document.metadata)
    if not name or len(name) > 60:
        return None
    page = ProductPage(name)
    seen: set[str] = set()
    for section in sections(document, title):
        heading = section.path[-1] if section.path else ""
        found = _heading_field(heading, meaning) if heading else None
        if found == "price" and not _a_price(_items(section.blocks)):
            found = None  # "价保" heads a rule about prices, not a price
        if found is not None and found in seen:
            if _heading_field(heading, None) is not None:
                return None  # two sections named "features": a page about several products
            found = None  # only taken to mean a field already read ("怎么用——教顾客照着做")
        if found is not None:
            seen.add(found)
            page.fields[found] = (_items(section.blocks), heading)
            continue
        if heading:
            page.rest.append(Block("heading", heading, level=min(len(section.path) + 1, 6)))
        for block in section.blocks:
            if block.kind == "paragraph":
                page.read_lines(block, seen, top=not heading, meaning=meaning)
            else:
                page.rest.append(block)
    coded = bool(sku or "sku" in page.fields)
    priced = "price" in page.fields or "price" in document.metadata
    if not (coded or priced):
        return None  # a lesson on FAB selling has these sections too, but sells nothing
    # a code and a price say "product" already, whatever sections follow
    if not (coded and priced) and len(seen & SELLING_FIELDS) < MIN_SELLING_FIELDS:
        return None
    if sku and "sku" not in page.fields:
        page.fields["sku"] = (sku, "")
    for key in ("price", "category"):
        if key in document.metadata and key not in page.fields:
            page.fields[key] = (document.metadata[key], "")
    return page


def _a_price(text: str) -> bool:
    """A price reads as an amount or a few ("¥1,099 / 会员 ¥989"), not a paragraph of rules."""
    return bool(re.search(r"\d", text)) and len(text) <= MAX_PRICE_CHARS


def chunk(page: ProductPage, title: str, limits: ChunkLimits) -> list[Chunk]:
    """The record first, then the page's other sections as passages about the product."""
    rest = fab.chunk(LoadedDocument(blocks=page.rest, title=title), title, limits)
    about = {"subject": page.product, **({"sku": page.fields["sku"][0]} if "sku" in page.fields else {})}
    for piece in rest:
        piece.metadata = {**about, **piece.metadata}
        if not piece.section or for_matching(page.product) not in for_matching(piece.section):
            piece.section = SECTION_SEPARATOR.join(p for p in (page.product, piece.section) if p)
    return [page.record(), *rest]
