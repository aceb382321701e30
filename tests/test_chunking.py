"""Chunk sizes stay usable whatever the source looks like."""

from __future__ import annotations

from ingest.chunkers import ChunkLimits, chunk_document
from ingest.document import Block, LoadedDocument


def test_scraped_sop_paragraph_without_line_breaks_is_cut_at_sentences() -> None:
    sentence = "门店每天开店前要检查收银台的备用金是否为五百元，并在交接本上签字确认。"
    run_on = sentence * 120  # ~4,300 characters on one line, as scraped pages arrive
    document = LoadedDocument(blocks=[Block("heading", "开店检查", level=2), Block("paragraph", run_on)])
    limits = ChunkLimits(chunk_chars=420, overlap_chars=80, sop_section_max_chars=1200)

    chunks = chunk_document(document, "sop", "门店手册", limits)

    assert len(chunks) >= 4
    assert all(len(c.text) <= limits.sop_section_max_chars + 40 for c in chunks)
    assert all(c.text.startswith("开店检查\n") for c in chunks), "each piece keeps its heading"
    assert all(c.text.rstrip().endswith("。") for c in chunks), "cut between sentences"


def test_sop_steps_of_one_section_stay_in_one_chunk() -> None:
    steps = [Block("list_item", f"{i}. 第{i}步：核对小票和商品序列号。", level=1) for i in range(1, 8)]
    document = LoadedDocument(blocks=[Block("heading", "退货流程", level=2), *steps])

    chunks = chunk_document(document, "sop", "退换货SOP", ChunkLimits())

    assert len(chunks) == 1
    assert chunks[0].text.splitlines()[0] == "退货流程"
    assert [line.split(".")[0] for line in chunks[0].text.splitlines()[1:]] == [str(i) for i in range(1, 8)]


def test_faq_and_objection_pairs_stay_together_however_they_are_written() -> None:
    from ingest.chunkers.common import prose_parts

    reply = "回应：您说得对，普通面霜保湿是够的。这瓶多了修护成分，是给容易泛红的皮肤用的。一瓶能用2个月，折下来每天4块钱左右。"
    lines = ["顾客说：“太贵了，超市的也能用。”", reply, "Customer says: \"too pricey\"", "Reply: it lasts two months",
             "Q: can kids use it?", "A: from 12 years old", "Around 38,000 vibrations per minute.", "After use, rinse it."]
    parts = prose_parts(lines)
    assert [p.kind for p in parts] == ["qa", "qa", "qa", "sentence", "sentence"]
    assert parts[0].text == f"顾客说：“太贵了，超市的也能用。”\n{reply}"  # a long reply is kept whole


def test_a_heading_whose_words_are_in_the_title_stays_a_section() -> None:
    """Only the first heading, when it repeats the title, leaves the path: "## Opening"
    under "Store Opening and Closing SOP" is a section of its own (it was dropped, and an
    opening question was answered with the closing steps run together)."""
    def steps(*texts: str) -> list[Block]:
        return [Block("list_item", f"{i}. {t}", level=1) for i, t in enumerate(texts, 1)]

    document = LoadedDocument(blocks=[
        Block("heading", "Store Opening and Closing SOP", level=1),
        Block("heading", "Opening", level=2), *steps("Arrive 30 minutes early.", "Count the float."),
        Block("heading", "Closing", level=2), *steps("Lock the medicine cabinet.", "Set the alarm."),
    ])
    chunks = chunk_document(document, "sop", "Store Opening and Closing SOP", ChunkLimits())
    assert [(c.section, c.text.splitlines()[0]) for c in chunks] == [("Opening", "Opening"), ("Closing", "Closing")]
    again = LoadedDocument(blocks=[Block("heading", "退换货流程（2026版）", level=1),
                                   Block("heading", "退货", level=2), *steps("核对小票。")])
    assert [c.section for c in chunk_document(again, "sop", "退换货流程", ChunkLimits())] == ["退货"]


def test_a_table_in_course_notes_keeps_each_row_whole_with_its_headers() -> None:
    table = Block("table", rows=[["补录积分", "审批人", "时限"], ["5000分及以下", "店长", "当天"],
                                 ["5000分以上", "区域经理", "3个工作日"]])
    document = LoadedDocument(blocks=[Block("paragraph", "顾客忘记报手机号的，可在 30 天内补录积分。"), table,
                                      Block("paragraph", "补录后短信通知顾客。")])

    chunks = chunk_document(document, "course", "补录积分审批", ChunkLimits())

    assert len(chunks) == 1
    assert [(p.kind, p.text) for p in chunks[0].parts] == [
        ("sentence", "顾客忘记报手机号的，可在 30 天内补录积分。"),
        ("row", "补录积分：5000分及以下；审批人：店长；时限：当天"),
        ("row", "补录积分：5000分以上；审批人：区域经理；时限：3个工作日"),
        ("sentence", "补录后短信通知顾客。"),
    ]
    assert chunks[0].text.splitlines()[1:3] == [p.text for p in chunks[0].parts[1:3]]


def test_a_sheet_cell_of_several_lines_ending_in_semicolons_reads_as_one_list() -> None:
    table = Block("table", rows=[["产品名称", "特点", "优势", "利益"],
                                 ["水漾冲牙器", "脉冲1400次/分钟；\n3档水压；\nIPX7防水", "牙缝冲得干净", "戴牙套也方便"]])
    document = LoadedDocument(blocks=[table])

    chunks = chunk_document(document, "fab", "个护FAB", ChunkLimits())

    features = [p.value for c in chunks for p in c.parts if p.field == "features"]
    assert features == ["脉冲1400次/分钟；3档水压；IPX7防水"]
