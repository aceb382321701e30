"""Grounded answers as staff see them: the right document, its own words, a citation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.answer import Answer
from bot.service import Services
from bot.settings import Settings
from ingest.pipeline import ingest


def ask(services: Services, question: str) -> Answer:
    return services.answerer.answer(question)


def body_and_sources(answer: Answer) -> tuple[list[str], str]:
    """The answer's lines (without the citation mark) and its sources line."""
    *body, sources = answer.text.splitlines()
    body[-1] = re.sub(r"\s*\[1\]$", "", body[-1])
    return body, sources


def test_simplified_question_finds_traditional_document(services: Services) -> None:
    answer = ask(services, "香港门店收不收人民币现金")
    assert answer.found
    assert answer.passages[0].document.path == "香港門市收款.txt"
    assert "門市一律不收人民幣現金" in answer.text  # shown as the document wrote it


def test_english_question_ranks_the_chinese_document_first(services: Services) -> None:
    answer = ask(services, "Does the Hong Kong store accept RMB cash?")
    assert answer.passages[0].document.path == "香港門市收款.txt"


@pytest.mark.parametrize(
    ("question", "path", "fact"),
    [
        ("Does the Hong Kong store accept RMB cash?", "香港門市收款.txt", "不收人民幣現金"),
        ("How soon should I send the first WeCom message to a new customer?", "courses/wecom.md", "五分钟内"),
        ("What are the steps to process a customer return?", "returns.md", "原路退款"),
    ],
)
def test_english_question_about_chinese_document_is_answered(
    services: Services, question: str, path: str, fact: str
) -> None:
    answer = ask(services, question)
    assert answer.found, answer.text
    assert answer.passages[0].document.path == path
    assert fact in answer.text
    assert answer.text.splitlines()[-1].startswith("Sources: [1]")


def test_price_question_answers_with_the_price_line_and_cites_the_sheet(services: Services) -> None:
    answer = ask(services, "云朵空气净化器多少钱")
    assert answer.found
    body, sources = body_and_sources(answer)
    assert body == ["产品：云朵空气净化器", "SKU：HY-AP300", "价格：2999元"]
    assert sources == "来源：[1] 主推产品FAB v1 › 小家电 › 云朵空气净化器"
    assert answer.passages[0].document.path == "fab/主推产品FAB.xlsx"


def test_question_by_sku_finds_the_product(services: Services) -> None:
    answer = ask(services, "HY-TB100 多少钱")
    assert answer.found
    assert answer.passages[0].chunk.metadata["product"] == "青竹声波电动牙刷"
    assert "价格：399元" in answer.text


def test_objection_question_answers_with_the_objection_reply(services: Services) -> None:
    answer = ask(services, "顾客嫌破壁机太吵怎么回")
    assert answer.found
    body, _ = body_and_sources(answer)
    assert "常见异议：破壁机声音太吵" in body
    assert "异议回复：它有静音罩，声音和吸尘器差不多，预约在起床前做完" in body


def test_english_product_question_answers_in_english(services: Services) -> None:
    answer = ask(services, "What is the price of the Lumora sunrise alarm clock?")
    assert answer.found
    assert "Price: 599" in answer.text
    assert answer.text.splitlines()[-1].startswith("Sources: [1] ")


def test_sop_question_returns_the_numbered_steps(services: Services) -> None:
    answer = ask(services, "退货怎么操作")
    assert answer.found
    body, sources = body_and_sources(answer)
    assert body[0] == "二、退货操作步骤"
    assert [line.split(".")[0] for line in body[1:]] == ["1", "2", "3", "4", "5"]
    assert sources == "来源：[1] 门店退换货处理流程 v1 › 二、退货操作步骤"


def test_answer_lines_are_taken_from_the_cited_passage(services: Services) -> None:
    for question in ("退货怎么操作", "云朵空气净化器多少钱", "盘点什么时候", "金卡会员的年消费门槛是多少"):
        answer = ask(services, question)
        assert answer.found, question
        body, _ = body_and_sources(answer)
        passage = answer.passages[answer.cited[0]].chunk.text
        for line in body:
            assert line in passage, (question, line)


def test_answer_carries_a_numbered_citation_with_document_title(services: Services) -> None:
    answer = ask(services, "投诉怎么升级上报")
    assert answer.found
    first_line, *_ = answer.text.splitlines()
    assert "[1]" in answer.text.splitlines()[-2]
    assert answer.text.splitlines()[-1] == "来源：[1] 顾客投诉升级处理规范 v1 › 二、升级步骤"
    assert first_line == "二、升级步骤"


@pytest.mark.parametrize(
    ("question", "path"),
    [
        ("金卡要消费多少", "会员积分规则.docx"),
        ("黑金卡积分几倍", "会员积分规则.docx"),
        ("陈列多久换一次", "display_utf16.txt"),
        ("投诉多久要上报主管", "complaints.pdf"),
        ("新员工第一周考核什么", "courses/onboarding.html"),
        pytest.param(
            "几点关门盘点", "stocktake_gb18030.txt",
            marks=pytest.mark.xfail(strict=True, reason=(
                "known gap: the SOP says 闭店 where the question says 关门, and no word vector links "
                "them; the found decision now declines such borderline cases (about 8% of answerable "
                "development questions) in exchange for declining far more unanswerable ones")),
        ),
    ],
)
def test_short_staff_questions_with_an_answer_are_not_declined(
    services: Services, question: str, path: str
) -> None:
    answer = ask(services, question)
    assert answer.passages[0].document.path == path
    assert answer.found, answer.text




@pytest.mark.parametrize(
    "question",
    [
        "公司年会在哪里举办",
        "店长的年终奖怎么算",
        "Who won the football world cup in 2022?",
        "火星上的门店几点开门",
        "员工停车位怎么申请",
        "What is the parking policy for staff cars?",
    ],
)
def test_question_outside_the_knowledge_base_is_declined_with_closest_topics(
    services: Services, question: str
) -> None:
    answer = ask(services, question)
    assert not answer.found, answer.text
    assert answer.cited == []
    assert "[1]" not in answer.text
    closest = "相关的主题：" if answer.language == "zh" else "Closest topics: "
    assert closest in answer.text


def test_csv_product_citation_names_the_file_once(services: Services) -> None:
    answer = ask(services, "What is the price of the Lumora sunrise alarm clock?")
    assert answer.text.splitlines()[-1] == "Sources: [1] imported_en v1 › Lumora Sunrise Alarm Clock"


def test_price_of_a_product_the_chain_does_not_sell_is_declined(tmp_path: Path) -> None:
    """The question names a product category the sheets know ("空气净化器") with a name they
    do not ("云朵"): neither the other purifier's record nor an SOP that mentions purifiers
    and price tags answers it."""
    fab = tmp_path / "knowledge" / "fab"
    fab.mkdir(parents=True)
    (fab / "purifiers.csv").write_text(
        "产品,SKU,价格,特点,优势,利益\n"
        "净界空气净化器,HY-AP300,2499,H13级HEPA滤网,客厅一台就够,新装修入住更安心\n"
        "轻风无线吸尘器,HY-VC800,1599,吸力强,轻巧,打扫不累\n",
        encoding="utf-8",
    )
    sop = tmp_path / "sop"
    sop.mkdir()
    (sop / "opening.md").write_text(
        "# 开店检查\n\n1. 打开空气净化器和加湿器演示机，检查演示效果。\n"
        "2. 核对价签与系统价格一致，缺失的价签当场补齐。\n3. 检查收银台零钱是否充足。\n",
        encoding="utf-8",
    )
    settings = Settings(home=tmp_path / "home")
    ingest(settings, [tmp_path / "knowledge", sop])
    answerer = Services(settings).answerer

    assert answerer.answer("净界空气净化器多少钱").found
    answer = answerer.answer("云朵空气净化器多少钱")
    assert not answer.found, answer.text

