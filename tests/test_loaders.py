"""Every supported format becomes the right blocks and, once ingested, the right chunks.

Chunk-level tests read the shared ingested knowledge base (see conftest `corpus`);
loader-level tests build their own small files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings
from ingest.doctype import detect_doc_type
from ingest.lexical import ChunkRecord, DocumentRecord
from ingest.loaders import loader_for
from ingest.pipeline import ingest
from tests.builders import (
    COMPLAINT_PDF_LINES,
    EN_CSV_HEADER,
    FAB_HEADER_ZH,
    FAB_SHEETS,
    GB18030_TXT,
    GBK_CSV_ROWS,
    ONBOARDING_HTML,
    UTF16_TXT,
    course_sentences,
    write_pdf,
)
from tests.conftest import indexed_documents

Indexed = dict[str, tuple[DocumentRecord, list[ChunkRecord]]]


def load(path: Path):  # type: ignore[no-untyped-def]
    loader = loader_for(path)
    assert loader is not None, f"no loader for {path.suffix}"
    return loader(path)


def texts(chunks: list[ChunkRecord]) -> list[str]:
    return [c.text for c in chunks]


# -- Markdown -------------------------------------------------------------------------


def test_markdown_front_matter_names_title_and_type(tmp_path: Path) -> None:
    path = tmp_path / "sop" / "faq.md"
    path.parent.mkdir()
    path.write_text(
        "---\ntitle: 收银常见问题\ntype: course\n---\n\n# 收银FAQ草稿\n\n## 找零\n\n找零先唱收唱付。\n",
        encoding="utf-8",
    )
    document = load(path)
    assert document.title == "收银常见问题"
    # the author's word beats the sop/ folder it sits in
    assert detect_doc_type(Path("sop/faq.md"), document) == "course"


def test_markdown_headings_and_numbered_list_become_blocks(tmp_path: Path) -> None:
    path = tmp_path / "steps.md"
    path.write_text("# 开店\n\n## 步骤\n\n1. 开灯\n2. 开收银机\n\n- 注意安全\n", encoding="utf-8")
    blocks = load(path).blocks
    assert [(b.kind, b.text, b.level) for b in blocks] == [
        ("heading", "开店", 1),
        ("heading", "步骤", 2),
        ("list_item", "1. 开灯", 1),
        ("list_item", "2. 开收银机", 1),
        ("list_item", "• 注意安全", 1),
    ]


def test_markdown_sop_is_typed_titled_and_sectioned(corpus_chunks: Indexed) -> None:
    record, chunks = corpus_chunks["returns.md"]
    assert record.doc_type == "sop"
    assert record.title == "门店退换货处理流程"
    assert [c.section for c in chunks] == ["一、政策要点", "二、退货操作步骤"]


# -- SOP and course chunking ----------------------------------------------------------


def test_sop_numbered_steps_stay_in_one_chunk_with_their_heading(corpus_chunks: Indexed) -> None:
    _, chunks = corpus_chunks["returns.md"]
    steps = next(c for c in chunks if c.section == "二、退货操作步骤")
    lines = steps.text.splitlines()
    assert lines[0] == "二、退货操作步骤"
    assert [line.split(".")[0] for line in lines[1:]] == ["1", "2", "3", "4", "5"]
    assert "原路退款" in lines[4]


def test_sop_pdf_steps_stay_with_their_heading(corpus_chunks: Indexed) -> None:
    record, chunks = corpus_chunks["complaints.pdf"]
    assert record.doc_type == "sop"
    steps = next(c for c in chunks if c.section == "二、升级步骤")
    assert steps.text.splitlines() == COMPLAINT_PDF_LINES[3:]


def test_long_course_text_splits_at_sentence_ends_with_overlap(corpus_chunks: Indexed) -> None:
    record, chunks = corpus_chunks["courses/long_course.md"]
    assert record.doc_type == "course"
    assert len(chunks) >= 3
    sentences = course_sentences()
    for chunk in chunks:
        assert chunk.text.endswith("。"), "a chunk ends mid-sentence"
        assert chunk.text.startswith("第"), "a chunk starts mid-sentence"
        assert len(chunk.text) <= Settings().chunk_chars + 50
    for before, after in zip(chunks, chunks[1:], strict=False):
        last_sentence = before.text.split("。")[-2] + "。"
        assert after.text.startswith(last_sentence), "no overlap between neighbouring chunks"
    joined = "".join(texts(chunks))
    assert all(s in joined for s in sentences), "a sentence was lost between chunks"


# -- plain text in any encoding -------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "text"),
    [("utf-8", GB18030_TXT), ("gb18030", GB18030_TXT), ("utf-16", UTF16_TXT), ("gbk", UTF16_TXT)],
)
def test_plain_text_encoding_is_detected(tmp_path: Path, encoding: str, text: str) -> None:
    path = tmp_path / f"note-{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    document = load(path)
    assert document.title == text.splitlines()[0]
    body = document.plain_text()
    for line in text.splitlines()[1:]:
        assert line in body


def test_text_files_in_legacy_encodings_are_indexed_readably(corpus_chunks: Indexed) -> None:
    _, gb = corpus_chunks["stocktake_gb18030.txt"]
    _, utf16 = corpus_chunks["display_utf16.txt"]
    assert "每月最后一个周日闭店后进行全店盘点。" in gb[0].text
    assert "新品放在入口右手边第一张展台" in utf16[0].text


def test_traditional_text_is_shown_as_written(corpus_chunks: Indexed) -> None:
    record, chunks = corpus_chunks["香港門市收款.txt"]
    assert record.title == "香港門市收款規範"
    assert any("門市一律不收人民幣現金" in c.text for c in chunks)


def test_one_line_text_note_is_ingested(tmp_path: Path, real_embedder) -> None:  # type: ignore[no-untyped-def]
    content = tmp_path / "content"
    content.mkdir()
    (content / "hours.txt").write_text("门店营业时间为早上十点到晚上十点。\n", encoding="utf-8")
    settings = Settings(home=tmp_path / "home")
    report = ingest(settings, [content], embedder=real_embedder)
    assert report.counts()["added"] == 1, report.render()
    (_, chunks), = indexed_documents(settings).values()
    assert "门店营业时间为早上十点到晚上十点。" in "\n".join(c.text for c in chunks)


# -- Word -----------------------------------------------------------------------------


def test_docx_heading_styles_become_sections(corpus_chunks: Indexed) -> None:
    record, chunks = corpus_chunks["会员积分规则.docx"]
    assert record.title == "会员积分规则"
    assert [c.section for c in chunks] == ["一、会员等级", "二、积分兑换"]


def test_docx_table_rows_keep_their_headers(corpus_chunks: Indexed) -> None:
    _, chunks = corpus_chunks["会员积分规则.docx"]
    levels = next(c for c in chunks if c.section == "一、会员等级").text
    assert "等级：金卡；年消费门槛：5000元；积分倍率：1.5倍" in levels
    assert "等级：黑金卡；年消费门槛：20000元；积分倍率：2倍" in levels


# -- PDF ------------------------------------------------------------------------------


def test_chinese_pdf_text_is_extracted_with_structure(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "c.pdf", COMPLAINT_PDF_LINES, title="顾客投诉升级处理规范")
    document = load(path)
    assert document.title == "顾客投诉升级处理规范"
    kinds = {b.text: b.kind for b in document.blocks}
    assert kinds["二、升级步骤"] == "heading"
    assert kinds["2. 十五分钟内无法解决的，上报值班主管。"] == "list_item"


def test_pdf_without_a_real_metadata_title_is_titled_by_its_first_line(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "c.pdf", COMPLAINT_PDF_LINES)  # reportlab writes "untitled"
    assert load(path).title == COMPLAINT_PDF_LINES[0]


# -- spreadsheets ---------------------------------------------------------------------

FIELD_LABELS_ZH = ["产品", "SKU", "价格", "特点", "优势", "利益", "适用人群", "推荐话术", "常见异议", "异议回复"]


def test_xlsx_every_sheet_gives_one_chunk_per_product(corpus_chunks: Indexed) -> None:
    record, chunks = corpus_chunks["fab/主推产品FAB.xlsx"]
    assert record.doc_type == "fab"
    expected = [(sheet, row[0]) for sheet, rows in FAB_SHEETS.items() for row in rows]
    assert [c.section for c in chunks] == [f"{sheet} › {product}" for sheet, product in expected]


def test_xlsx_title_row_above_header_is_not_a_product(corpus_chunks: Indexed) -> None:
    _, chunks = corpus_chunks["fab/主推产品FAB.xlsx"]
    assert not any("主推产品FAB表" in c.text for c in chunks)


def test_xlsx_product_chunk_names_every_field(corpus_chunks: Indexed) -> None:
    _, chunks = corpus_chunks["fab/主推产品FAB.xlsx"]
    rows = [row for rows in FAB_SHEETS.values() for row in rows]
    for chunk, row in zip(chunks, rows, strict=True):
        assert chunk.text.splitlines() == [
            f"{label}：{value}" for label, value in zip(FIELD_LABELS_ZH, row, strict=True)
        ]
        assert chunk.metadata["product"] == row[0]
        assert chunk.metadata["sku"] == row[1]


def test_gbk_csv_with_other_header_names_maps_to_the_same_fields(corpus_chunks: Indexed) -> None:
    record, chunks = corpus_chunks["fab/厨房电器.csv"]
    assert record.doc_type == "fab"
    assert len(chunks) == len(GBK_CSV_ROWS)
    for chunk, row in zip(chunks, GBK_CSV_ROWS, strict=True):
        assert chunk.text.splitlines() == [
            f"{label}：{value}" for label, value in zip(FIELD_LABELS_ZH, row, strict=True)
        ]
        assert (chunk.metadata["product"], chunk.metadata["sku"]) == (row[0], row[1])


def test_english_header_csv_gives_english_labelled_records(corpus_chunks: Indexed) -> None:
    _, chunks = corpus_chunks["fab/imported_en.csv"]
    (chunk,) = chunks
    assert chunk.text.splitlines()[0] == "Product: Lumora Sunrise Alarm Clock"
    for label in EN_CSV_HEADER:
        assert f"\n{label}: " in "\n" + chunk.text
    assert chunk.metadata == {"product": "Lumora Sunrise Alarm Clock", "sku": "IM-LS210", "price": "599"}


def test_header_row_is_found_below_title_rows_in_a_csv(tmp_path: Path, real_embedder) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "content" / "fab"
    folder.mkdir(parents=True)
    header = ",".join(FAB_HEADER_ZH)
    (folder / "new.csv").write_text(
        "2026冬季新品FAB,,,\n内部资料 请勿外传,,,\n" + header + "\n"
        "暖冬取暖器,HY-HT200,599元,速热,三秒出热风,冬天不再冷,老人家庭,开机三秒就暖,耗电,一级能效\n",
        encoding="utf-8",
    )
    home = tmp_path / "home"
    report = ingest(Settings(home=home), [tmp_path / "content"], embedder=real_embedder)
    assert report.counts()["added"] == 1, report.render()
    ((_, chunks),) = indexed_documents(Settings(home=home)).values()
    assert len(chunks) == 1
    assert chunks[0].metadata["product"] == "暖冬取暖器"
    assert "价格：599元" in chunks[0].text


# -- HTML -----------------------------------------------------------------------------


def test_html_keeps_title_headings_and_ordered_steps_but_not_scripts(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(ONBOARDING_HTML, encoding="utf-8")
    document = load(path)
    assert document.title == "新员工入职第一周"
    blocks = [(b.kind, b.text) for b in document.blocks]
    assert ("heading", "第一周考核") in blocks
    assert ("list_item", "1. 周五完成产品知识笔试，八十分及格。") in blocks
    assert ("list_item", "2. 独立接待三位顾客并由带教师傅评分。") in blocks
    everything = document.plain_text()
    assert "tracking" not in everything and "color" not in everything and "首页" not in everything


def test_html_course_is_indexed_by_section(corpus_chunks: Indexed) -> None:
    record, chunks = corpus_chunks["courses/onboarding.html"]
    assert (record.doc_type, record.title) == ("course", "新员工入职第一周")
    assert [c.section for c in chunks] == ["第一天安排", "第一周考核"]
    assert "八十分及格" in chunks[1].text
