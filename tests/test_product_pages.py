"""A product's own page is a product, whatever its format and wording: an English
Markdown page with a model number and a price line, a Word page of "label：value"
lines, a PDF whose section labels lost their markup. /product finds each, quizzes ask
about each, answers show its fields; a lesson on FAB selling is not taken for one."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from bot.answer import Answerer
from bot.catalog import find_product
from bot.quiz.generate import generate_questions
from bot.service import Services
from bot.settings import Settings
from ingest.chunkers.product_page import split_title
from ingest.embedder import Embedder
from ingest.pipeline import ingest
from tests.builders import write_pdf

ENGLISH_PAGE = """# Aurel Smart Rice Cooker (RC-220)

Price: $129 (3 L bowl)
Warranty: 3 years on the heating plate

## Key specs

- 3 litre ceramic-coated bowl, for 2 to 6 people
- Fuzzy-logic heating with 12 programmes, including brown rice and congee
- 24-hour delay timer

## Why it's better

- The ceramic coating holds no PTFE, so nothing flakes into the rice
- Keeps rice warm for 12 hours without drying it out

## Customer benefits

- Wake up to ready congee
- Dinner cooks itself while you commute

## How to use

1. Rinse the rice and fill water to the line for the cup count.
2. Pick a programme and press Start; the cooker beeps when done.

## Good to know

Q: Can it steam vegetables?
A: Yes, put the steaming tray on top during any programme.
"""

LESSON = """# FAB销售法则（新人第2课）

## 特点

特点是产品本身有什么，比如材质、参数和功能。

## 优势

优势是和别的产品比好在哪里。

## 利益

利益是顾客用了以后得到什么，要说到顾客心里。
"""


def _word_page(path: Path) -> Path:
    """No headings at all: one "label：value" line per field, as a store PC types it."""
    document = docx.Document()
    for line in ("品名：暖暖恒温电热毯", "货号：HB-611", "售价：299元", "卖点：六档温控；定时关机；可水洗",
                 "优势：碳纤维发热线比普通合金线更软更耐折", "利益：冬天上床就是暖的，整晚不用起来调温度",
                 "顾客疑问：电热毯有辐射吗？", "回应：低于国家标准限值，而且有分区控温，贴身不烫"):
        document.add_paragraph(line)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(path)
    return path


def _numbered_word_page(path: Path) -> Path:
    """Headings numbered 一、二、 with the field's own word in brackets; a price written
    "门店价 1,280 元"; a bracket that belongs to the name in the title."""
    document = docx.Document()
    document.add_heading("云感记忆枕（含枕套）PL-660", level=1)
    document.add_paragraph("门店价 1,280 元　｜　会员价 1,080 元")
    document.add_heading("一、摸得到的（特点）", level=2)
    document.add_paragraph("• 慢回弹记忆棉，压下去 3 秒回弹")
    document.add_paragraph("• 枕芯分高低两侧")
    document.add_heading("二、为什么比普通枕头好（优势）", level=2)
    document.add_paragraph("1. 按头型分散压力，不塌陷")
    document.add_heading("三、睡得怎样（利益）", level=2)
    document.add_paragraph("早上起来脖子不僵。")
    document.add_heading("四、问与答", level=2)
    document.add_paragraph("问：枕芯能洗吗？")
    document.add_paragraph("答：枕芯不能水洗，枕套可以机洗。")
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(path)
    return path


def _rulebook(path: Path) -> Path:
    """Rules with a document code in the title and a section headed "价保": prices are
    its subject, it sells nothing."""
    document = docx.Document()
    document.add_heading("换季促销执行规范（文件编号 OP-PR-07）", level=1)
    document.add_heading("1 价保", level=2)
    document.add_paragraph("1.1　促销开始前 7 天内按原价购买的顾客，凭小票可退差价。")
    document.add_paragraph("1.2　每张小票只能申请一次价保，差价按原支付方式退回。")
    document.add_heading("2 赠品", level=2)
    document.add_paragraph("2.1　赠品随主商品一起退回，缺赠品的按赠品标价扣款。")
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(path)
    return path


def _clauses(path: Path) -> Path:
    """A rulebook whose title does not say so: numbered clauses make it one."""
    document = docx.Document()
    document.add_heading("收银差错处理", level=1)
    document.add_heading("1　长款与短款", level=2)
    for line in ("1.1　当班结束前清点备用金，差额超过 50 元须报店长。",
                 "1.2　长款一律上交，不得冲抵短款。",
                 "1.3　短款由当班收银员在 3 天内说明原因。",
                 "1.4　连续两个月出现短款的，暂停收银岗位一周。"):
        document.add_paragraph(line)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(path)
    return path


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory, real_embedder: Embedder) -> Services:
    base = tmp_path_factory.mktemp("pages")
    content = base / "content"
    (content / "catalogue").mkdir(parents=True)
    (content / "catalogue" / "rice_cooker.md").write_text(ENGLISH_PAGE, encoding="utf-8")
    _word_page(content / "catalogue" / "电热毯.docx")
    write_pdf(content / "catalogue" / "加湿器.pdf", [
        "静音加湿器 ｜ JS-450", "零售价：¥259", "产品特点", "· 4.5升大水箱，一晚不用加水",
        "· 运行噪音低于26分贝", "核心优势", "· 顶部加水，不用把水箱拿下来", "顾客利益",
        "· 开着睡觉也不吵", "常见问题", "问：可以加精油吗？", "答：不可以，精油会腐蚀雾化片。"])
    # a code, a price under a label no list names, and one selling section of its own wording
    (content / "catalogue" / "boots.md").write_text(
        "# 岩径中帮登山鞋（YJ-B350）\n\n门店价：899元\n\n## 卖点\n\n- GORE-TEX防水透气膜\n- Vibram大底\n\n"
        "## 穿上之后\n\n走碎石路不硌脚。\n", encoding="utf-8")
    # a price line without a colon, pieces between bars, and no selling section at all
    (content / "catalogue" / "温奶器.md").write_text(
        "# 暖宝智能温奶器 WB-200\n\n零售价 ¥899 ｜ 会员积分正常累计 ｜ 保修两年\n\n"
        "暖宝温奶器可以把奶温恒定在 37℃，夜里冲奶不用等。\n\n## 怎么用\n\n1. 加水至刻度线。\n2. 放入奶瓶，约 6 分钟到温。\n\n"
        "## 顾客异议\n\n顾客说温奶器用不了多久就闲置。回应：可以解冻母乳、加热辅食，宝宝到两岁都用得上。\n",
        encoding="utf-8")
    # the code in a labelled bracket of the title; bold labels spaced apart by bars
    (content / "catalogue" / "S09推车.md").write_text(
        "# 轻旅 S09 高景观推车（货号 BB-S09）\n\n**建议零售价：¥1,599**　｜　颜色：燕麦白 / 深空灰　｜　产地：宁波\n\n"
        "## 产品亮点\n\n- 车重 7.2kg，单手收车\n- 座椅离地 55cm\n", encoding="utf-8")
    # a product list with a name, a code, a price and one selling column of its own wording
    (content / "catalogue" / "婴童用品.csv").write_text(
        "商品名称,SKU,门店价,会员价,规格,一句话卖点,注意事项\n"
        "贝亲自然实感奶瓶,BB-PG160,129,119,160ml 宽口径,仿母乳的奶嘴宝宝不抗拒,首次使用前煮沸消毒5分钟\n"
        "好孩子轻便推车,BB-GB709,1299,1199,6.8kg,单手一秒收车,承重不超过15kg\n", encoding="utf-8")
    (content / "courses").mkdir()
    (content / "courses" / "fab_lesson.md").write_text(LESSON, encoding="utf-8")
    _numbered_word_page(content / "catalogue" / "记忆枕.docx")
    _rulebook(content / "运营" / "换季促销执行规范.docx")
    _clauses(content / "运营" / "收银差错处理.docx")
    # a title row, a name column no list names, doubts under a header that says nothing
    # of them, their answers beside, and a note under the table
    (content / "catalogue" / "床品速查.csv").write_text(
        "秋冬床品速查（店内使用）,,,,,\n"
        "款式全称,编码,标价,摸起来怎样,顾客嘀咕,这么回\n"
        "云絮蚕丝被 200×230,BD-SK230,1680,桑蚕丝长丝填充；手感蓬松,蚕丝被能水洗吗？,不能水洗，"
        "晒太阳时盖一层薄布，一年送洗一次就好\n"
        "暖阳羊毛褥垫 150,BD-WL150,899,澳洲羊毛；防滑底布,羊毛会不会扎人？,表层是精梳羊毛，"
        "您摸一下，比普通羊毛软很多\n"
        "注：标价为门店吊牌价，会员价以系统为准,,,,,\n", encoding="utf-8")
    settings = Settings(home=base / "home")
    ingest(settings, [content], embedder=real_embedder)
    return Services(settings)


@pytest.mark.parametrize(("asked", "product", "sku"), [
    ("rice cooker", "Aurel Smart Rice Cooker", "RC-220"),
    ("电热毯", "暖暖恒温电热毯", "HB-611"),
    ("加湿器", "静音加湿器", "JS-450"),
    ("登山鞋", "岩径中帮登山鞋", "YJ-B350"),
    ("温奶器", "暖宝智能温奶器", "WB-200"),
    ("S09", "轻旅 S09 高景观推车", "BB-S09"),
    ("奶瓶", "贝亲自然实感奶瓶", "BB-PG160"),
])
def test_each_page_is_a_product_card(pages: Services, asked: str, product: str, sku: str) -> None:
    card = find_product(pages.reader, asked)
    assert card is not None and card.name == product
    assert card.chunk.metadata["sku"] == sku
    assert "price" in card.chunk.metadata


def test_a_page_keeps_each_field_with_the_heading_or_label_it_came_from(pages: Services) -> None:
    english = find_product(pages.reader, "RC-220")
    word = find_product(pages.reader, "HB-611")
    assert english is not None and word is not None
    labels = {p.field: p.label for p in english.chunk.parts if p.kind == "field"}
    assert labels["features"] == "Key specs" and labels["advantages"] == "Why it's better"
    assert {p.field: p.value for p in english.chunk.parts}["price"] == "$129 (3 L bowl)"
    # a labelled fact no field names is kept in the record under its own label
    assert any(p.field is None and p.label == "Warranty" for p in english.chunk.parts)
    word_fields = {p.field: p.value for p in word.chunk.parts if p.kind == "field"}
    assert word_fields["features"] == "六档温控；定时关机；可水洗"
    assert word_fields["price"] == "299元"


def test_pieces_between_bars_are_fields_and_bars_are_nothing(pages: Services) -> None:
    card = find_product(pages.reader, "S09")
    assert card is not None
    values = {p.label: p.value for p in card.chunk.parts}
    assert (values["建议零售价"], values["颜色"], values["产地"]) == ("¥1,599", "燕麦白 / 深空灰", "宁波")
    assert not any(p.value.strip("｜| ") == "" for p in card.chunk.parts)
    warmer = find_product(pages.reader, "WB-200")
    assert warmer is not None and warmer.chunk.metadata["price"] == "¥899"


def test_a_lesson_about_fab_selling_is_not_a_product(pages: Services) -> None:
    names = {c.metadata["product"] for c, _ in pages.reader.product_chunks()}
    assert names == {"Aurel Smart Rice Cooker", "暖暖恒温电热毯", "静音加湿器", "岩径中帮登山鞋", "暖宝智能温奶器",
                     "轻旅 S09 高景观推车", "贝亲自然实感奶瓶", "好孩子轻便推车", "云感记忆枕（含枕套）",
                     "云絮蚕丝被 200×230", "暖阳羊毛褥垫 150"}
    lesson = next(d for d in pages.reader.documents().values() if d.path.endswith("fab_lesson.md"))
    assert lesson.doc_type == "course"


def test_rules_are_sops_by_their_title_or_their_numbered_clauses(pages: Services) -> None:
    types = {d.path: d.doc_type for d in pages.reader.documents().values()}
    assert types["运营/换季促销执行规范.docx"] == "sop"  # "价保" and a code do not make it a product
    assert types["运营/收银差错处理.docx"] == "sop"
    assert types["catalogue/记忆枕.docx"] == "fab"


def test_a_sheet_column_of_customers_doubts_is_read_as_objections_with_replies_beside(pages: Services) -> None:
    card = find_product(pages.reader, "蚕丝被")
    assert card is not None and card.name == "云絮蚕丝被 200×230"
    fields = {p.field: (p.label, p.value) for p in card.chunk.parts if p.kind == "field"}
    assert fields["product"][0] == "款式全称"
    assert fields["objections"] == ("顾客嘀咕", "蚕丝被能水洗吗？")
    assert fields["replies"] == ("这么回", "不能水洗，晒太阳时盖一层薄布，一年送洗一次就好")
    assert fields["price"] == ("标价", "1680")


def test_numbered_headings_name_their_field_in_brackets(pages: Services) -> None:
    card = find_product(pages.reader, "PL-660")
    assert card is not None and card.name == "云感记忆枕（含枕套）"
    fields = {p.field: p.value for p in card.chunk.parts if p.kind == "field"}
    assert fields["features"] == "慢回弹记忆棉，压下去 3 秒回弹；枕芯分高低两侧"
    assert fields["advantages"].startswith("按头型分散压力")
    assert fields["benefits"] == "早上起来脖子不僵"
    assert fields["price"].startswith("1,280 元")


def test_quiz_questions_are_generated_for_every_page(pages: Services) -> None:
    topics = {q.topic for q in generate_questions(pages.reader)}
    assert {"Aurel Smart Rice Cooker", "暖暖恒温电热毯", "静音加湿器", "岩径中帮登山鞋", "云感记忆枕（含枕套）",
            "云絮蚕丝被 200×230", "暖阳羊毛褥垫 150"} <= topics


@pytest.mark.parametrize(("question", "expected"), [
    ("how much is the rice cooker", "$129"),
    ("加湿器多少钱", "259"),
    ("电热毯多少钱", "299元"),
    ("登山鞋多少钱", "899元"),
    ("加湿器能加精油吗", "腐蚀"),
    ("how long is the rice cooker warranty", "3 years"),
    ("温奶器多少钱", "¥899"),
    ("S09推车多少钱", "¥1,599"),
    ("奶瓶会员价多少", "119"),
    ("顾客说温奶器会闲置 怎么回", "解冻母乳"),
])
def test_questions_about_a_page_are_answered_from_it(pages: Services, question: str, expected: str) -> None:
    answerer: Answerer = pages.answerer
    answer = answerer.answer(question)
    assert answer.found, answer.text
    assert expected in answer.text, answer.text


def test_a_follow_up_after_a_section_of_a_page_is_about_that_product(pages: Services) -> None:
    first = pages.answerer.answer("how do I use the rice cooker")
    assert first.found and first.subject == "Aurel Smart Rice Cooker", first.text
    follow = pages.answerer.answer("how much is it", previous=first.turn)
    assert follow.found and "$129" in follow.text, follow.text


def test_a_model_the_chain_does_not_list_is_declined_not_answered_with_another(pages: Services) -> None:
    assert pages.answerer.answer("电热毯多少钱").found
    answer = pages.answerer.answer("双人电热毯多少钱")  # only the one model is listed, not a 双人 one
    assert not answer.found, answer.text
    assert "299" not in answer.text


@pytest.mark.parametrize(("title", "name", "sku"), [
    ("武夷大红袍 中火（编号 QL-DHP-012）", "武夷大红袍 中火", "QL-DHP-012"),
    ("白毫银针 特级 (产品编号: TE-BH-003)", "白毫银针 特级", "TE-BH-003"),
    ("轻旅 S09 高景观推车【款号 BB-S09】", "轻旅 S09 高景观推车", "BB-S09"),
    ("Trail Mug (ref TM-450)", "Trail Mug", "TM-450"),
    ("静音加湿器 4.5L ｜ 货号 JS-450", "静音加湿器 4.5L", "JS-450"),
    ("云感记忆枕（含枕套）PL-660", "云感记忆枕（含枕套）", "PL-660"),
    ("Trail Lamp — SKU: TL-400", "Trail Lamp", "TL-400"),
    ("〔LS-HJ-012〕古越十年陈 礼坛", "古越十年陈 礼坛", "LS-HJ-012"),
])
def test_a_code_in_a_labelled_bracket_leaves_the_name_clean(title: str, name: str, sku: str) -> None:
    assert split_title(title, {}) == (name, sku)
