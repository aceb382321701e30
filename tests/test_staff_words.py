"""Content in the words of the people who wrote it: a product called by the name staff
use for it ("小蓝袋"), a column header that says more than its field ("适合几岁的猫"), a
reply to a customer quoted whole, a rule found under its own heading rather than the
chapter's. Answers are read as a guide reads them."""

from __future__ import annotations

import pytest

from bot.catalog import find_product
from bot.service import Services
from ingest.embedder import Embedder
from ingest.normalize import split_sentences
from tests.test_focused_answers import indexed, lines_of

# a pet shop's sheet: a title row, nicknames, a header that asks its question
SHEET = (
    "萌宠家 秋季主推速查,,,,,,,,\n"
    "商品全称,店员叫它,编号,标价,会员到手价,适合几岁的猫,卖点,主人常问,这样答\n"
    "喵享全价冻干猫粮 成猫 1.5kg,小红袋,MX-C15,168,149,1到7岁成猫,冻干鸡肉粒占30%；无谷配方,"
    "换粮会不会拉稀？,按7天换粮：前3天新粮占三成，之后每两天加一成\n"
    "喵享全价冻干猫粮 幼猫 1.5kg,小蓝袋,MX-K15,178,159,2到12个月幼猫,小颗粒好咬；添加DHA,"
    "幼猫能吃成猫粮吗？,幼猫要的蛋白和钙更多，12个月前建议吃幼猫粮\n"
    "静音自动猫砂盆 L,太空舱,MX-T60,1299,1099,体重2公斤以上的猫,自动铲屎；运行低于40分贝,"
    "猫会不会害怕不敢进？,先关掉自动模式放一周，等它习惯了再打开\n"
)
# a product's own page, its reply to a doubt quoted as the guide says it
PAGE = """# 剑麻猫抓板沙发（货号 MX-S30）

零售价 ¥259 ｜ 会员价 ¥229

## 卖点

- 天然剑麻，耐抓不掉屑
- 侧面可以当猫床

## 顾客说“猫抓板是消耗品，买这么贵的不值”

可以这样回：“您说得对，普通纸抓板一个月就抓烂了。这款剑麻的一般能用一年，算下来一个月不到二十块。而且侧面还能当猫窝，等于买一送一。”
"""
# a chapter whose title names approvals above a section that approves nothing
RULES = """# 门店退款规定

## 第3章 审批权限与退款

### 3.1 审批权限

3.1.1 单笔退款 500 元及以下：店长审批。
3.1.2 单笔退款 500 元以上至 3000 元：区域经理审批。
3.1.3 单笔退款 3000 元以上：区域经理审批后报营运总监。

### 3.2 退款方式

3.2.1 现金付款 1000 元以内当场退现金，超过 1000 元的转账退回。
3.2.2 刷卡付款原路退回，3 个工作日内到账。
"""


# no header says "name" or "price": the first column of names and the first of amounts
LITTER = (
    "系列叫法,编码,门市价（一袋）,卡价,主人嫌,这么答\n"
    "豆腐砂 原味 6L,MX-L06,¥39,¥35,豆腐砂是不是不耐用吧,单猫一袋能用20天，结团后只铲脏的部分\n"
    "矿砂 无尘 10kg,MX-L10,¥59,¥52,矿砂粉尘大吗？,这款除尘三遍，倒的时候贴近盆底就不起灰\n"
    "注：卡价为萌宠卡会员价，以收银系统为准,,,,,\n"
)
# a plain-text page framed with rules, its labels in 【】
TXT_PAGE = """==============================
  猫用营养膏 120g   货号：MX-N12
==============================
售价：45元/支    会员：39元/支

【好在哪】
  * 添加牛磺酸和卵磷脂
  * 挤在手指上就能喂

【怎么用】
  1. 成猫每天 3 厘米
  2. 幼猫减半
"""


# an English policy that names a Chinese term in passing, and the Chinese rule on it
GROOMING_EN = """# Grooming Service Policy

## 1. Booking

1.1 Grooming is booked in 90-minute slots through the mini-program.
1.2 A customer needs a grooming card issued within the last 30 days (same as the 30-day validity of our 洗护卡).
1.3 Cats over 8 kg are booked for two slots.
"""
GROOMING_ZH = """# 洗护服务规范

## 一、洗护卡

1. 洗护卡有效期为30天，过期须重新办理。
2. 洗护卡不可转让，一张卡只登记一只宠物。
3. 洗护卡遗失的，凭手机号在收银台补办，工本费5元。
"""


# a price list: full names with their size on a second line, codes, prices, nicknames
PRICE_LIST = (
    '全称 & 规格,货号,牌价,店里叫它\n'
    '"喵享冻干鸡肉粒\n100g 罐装",MX-F10,59,鸡肉罐\n'
    '"喵享冻干三文鱼粒\n100g 罐装",MX-F11,69,鱼罐\n'
    '"云梯猫爬架 3代\n高1.2米",MX-C03,399,云梯\n'
)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, real_embedder: Embedder) -> Services:
    return indexed(tmp_path_factory.mktemp("pet_shop"), {
        "fab/秋季主推.csv": SHEET, "fab/猫抓板沙发.md": PAGE, "sop/退款规定.md": RULES,
        "fab/猫砂.csv": LITTER, "fab/营养膏.txt": TXT_PAGE,
        "sop/grooming_policy.md": GROOMING_EN, "sop/洗护服务规范.md": GROOMING_ZH,
        "fab/冻干价目.csv": PRICE_LIST}, real_embedder)


def test_a_product_asked_by_the_name_staff_call_it_is_that_product(shop: Services) -> None:
    body = "\n".join(lines_of(shop, "小蓝袋一包多少钱"))
    assert "喵享全价冻干猫粮 幼猫 1.5kg" in body and "178" in body, body
    assert "会员到手价：159" in body, body  # the members' price, kept under its own header, beside it
    assert "168" not in body and "成猫" not in body.replace("成猫粮", ""), body
    assert "店员叫它" not in body and "小蓝袋" not in body, body  # the nickname says which, not what
    card = find_product(shop.reader, "太空舱")
    assert card is not None and card.name == "静音自动猫砂盆 L"


def test_a_header_that_asks_a_question_answers_it(shop: Services) -> None:
    body = "\n".join(lines_of(shop, "小红袋几岁的猫能吃"))
    assert "1到7岁成猫" in body, body
    assert "2到12个月幼猫" not in body, body


def test_a_reply_quoted_on_a_page_is_shown_whole(shop: Services) -> None:
    body = "\n".join(lines_of(shop, "顾客嫌猫抓板沙发太贵 说是消耗品 怎么回"))
    assert "一般能用一年" in body and "买一送一" in body, body
    assert split_sentences("可以这样回：“您说得对。这款能用一年。”再递给顾客。") == [
        "可以这样回：“您说得对。这款能用一年。”再递给顾客。"]


def test_a_second_price_on_a_page_keeps_its_label(shop: Services) -> None:
    card = find_product(shop.reader, "MX-S30")
    assert card is not None
    assert {p.field: p.value for p in card.chunk.parts}["price"] == "¥259 / 会员价 ¥229"
    body = "\n".join(lines_of(shop, "猫抓板沙发会员价多少"))
    assert "会员价 ¥229" in body, body


def test_a_rule_is_found_under_its_own_heading_not_its_chapters(shop: Services) -> None:
    body = "\n".join(lines_of(shop, "退款1500谁批"))
    assert "区域经理审批" in body and "3.1.2" in body, body
    assert "3.2.1" not in body, body


def test_the_quoted_reply_grammar_leaves_other_sentences_apart() -> None:
    assert split_sentences("先问预算。再推荐两款。") == ["先问预算。", "再推荐两款。"]
    assert split_sentences("她说“好的”。然后离开了。") == ["她说“好的”。", "然后离开了。"]


def test_an_english_question_finds_a_chinese_column_by_its_meaning(shop: Services) -> None:
    body = "\n".join(lines_of(shop, "what's the member price of MX-C15"))
    assert "149" in body, body


def test_a_table_whose_headers_say_nothing_known_is_read_by_its_cells(shop: Services) -> None:
    card = find_product(shop.reader, "豆腐砂")
    assert card is not None and card.name == "豆腐砂 原味 6L"
    fields = {p.field: (p.label, p.value) for p in card.chunk.parts if p.kind == "field"}
    assert fields["price"] == ("门市价（一袋）", "¥39")
    assert fields["objections"] == ("主人嫌", "豆腐砂是不是不耐用吧")
    assert fields["replies"][1].startswith("单猫一袋能用20天")
    names = {c.metadata["product"] for c, _ in shop.reader.product_chunks()}
    assert not any(n.startswith("注") for n in names)  # the note under the table is no product


def test_a_plain_text_page_framed_with_rules_is_a_product(shop: Services) -> None:
    card = find_product(shop.reader, "MX-N12")
    assert card is not None and card.name == "猫用营养膏 120g"
    sections = {c.section for d in shop.reader.documents().values() if d.path == "fab/营养膏.txt"
                for c in shop.reader.document_chunks(d.doc_key)}
    assert any(s and s.endswith("【怎么用】") for s in sections), sections


def test_a_chinese_question_is_answered_by_the_chinese_rule_before_an_english_mention(shop: Services) -> None:
    answer = shop.answerer.answer("洗护卡多久有效")
    assert answer.found and answer.cited_passages[0].document.path == "sop/洗护服务规范.md", answer.text
    assert "有效期为30天" in answer.body, answer.body


def test_a_product_asked_by_a_piece_of_its_name(shop: Services) -> None:
    body = "\n".join(lines_of(shop, "营养膏那支多少钱"))
    assert "45元/支" in body, body


def test_a_long_english_word_is_found_in_another_form_of_it() -> None:
    from bot.retrieve import coverage

    text = "detachable 10x magnifying mirror; auto shut-off after 10 minutes"
    assert coverage({"magnification": 1.0}, text) == 1.0
    assert coverage({"magnet": 1.0}, text) == 0.0  # a short word is matched as written


def test_a_price_list_names_each_product_by_the_first_line_of_its_name(shop: Services) -> None:
    card = find_product(shop.reader, "鱼罐")
    assert card is not None and card.name == "喵享冻干三文鱼粒"
    fields = {p.label: p.value for p in card.chunk.parts if p.kind == "field"}
    assert fields["全称 & 规格"] == "100g 罐装" and fields["牌价"] == "69"
    body = "\n".join(lines_of(shop, "鸡肉罐多少钱"))
    assert "59" in body and "69" not in body, body


def test_a_reply_in_straight_quotes_stays_whole() -> None:
    line = '回："您说得对，冻干贵一点。但一罐能吃一个月。算下来一天两块钱。"'
    assert split_sentences(line) == [line]
    assert split_sentences('屏幕 5" 大。电池耐用。') == ['屏幕 5" 大。', "电池耐用。"]


def test_a_variant_named_by_its_number_is_not_answered_with_another(shop: Services) -> None:
    body = "\n".join(lines_of(shop, "云梯猫爬架3代多少钱"))
    assert "399" in body, body
    answer = shop.answerer.answer("云梯猫爬架4代多少钱")  # only the 3代 is sold
    assert not answer.found, answer.text
    assert "399" not in answer.text
