"""Hand-made hostile files for the loaders: zip bombs, deep nesting, wrong extensions,
odd encodings and truncations. Shared by the test suite and bench/fuzz_loaders.py.

Each builder returns bytes small enough to keep in memory; what makes them hostile is
what a parser does with them (expands, recurses, loops)."""

from __future__ import annotations

import functools
import io
import zipfile
import zlib
from collections.abc import Callable

DOCX_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _zip(entries: list[tuple[str, bytes]], level: int = 9) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_with_body(body_xml: bytes) -> bytes:
    document = (f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}"><w:body>'
                .encode() + body_xml + b"</w:body></w:document>")
    return _zip([("[Content_Types].xml", DOCX_CONTENT_TYPES.encode()),
                 ("_rels/.rels", DOCX_RELS.encode()), ("word/document.xml", document)])


@functools.cache
def docx_bomb_huge() -> bytes:
    """Expands to 300 MB: one paragraph of spaces (compresses about 1000:1)."""
    space = b" " * (1 << 20)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", DOCX_CONTENT_TYPES)
        archive.writestr("_rels/.rels", DOCX_RELS)
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>'.encode())
            for _ in range(300):
                part.write(space)
            part.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return buffer.getvalue()


def docx_wrong_root() -> bytes:
    """The main part is in a foreign XML namespace; python-docx only notices when reading it."""
    data = seed_files()[".docx"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = [(info.filename, archive.read(info)) for info in archive.infolist()]
    foreign = W_NS.replace("wordprocessingml", "wml").encode()
    return _zip([(name, content.replace(W_NS.encode(), foreign)) for name, content in entries])


def zip_future_version() -> bytes:
    """A valid .docx whose entries claim to need zip version 6.4 to extract."""
    data = bytearray(docx_with_body(b"<w:p><w:r><w:t>hi</w:t></w:r></w:p>"))
    at = data.find(b"PK\x01\x02")
    while at != -1:
        data[at + 6:at + 8] = (64).to_bytes(2, "little")
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def docx_bomb_ratio() -> bytes:
    """60 MB of markup in a 100 KB file: under the size cap, far over any sane ratio."""
    paragraph = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>"
    return docx_with_body(paragraph * (60_000_000 // len(paragraph)))


def zip_many_entries(count: int = 60_000) -> bytes:
    """A central directory with tens of thousands of (empty) entries."""
    return _zip([("[Content_Types].xml", DOCX_CONTENT_TYPES.encode())]
                + [(f"junk/{i}.xml", b"") for i in range(count)], level=1)


def docx_deep_tables(depth: int = 3000) -> bytes:
    """Tables nested inside table cells thousands deep (python-docx recurses)."""
    open_ = b"<w:tbl><w:tr><w:tc>"
    close = b"<w:p/></w:tc></w:tr></w:tbl>"
    return docx_with_body(open_ * depth + b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" + close * depth)


def xlsx_with_sheet(rows_xml: bytes) -> bytes:
    """A minimal workbook with one worksheet holding the given <row> elements."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    )
    root_rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = (f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
                '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
    workbook_rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    )
    sheet = f'<worksheet xmlns="{main}"><sheetData>'.encode() + rows_xml + b"</sheetData></worksheet>"
    return _zip([("[Content_Types].xml", types.encode()), ("_rels/.rels", root_rels.encode()),
                 ("xl/workbook.xml", workbook.encode()), ("xl/_rels/workbook.xml.rels", workbook_rels.encode()),
                 ("xl/worksheets/sheet1.xml", sheet)])


def xlsx_broken_sheet() -> bytes:
    """A real workbook whose sheet XML breaks after the first row: it opens, and the
    read-only reader only meets the break while iterating rows."""
    data = seed_files()[".xlsx"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = [(info.filename, archive.read(info)) for info in archive.infolist()]
    broken = [(name, content.replace(b"</row>", b"</row><row><c t=\"s\">&#", 1)
               if name == "xl/worksheets/sheet1.xml" else content) for name, content in entries]
    return _zip(broken)


def xlsx_bomb_ratio() -> bytes:
    """A worksheet of 2 million tiny rows: about 150 MB of XML in a small file."""
    row = b'<row><c t="inlineStr"><is><t>1</t></is></c></row>'
    return xlsx_with_sheet(row * 2_000_000)


def pdf_document(objects: list[bytes]) -> bytes:
    """A PDF whose objects 1..n are given (1 must be the catalog), with a valid xref."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _page_pdf(content: bytes, *, filtered: bool = False) -> bytes:
    stream = zlib.compress(content, 9) if filtered else content
    flt = b" /Filter /FlateDecode" if filtered else b""
    return pdf_document([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)}{flt.decode()} >>\nstream\n".encode() + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


def pdf_text(line: str = "Hello store") -> bytes:
    return _page_pdf(f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET".encode())


def pdf_deep_arrays(depth: int = 100_000) -> bytes:
    """An object of arrays nested 100 000 deep."""
    return pdf_document([
        b"<< /Type /Catalog /Pages 2 0 R /Junk " + b"[" * depth + b"]" * depth + b" >>",
        b"<< /Type /Pages /Kids [] /Count 0 >>",
    ])


def pdf_page_tree_loop() -> bytes:
    """A page tree whose Kids point back at itself."""
    return pdf_document([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
        b"<< /Type /Pages /Kids [2 0 R] /Count 1 /Parent 2 0 R >>",
    ])


def pdf_stream_bomb() -> bytes:
    """A content stream that inflates to 200 MB of drawing operators."""
    return _page_pdf(b"0 0 m\n" * 35_000_000, filtered=True)


def pdf_many_operators(pages: int = 3, operators: int = 400_000) -> bytes:
    """Pages of 400 000 text-showing operators each: under pypdf's own per-stream parsing
    budget (2 million elements since 7.1.1), so only the per-file time limit stops it."""
    content = zlib.compress(b"BT /F1 12 Tf 72 720 Td " + b"(x) Tj " * operators + b"ET", 9)
    font = 3 + 2 * pages
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(pages)).encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages]
    for i in range(pages):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R"
                       b" /Resources << /Font << /F1 %d 0 R >> >> >>" % (4 + 2 * i, font))
        objects.append(f"<< /Length {len(content)} /Filter /FlateDecode >>\nstream\n".encode() + content + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    return pdf_document(objects)


def pdf_many_pages(count: int = 2100) -> bytes:
    kids = " ".join(f"{3 + i} 0 R" for i in range(count)).encode()
    pages = [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>"] * count
    return pdf_document([b"<< /Type /Catalog /Pages 2 0 R >>",
                         b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count, *pages])


def html_deep(depth: int = 800_000) -> bytes:
    return b"<html><body>" + b"<div>" * depth + "深层内容".encode() + b"</div>" * depth + b"</body></html>"


def markdown_deep() -> bytes:
    return (b"> " * 50_000 + b"quote\n") + (b"- " * 20_000 + b"item\n") + b"[" * 100_000 + b"\n"


def csv_sniffer_trap() -> bytes:
    """Quote-heavy text that makes csv.Sniffer's regular expressions backtrack."""
    return (b'"' + b"a," * 2000 + b"\n") * 3 + b"'" * 4000


def csv_huge_field() -> bytes:
    return b"name,value\n" + b"x," + b"y" * 3_000_000 + b"\n"


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    return data[: max(1, int(len(data) * keep))]


# name → (suffix the file is given, builder). Wrong extensions and odd encodings included.
HOSTILE: dict[str, tuple[str, Callable[[], bytes]]] = {
    "docx-bomb-huge": (".docx", docx_bomb_huge),
    "docx-bomb-ratio": (".docx", docx_bomb_ratio),
    "docx-many-entries": (".docx", zip_many_entries),
    "docx-deep-tables": (".docx", docx_deep_tables),
    "docx-wrong-root": (".docx", docx_wrong_root),
    "docx-zip-version-6.4": (".docx", zip_future_version),
    "xlsx-bomb-huge": (".xlsx", docx_bomb_huge),
    "xlsx-bomb-ratio": (".xlsx", xlsx_bomb_ratio),
    "xlsx-many-entries": (".xlsx", zip_many_entries),
    "xlsx-broken-sheet-xml": (".xlsx", lambda: xlsx_broken_sheet()),
    "pdf-deep-arrays": (".pdf", pdf_deep_arrays),
    "pdf-page-tree-loop": (".pdf", pdf_page_tree_loop),
    "pdf-stream-bomb": (".pdf", pdf_stream_bomb),
    "pdf-many-operators": (".pdf", pdf_many_operators),
    "pdf-many-pages": (".pdf", pdf_many_pages),
    "pdf-truncated": (".pdf", lambda: truncated(pdf_text())),
    "pdf-named-docx": (".docx", pdf_text),
    "pdf-named-xlsx": (".xlsx", pdf_text),
    "zip-named-pdf": (".pdf", lambda: _zip([("a.txt", b"hello")])),
    "docx-truncated": (".docx", lambda: truncated(docx_with_body(b"<w:p><w:r><w:t>hi</w:t></w:r></w:p>"))),
    "binary-named-md": (".md", lambda: bytes(range(256)) * 40),
    "binary-named-csv": (".csv", lambda: bytes(range(256)) * 40),
    "binary-named-html": (".html", lambda: bytes(range(256)) * 40),
    "utf16-no-bom": (".txt", lambda: "退货七天内办理。\n".encode("utf-16-le") * 50),
    "utf8-cut-mid-char": (".md", lambda: "# 标题\n\n退货规则".encode()[:-1]),
    "gb18030-csv": (".csv", lambda: "产品,价格\n净化器,2999\n".encode("gb18030")),
    "shift-jis-txt": (".txt", lambda: "店舗の開店手順です。\n".encode("shift_jis") * 20),
    "nul-text": (".txt", lambda: b"\x00" * 5000),
    "html-deep": (".html", html_deep),
    "markdown-deep": (".md", markdown_deep),
    "csv-sniffer-trap": (".csv", csv_sniffer_trap),
    "csv-huge-field": (".csv", csv_huge_field),
}


# -- seeds for mutation fuzzing: one small valid file per loader -------------------------


def seed_files() -> dict[str, bytes]:
    """One small, valid file per supported suffix, for fuzzers to mutate."""
    import openpyxl

    workbook = openpyxl.Workbook()
    for row in (["产品名称", "售价", "卖点"], ["云朵净化器", 2999, "静音"], ["HY-AP300", 1999.5, "除醛"]):
        workbook.active.append(row)
    xlsx = io.BytesIO()
    workbook.save(xlsx)
    paragraphs = (b"<w:p><w:pPr><w:pStyle w:val=\"Heading1\"/></w:pPr><w:r><w:t>\xe5\xbc\x80\xe5\xba\x97</w:t></w:r></w:p>"
                  b"<w:p><w:r><w:t>1. \xe5\xbc\x80\xe7\x81\xaf</w:t></w:r></w:p>"
                  b"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>A</w:t></w:r></w:p></w:tc>"
                  b"<w:tc><w:p><w:r><w:t>B</w:t></w:r></w:p></w:tc></w:tr></w:tbl>")
    return {
        ".md": "---\ntitle: 开店\ntype: sop\n---\n# 开店\n\n1. 开灯\n2. 开收银机\n\n| a | b |\n|---|---|\n| 1 | 2 |\n".encode(),
        ".txt": "开店流程\n一、准备\n1. 开灯\n2. 检查备用金五百元。\n".encode("gb18030"),
        ".html": "<html><head><title>入职</title></head><body><h1>入职</h1><ol><li>报到</li></ol><table><tr><th>a</th></tr><tr><td>1</td></tr></table></body></html>".encode(),
        ".csv": "产品名称,售价,卖点\n云朵净化器,2999,静音\n".encode("gbk"),
        ".pdf": pdf_text("Store opening: lights on"),
        ".docx": docx_with_body(paragraphs),
        ".xlsx": xlsx.getvalue(),
    }


def mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """Apply (kind, position, bytes) edits: 0 overwrite, 1 insert, 2 delete, 3 truncate."""
    out = bytearray(data)
    for kind, position, chunk in edits:
        at = position % (len(out) + 1)
        if kind == 0:
            out[at:at + len(chunk)] = chunk
        elif kind == 1:
            out[at:at] = chunk
        elif kind == 2:
            del out[at:at + max(1, len(chunk))]
        else:
            del out[at:]
    return bytes(out)


def mutate_zip_member(data: bytes, member_edits: list[tuple[int, int, bytes]], pick: int) -> bytes:
    """Mutate one member of a zip (the XML a parser reads) and re-zip it validly, so the
    fuzzer reaches the XML parser instead of stopping at a bad zip checksum."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = [(info.filename, archive.read(info)) for info in archive.infolist()]
    index = pick % len(entries)
    name, content = entries[index]
    entries[index] = (name, mutate(content, member_edits))
    return _zip(entries, level=1)
