"""What the guide reads: the part of a passage that answers, on content laid out by
someone else (unlisted column names, English headers, long SOP sections, wrapped PDF
lines), and follow-ups answered about the subject of the same chat."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.catalog import find_product
from bot.cli import main
from bot.followup import Turn
from bot.service import Services
from bot.settings import Settings
from ingest.embedder import Embedder
from ingest.loaders.pdf_file import join_wrapped
from ingest.pipeline import ingest
from tests.conftest import run_guidebot

# Another chain's sheet: 品名 / 商品编码 / 零售价 / 顾客疑问 / 异议回应 are not the usual names.
SHEET = (
    "品名,商品编码,零售价,核心卖点,对比优势,顾客获益,顾客疑问,异议回应,适用肤质\n"
    "积雪草修护面霜,QZ-SC101,239,积雪草苷修护屏障；无香精无酒精,比同价位面霜多一倍修护成分,换季泛红少了,"
    "夏天用会不会闷痘？,质地是乳霜不是油膏，晚上薄涂一层就够，闷痘多半是涂太厚,敏感肌 干皮\n"
    "烟酰胺焕亮精华,QZ-SC102,199,5%烟酰胺；添加泛醇舒缓,浓度够又不刺激,肤色更均匀,"
    "会不会不耐受脸发红？,先隔天用一周建立耐受，发红就停用两天,油皮 混油皮\n"
)
ENGLISH_SHEET = (
    "Item,Code,RRP (CNY),Key features,Why it's better,What the customer gets,Common pushback,Suggested reply\n"
    "Lumis Cordless Hair Straightener,QZ-DV306,349,Ceramic plates; 150°C to 210°C; 25 minutes per charge,"
    "No cable to tangle,Touch-ups anywhere,Cordless ones are not hot enough,"
    "It reaches 180°C in 60 seconds which is enough for most hair\n"
)
SOP = """# 会员积分与退换货细则

## 积分规则

1. 每消费1元累计1积分，优惠券抵扣部分不计积分。
2. 积分有效期为获得之日起12个月，到期自动清零。
3. 100积分可抵扣1元，单笔最多抵扣订单金额的20%。
4. 生日当月消费享双倍积分，需提前在小程序完善生日信息。
5. 积分不能转让给他人，也不能兑换现金。
6. 退货时按退款金额扣回相应积分，积分不足的从退款中扣除。
"""


def indexed(base: Path, files: dict[str, str], embedder: Embedder) -> Services:
    """A knowledge base of these files (paths relative to its content folder), ingested."""
    content = base / "content"
    for name, text in files.items():
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        (content / name).write_text(text, encoding="utf-8")
    settings = Settings(home=base / "home")
    ingest(settings, [content], embedder=embedder)
    return Services(settings)


@pytest.fixture(scope="module")
def other_chain(tmp_path_factory: pytest.TempPathFactory, real_embedder: Embedder) -> Services:
    return indexed(tmp_path_factory.mktemp("other_chain"), {
        "fab/秋冬主推.csv": SHEET, "fab/devices_en.csv": ENGLISH_SHEET, "sop/积分细则.md": SOP}, real_embedder)


def lines_of(services: Services, question: str, previous: Turn | None = None) -> list[str]:
    answer = services.answerer.answer(question, previous=previous)
    assert answer.found, answer.text
    return answer.body.splitlines()


def test_an_objection_question_on_unlisted_columns_gets_the_objection_and_its_reply(other_chain: Services) -> None:
    card = find_product(other_chain.reader, "积雪草面霜")
    assert card is not None
    fields = {part.label: part.field for part in card.chunk.parts}
    assert (fields["顾客疑问"], fields["异议回应"], fields["适用肤质"]) == ("objections", "replies", None)
    text = "\n".join(lines_of(other_chain, "积雪草面霜夏天用会不会闷痘 咋回"))
    assert "夏天用会不会闷痘" in text
    assert "闷痘多半是涂太厚" in text, "the reply column (异议回应) is the answer"
    assert "敏感肌" not in text, "fields nobody asked about stay behind 'more'"


def test_english_headers_no_list_names_are_read_as_product_fields(other_chain: Services) -> None:
    card = find_product(other_chain.reader, "lumis straightener")
    assert card is not None and card.chunk.metadata["sku"] == "QZ-DV306"
    fields = {part.label: part.field for part in card.chunk.parts}
    assert fields["Why it's better"] == "advantages"
    assert fields["Suggested reply"] == "replies"
    text = "\n".join(lines_of(other_chain, "customer says cordless straighteners aren't hot enough"))
    assert "180°C in 60 seconds" in text


def test_a_long_section_answers_with_the_one_rule_asked_about(other_chain: Services) -> None:
    lines = lines_of(other_chain, "积分能抵多少钱")
    text = "\n".join(lines)
    assert "100积分可抵扣1元" in text
    assert "生日当月" not in text and "有效期" not in text
    assert len(lines) <= 3


def test_a_price_question_shows_the_price_first_after_the_product(other_chain: Services) -> None:
    lines = lines_of(other_chain, "烟酰胺精华多少钱")
    assert lines[0].endswith("烟酰胺焕亮精华")
    assert any("199" in line for line in lines[:3])
    assert not any("不耐受" in line for line in lines)


def test_a_follow_up_is_answered_about_the_previous_subject(other_chain: Services) -> None:
    first = other_chain.answerer.answer("烟酰胺精华适合什么肤质")
    assert first.found and first.subject == "烟酰胺焕亮精华"
    text = "\n".join(lines_of(other_chain, "那它多少钱", previous=first.turn))
    assert "199" in text and "239" not in text


def test_a_follow_up_with_nothing_before_it_is_declined(other_chain: Services) -> None:
    answer = other_chain.answerer.answer("那它多少钱")
    assert not answer.found


def test_a_question_with_its_own_subject_starts_afresh(other_chain: Services) -> None:
    first = other_chain.answerer.answer("烟酰胺精华多少钱")
    text = "\n".join(lines_of(other_chain, "积雪草修护面霜多少钱", previous=first.turn))
    assert "239" in text and "199" not in text


def test_a_short_question_on_another_topic_after_a_product_is_answered_on_its_own(services: Services) -> None:
    first = services.answerer.answer("空气净化器多少钱")
    assert first.found and first.subject is not None and "空气净化器" in first.subject
    for question, document in (("投诉怎么处理", "complaints.pdf"), ("能用积分吗", "会员积分规则.docx")):
        answer = services.answerer.answer(question, previous=first.turn)
        assert answer.found and answer.cited_passages[0].document.path == document, answer.text
        assert "HY-AP" not in answer.body


def test_a_short_question_the_product_speaks_of_stays_on_that_product(other_chain: Services) -> None:
    first = other_chain.answerer.answer("积雪草面霜适合什么肤质")
    answer = other_chain.answerer.answer("会闷痘吗", previous=first.turn)
    assert answer.found and answer.subject == "积雪草修护面霜"
    assert "闷痘多半是涂太厚" in answer.body


def test_asking_the_price_of_it_after_a_rule_asks_which_product(other_chain: Services) -> None:
    first = other_chain.answerer.answer("积分有效期多久")
    assert first.found
    answer = other_chain.answerer.answer("那它多少钱", previous=first.turn)
    assert not answer.found
    assert answer.text == "没看出「它」指的是哪个商品，请带上商品名再问一次。"


# A rule's cases by amount, as a table in a course note and as an English list.
TIERS_TABLE = """# 补录积分审批

顾客消费时忘记报手机号的，可在 30 天内凭小票补录积分。

| 补录积分 | 审批人 | 时限 |
| --- | --- | --- |
| 5000分及以下 | 店长 | 当天 |
| 5000分以上 | 区域经理 | 3个工作日 |
"""
TIERS_LIST = """# Refund approvals

Who signs off a refund depends on its amount.

- Refunds up to ¥500: the store manager approves on the spot.
- Over ¥500 and up to ¥3,000: the area manager approves in WeCom, usually within 2 hours.
- Above ¥3,000: the area manager and then the operations director.
"""


@pytest.fixture(scope="module")
def tiers(tmp_path_factory: pytest.TempPathFactory, real_embedder: Embedder) -> Services:
    return indexed(tmp_path_factory.mktemp("tiers"), {
        "补录积分审批.md": TIERS_TABLE, "refund_approvals.md": TIERS_LIST}, real_embedder)


@pytest.mark.parametrize(("question", "shown", "not_shown"), [
    ("补6000积分谁批", "5000分以上；审批人：区域经理；时限：3个工作日", "店长"),
    ("补录3000积分要谁审批", "5000分及以下；审批人：店长；时限：当天", "区域经理"),
    ("who approves a 2000 yuan refund", "Over ¥500 and up to ¥3,000: the area manager", "store manager"),
    ("refund of 5000 who signs off", "Above ¥3,000: the area manager and then the operations director", "store manager"),
    ("a ¥300 refund, who approves?", "up to ¥500: the store manager", "director"),
])
def test_an_amount_is_answered_with_the_case_whose_range_holds_it(
        tiers: Services, question: str, shown: str, not_shown: str) -> None:
    answer = tiers.answerer.answer(question)
    assert answer.found, answer.text
    assert shown in answer.body and not_shown not in answer.body, answer.body


def test_batch_conversations_carry_their_own_subject_only(
    other_chain: Services, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join([
        json.dumps({"question": "积雪草面霜适合什么肤质", "conversation": "a"}, ensure_ascii=False),
        json.dumps({"question": "烟酰胺精华适合什么肤质", "conversation": "b"}, ensure_ascii=False),
        json.dumps({"question": "那它多少钱", "conversation": "a"}, ensure_ascii=False),
        "那它多少钱",
        json.dumps({"question": "那它多少钱", "conversation": "b"}, ensure_ascii=False),
    ]) + "\n", encoding="utf-8")
    home = str(other_chain.settings.home)
    assert main(["--home", home, "ask", "--json", "--batch", str(batch)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["question"] for r in rows] == ["积雪草面霜适合什么肤质", "烟酰胺精华适合什么肤质", "那它多少钱",
                                             "那它多少钱", "那它多少钱"]
    assert "239" in rows[2]["answer"] and "199" not in rows[2]["answer"]
    assert rows[3]["found"] is False, "a plain line has no conversation to refer to"
    assert "199" in rows[4]["answer"] and "239" not in rows[4]["answer"]


def test_wrapped_pdf_lines_are_joined_into_sentences() -> None:
    lines = ["一、投诉处理", "顾客投诉须当日登记并通知值班店长，由店长决定是否上报区域，处理人",
             "：店长", "2. 回访顾客", "Wipe every tester nozzle at 12:00 and again at 15:00 with an", "alcohol pad."]
    assert join_wrapped(lines) == [
        "一、投诉处理", "顾客投诉须当日登记并通知值班店长，由店长决定是否上报区域，处理人：店长", "2. 回访顾客",
        "Wipe every tester nozzle at 12:00 and again at 15:00 with an alcohol pad."]


@pytest.mark.parametrize(("typed", "meant", "expected"), [
    ("积份有效期多久", "积分", "12个月"),
    ("积雪草面双多少钱", "面霜", "239"),
    ("烟仙胺精华多少钱", "烟酰胺", "199"),
])
def test_a_pinyin_typo_is_answered_for_the_word_meant_and_says_so(
    other_chain: Services, typed: str, meant: str, expected: str
) -> None:
    answer = other_chain.answerer.answer(typed)
    assert answer.found, answer.text
    assert answer.text.splitlines()[0] == f"按「{meant}」回答"
    assert expected in answer.text
    assert answer.question == typed  # the record keeps what the guide typed


@pytest.mark.parametrize("question", ["积分有效期多久", "积分是什么意思", "退货积分怎么扣"])
def test_words_typed_right_are_never_corrected(other_chain: Services, question: str) -> None:
    answer = other_chain.answerer.answer(question)
    assert answer.corrections == []
    assert "按「" not in answer.text


def test_a_typo_of_something_the_chain_does_not_sell_is_still_declined(other_chain: Services) -> None:
    assert not other_chain.answerer.answer("卸妆水多少钱").found
    assert not other_chain.answerer.answer("谢妆水多少钱").found


def test_the_ingest_report_shows_how_columns_were_read_and_a_new_mapping_reads_them_again(
    tmp_path: Path,
) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "秋冬主推.csv").write_text(SHEET, encoding="utf-8")
    home = tmp_path / "home"
    first = run_guidebot(home, "ingest", str(content))
    fields_line = next(line for line in first.stdout.splitlines() if line.strip().startswith("fields:"))
    assert "品名 → product" in fields_line and "异议回应 → replies" in fields_line
    assert fields_line.endswith("kept as they are: 适用肤质")

    (home / "guidebot.toml").write_text('[fab_columns]\n"适用肤质" = "audience"\n', encoding="utf-8")
    second = run_guidebot(home, "ingest", str(content))
    lines = second.stdout.splitlines()
    assert any(line.strip().startswith("updated") and "read again with the new fab_columns mapping" in line
               for line in lines), second.stdout
    assert any("适用肤质 → audience" in line and "kept as they are" not in line for line in lines), second.stdout
    third = run_guidebot(home, "ingest", str(content))
    assert any(line.strip().startswith("unchanged") for line in third.stdout.splitlines()), third.stdout


def test_a_question_in_one_language_finds_content_in_the_other(other_chain: Services) -> None:
    # English question, Chinese SOP: answered from it
    answer = other_chain.answerer.answer("when do points expire")
    assert answer.found, answer.text
    assert "12个月" in answer.body
    # Chinese question, English record: ranked first (the found decision is still strict
    # across languages on a knowledge base this small: see the issue note)
    retrieved = other_chain.answerer.answer("直发梳多少钱").retrieved
    assert retrieved[0].chunk.metadata["product"] == "Lumis Cordless Hair Straightener"


def test_a_follow_up_after_a_declined_question_about_one_product_is_about_that_product(
    other_chain: Services,
) -> None:
    first = other_chain.answerer.answer("烟酰胺精华保质期多久")  # the sheet does not say
    assert not first.found and first.subject == "烟酰胺焕亮精华"
    follow = other_chain.answerer.answer("那它多少钱", previous=first.turn)
    assert follow.found and "199" in follow.body and "239" not in follow.body
    unrelated = other_chain.answerer.answer("员工宿舍在哪")
    assert not unrelated.found and unrelated.subject is None



def test_a_short_question_naming_a_product_after_an_sop_question_starts_afresh(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parent.parent  # the sample content every clone has
    home = tmp_path / "home"
    assert run_guidebot(home, "ingest", str(repo / "knowledge"), str(repo / "sop")).returncode == 0
    batch = tmp_path / "chat.jsonl"
    batch.write_text("\n".join(json.dumps({"question": q, "conversation": "c"}, ensure_ascii=False)
                               for q in ("顾客小票丢了能退吗", "破壁机多少钱")) + "\n", encoding="utf-8")
    out = run_guidebot(home, "ask", "--json", "--batch", str(batch)).stdout.splitlines()
    second = json.loads(out[1])
    assert second["found"] and "破壁机" in second["sources"][0]["text"], second["answer"]


def test_headers_that_ask_who_or_follow_the_objections_are_read_by_their_kind(real_embedder: Embedder) -> None:
    """"推荐给谁" asks who: the audience. "怎么接" right after the objections column, holding
    sentences: their replies. A content owner's mapping still decides."""
    from ingest.chunkers.fab import HeaderMeaning, find_fab_header

    rows = [["商品名", "亮点", "比同类强在哪", "推荐给谁", "顾客常说", "怎么接", "备注"],
            ["豆腐猫砂", "结团快；可冲马桶", "粉尘少九成", "怕粉尘的猫主人", "不耐用吧",
             "一袋单猫能用20天左右，只铲脏的部分", "限量"]]
    match = find_fab_header(rows, HeaderMeaning(lambda: real_embedder))
    assert match is not None
    assert {rows[0][c]: f for c, f in match.columns.items()} == {
        "商品名": "product", "亮点": "features", "比同类强在哪": "advantages", "推荐给谁": "audience",
        "顾客常说": "objections", "怎么接": "replies"}
    kept = find_fab_header(rows, HeaderMeaning(lambda: real_embedder, {"怎么接": "", "推荐给谁": ""}))
    assert kept is not None and {3, 5}.isdisjoint(kept.columns)
    english = [["Item", "Features", "Why it's better", "Who should buy", "Common pushback", "What to say"],
               ["Trail Lamp", "400 lumens", "Lighter than most", "Night runners", "Too dim?",
                "It lights 80 metres ahead, enough for any trail"]]
    read = find_fab_header(english, HeaderMeaning(lambda: real_embedder))
    assert read is not None and read.columns[3] == "audience" and read.columns[5] == "replies"


# A returns policy whose approval tiers sit beside other rules, and a points rule apart.
RETURNS = """# 门店退货规定

1. 未开封商品 10 天内凭购物小票或电子订单可退，包装须完好。
2. 审批：
   - 单笔退款 ≤500 元：店长审批；
   - 500 元 < 退款 ≤3000 元：区域经理审批；
   - 退款 >3000 元：区域经理审批后报财务复核。
3. 退货时扣回该笔订单所得积分，已用积分抵扣的部分退回积分。
"""
POINTS = """# 会员积分使用

1. 每 100 积分抵现 1 元，单笔最多抵订单实付金额的 20%。
2. 积分当年获得，次年 6 月 30 日清零。
"""


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory, real_embedder: Embedder) -> Services:
    return indexed(tmp_path_factory.mktemp("returns"), {"退货规定.md": RETURNS, "积分使用.md": POINTS}, real_embedder)


def test_a_follow_up_on_another_rule_is_answered_with_that_rule(returns: Services) -> None:
    first = returns.answerer.answer("退800块谁批")
    assert first.found and "区域经理审批；" in first.body
    answer = returns.answerer.answer("积分咋抵现", previous=first.turn)
    assert answer.found and answer.cited_passages[0].document.path == "积分使用.md", answer.text
    assert "每 100 积分抵现 1 元" in answer.body and "审批" not in answer.body


def test_a_follow_up_naming_another_amount_gets_the_case_of_that_amount(returns: Services) -> None:
    first = returns.answerer.answer("退800块谁批")
    answer = returns.answerer.answer("那5000呢", previous=first.turn)
    assert answer.found and "退款 >3000 元：区域经理审批后报财务复核" in answer.body, answer.body
    assert "500 元 < 退款" not in answer.body


def test_an_amount_is_not_carried_into_a_follow_up_that_asks_something_else(returns: Services) -> None:
    first = returns.answerer.answer("退800块谁批")
    answer = returns.answerer.answer("没小票能退吗", previous=first.turn)
    assert answer.found and answer.body.startswith("1. 未开封商品 10 天内凭购物小票"), answer.body
    assert "500 元 < 退款" not in answer.body
