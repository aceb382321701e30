"""Generated quiz questions, checked against the files they come from.

A small knowledge base is written here (an xlsx FAB sheet, an English CSV sheet, SOPs in
Chinese and English, a course), ingested for real, and every generated question is
checked against the cells and lines the test itself wrote: keys right, distractors
wrong, limits respected, ids stable, hashes following the content. The repo's own FAB
sheets are checked the same way, read with the loaders rather than the index.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import re
import shutil
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from bot.quiz.generate import (
    EXPLANATION_MAX,
    OPTION_MAX,
    STEM_MAX,
    GeneratedQuestion,
    Snapshot,
    content_hash,
    generate_detailed,
    generate_questions,
    read_snapshot,
    rule_numbers,
    scope_for,
    shorten,
)
from bot.settings import Settings
from ingest.chunkers.fab import find_fab_header
from ingest.embedder import Embedder
from ingest.index import IndexReader
from ingest.loaders.text_file import read_text
from ingest.pipeline import IngestRun

REPO = Path(__file__).resolve().parents[1]

# -- the knowledge base -------------------------------------------------------------

FAB_HEADER = ["产品", "SKU", "价格", "特点", "优势", "利益", "适用人群", "推荐话术", "常见异议", "异议回复"]
# Cells with line breaks are how sheets usually list several points.
KITCHEN = [
    ["青禾隔水电炖锅", "QH-ST200", 459, "陶瓷内胆隔水炖\n24小时预约\n三档火力",
     "隔水慢炖营养不流失\n睡前预约，醒来汤已炖好", "早上起床就有一碗热汤\n炖出来的汤清澈不浑浊",
     "注重养生的家庭、坐月子的新妈妈", "晚上放好食材预约，早上就有热汤。", "电炖锅占地方",
     "这台直径只有二十二厘米，比电饭煲还小一圈，放在灶台角落就行。"],
    ["青禾多功能料理棒", "QH-HB120", 299, "八百瓦纯铜电机\n打蛋、搅拌、切碎三个配件",
     "一根机身换三个头，抽屉就能收纳", "做辅食和蛋糕不用再买三台机器",
     "烘焙爱好者、给宝宝做辅食的家长", "给宝宝做果泥，三十秒就打好了。", "料理棒功率小，打不动",
     "八百瓦打冰块都没问题，您现场试一下打坚果。"],
    ["青禾风炉烤箱 32L", "QH-OV320", 699, "三十二升大容量\n热风循环\n上下管独立控温",
     "一次烤两层饼干，受热均匀", "周末给全家烤一整盘鸡翅",
     "三口以上家庭、周末爱做西点的人", "三十二升能放下一只整鸡。", "烤箱用得少，容易吃灰",
     "热风功能还能当空气炸锅用，解冻、发酵也都能做，平时用得上。"],
    ["青禾便携榨汁杯", "QH-JC050", 199, "无线充电\n四百毫升杯身\n六叶刀头",
     "杯身就是水杯，榨完直接喝", "上班路上也能喝到现榨果汁",
     "通勤上班族、健身后补充维生素的人", "早上切好水果放进去，路上摇一摇就能喝。", "榨汁杯电量不够用",
     "充满一次能榨十五杯，一周充一次电就行。"],
    ["青禾双面煎烤机", "QH-GR180", 459, "上下烤盘同时加热\n可拆卸不粘烤盘",
     "两面同时煎，不用翻面", "十分钟做好三明治早餐",
     "早上时间紧的双职工、爱吃帕尼尼的年轻人", "面包夹上火腿放进去，三分钟就好。", "煎烤机只能做三明治",
     "换上华夫饼盘就能做松饼，烤盘也能煎牛排。"],
    ["青禾煮蛋器", "QH-EG010", 99, "一次煮七个蛋\n自动断电",
     "水开蛋熟自动断电，不用看火", "宿舍也能吃上溏心蛋",
     "大学生、住宿舍的新员工", "放上刻度杯的水量，按一下就走开。", "煮蛋器很鸡肋",
     "九十九块钱，每天早上省五分钟，一年能省三十个小时。"],
]
PERSONAL = [
    ["青禾理发器", "QH-HC300", "259元", "钛陶瓷刀头\n五档限位梳", "刀头不夹头发，理得平整",
     "在家给孩子理发，省下理发店排队时间", "有小孩的家庭、自己修鬓角的男士",
     "限位梳一装，新手也能理出平头。", "自己理发怕理坏", "先用最长的限位梳，理短了也不会秃。"],
    ["青禾射频美容仪", "QH-BD700", "1299元", "三档射频\n恒温四十二度", "温热按摩不刺痛，敏感肌也能用",
     "每天十分钟，皮肤摸起来更紧致", "二十五岁以上注重皮肤保养的女性",
     "涂上凝胶，沿下颌线往上推。", "美容仪没效果", "要坚持四周，每周五次，配合凝胶效果最明显。"],
    ["青禾按摩足浴盆", "QH-FB500", "599元", "恒温加热\n八个按摩滚轮", "水温一直不降，泡得更久",
     "晚上泡脚解乏，睡得更香", "长时间站立工作的人、手脚冰凉的老人",
     "水温设到四十度，泡二十分钟最舒服。", "足浴盆太占地方", "折叠后只有八厘米高，可以塞进床底。"],
    # the same product listed again at another price: its price cannot be asked
    ["青禾煮蛋器", "QH-EG010", "109元", "一次煮七个蛋\n自动断电",
     "水开蛋熟自动断电，不用看火", "宿舍也能吃上溏心蛋",
     "大学生、住宿舍的新员工", "放上刻度杯的水量，按一下就走开。", "煮蛋器很鸡肋",
     "九十九块钱，每天早上省五分钟，一年能省三十个小时。"],
]
EN_HEADER = ["Product", "SKU", "Price", "Features", "Advantages", "Benefits", "Target customers",
             "Selling lines", "Objections", "Replies"]
EN_ROWS = [
    ["Nimbus Travel Steamer", "NB-TS10", "349", "Heats up in 25 seconds; 180 ml tank; folding handle",
     "Removes creases without an ironing board; fits in a carry-on bag",
     "Look sharp at meetings straight off the plane; no more hotel ironing queues",
     "Frequent business travellers, people who live in small rented flats",
     "Hang a creased shirt on the door and steam it in front of the customer.",
     "A steamer does not press as well as an iron.",
     "For collars and cuffs an iron is crisper, but for daily creases the steamer is faster and never scorches."],
    ["Borea Desk Fan", "BR-DF20", "229", "Brushless motor; 12 speed levels; USB-C power",
     "Runs almost silently at low speed; powered from a laptop or power bank",
     "Stay cool at the desk without disturbing colleagues; use it anywhere there is a USB port",
     "Office workers, students in dormitories, gamers",
     "Hold it at arm's length on speed one and ask the customer to listen.",
     "Small fans are too weak to make a difference.",
     "Speed twelve moves enough air for one person at a desk, and the narrow beam keeps it on you."],
    ["Calla Sleep Mask Speaker", "CL-SM05", "189", "Bluetooth speakers inside a padded mask; 10-hour battery",
     "Blocks light completely while playing white noise or podcasts",
     "Fall asleep faster on night flights and in bright rooms",
     "Light sleepers, shift workers, long-haul flyers",
     "Let the customer try it on and play the rain sound for ten seconds.",
     "Headphones in a mask must be uncomfortable for side sleepers.",
     "The speakers are flat discs under the padding and can be moved away from the ears."],
]

# Another team's layout: other header names, a category column, prices with a currency
# sign and thousands separator, numbered points inside cells.
OUTDOOR_HEADER = ["商品名称", "货号", "零售价", "品类", "卖点", "产品优势", "顾客利益", "目标客户",
                  "销售话术", "顾客异议", "应对话术"]
OUTDOOR = [
    ["山行轻量冲锋衣", "SX-JK01", "¥1,299", "服装", "1. 三层防水面料\n2. 腋下透气拉链",
     "1. 暴雨里也不渗水\n2. 爬坡出汗能快速散热", "1. 周末徒步不怕变天\n2. 一件外套从春穿到秋",
     "周末徒步爱好者、城市通勤骑行族", "您摸一下面料，里面是透气膜。", "冲锋衣太贵",
     "按穿五年算每天不到一块钱，还送一次免费防水复涂。"],
    ["山行抓绒衣", "SX-FL02", "¥399", "服装", "1. 双面抓绒\n2. 立领设计",
     "1. 压缩后只有一瓶水大小", "1. 露营夜里当中间层，暖和不臃肿",
     "露营新手、怕冷的上班族", "您试穿一下，很轻。", "抓绒衣起球",
     "这款是防起球处理的面料，洗二十次也不起球。"],
    ["山行速干T恤", "SX-TS03", "¥159", "服装", "1. 凉感速干面料\n2. 防晒指数五十",
     "1. 汗水半小时就干，不贴背", "1. 夏天爬山一身清爽",
     "跑步和登山人群", "出汗以后对比一下就知道。", "速干衣有异味",
     "面料加了银离子抗菌，连穿两天也没有汗味。"],
    ["山行登山杖", "SX-TP04", "¥259", "装备", "1. 碳纤维杆身\n2. 三节快锁",
     "1. 比铝合金杖轻三分之一", "1. 下山时膝盖少受力",
     "膝盖不好的中老年徒步者", "您拿一下，比手机还轻。", "登山杖用不上",
     "下山时能分担三成的膝盖压力，长距离走完腿不酸。"],
    ["山行双人帐篷", "SX-TN05", "¥899", "装备", "1. 铝合金帐杆\n2. 双层防雨",
     "1. 一个人三分钟就能搭好", "1. 周末带家人去露营不费劲",
     "家庭露营、自驾游人群", "店里有样品可以现场搭。", "帐篷搭起来太麻烦",
     "帐杆是颜色对应的，按颜色插好就行，店里可以现场试。"],
    ["山行头灯", "SX-HL06", "¥129", "装备", "1. 三百流明\n2. Type-C充电",
     "1. 夜里照亮三十米外的路", "1. 夜爬看日出不摸黑",
     "夜爬看日出的年轻人", "关上灯打开试一下。", "手机手电筒就够了",
     "头灯解放双手，亮度比手机高得多，还不耗手机电。"],
]

SOP_ZH = """---
type: sop
title: 门店收银差错处理规范
---

# 门店收银差错处理规范

## 一、处理时限

收银差错须在发现后30分钟内报告值班主管。
长短款金额超过200元的，须在24小时内上报区域财务。
顾客多付的款项，须在3个工作日内原路退回。

## 二、处理步骤

1. 暂停收银，保留当班小票和电子流水。
2. 与顾客当面核对商品、数量和实付金额。
3. 由值班主管在系统中登记差错单。
4. 按原支付方式退回多收款项，或请顾客补付少收款项。
5. 当天在门店群通报差错原因和改进措施。

## 三、复盘

每月第一个周一召开收银复盘会，时长不超过45分钟。
"""

SOP_EN = """---
type: sop
title: Gift Wrapping Service
---

# Gift Wrapping Service

## Wrapping an order

1. Ask the customer which paper and ribbon they would like.
2. Remove the price tag and put the receipt in a separate envelope.
3. Wrap the box on the wrapping table, never on the cashier counter.
4. Attach a gift card and ask the customer to write the message.
5. Hand the parcel over with both hands and thank the customer.

## Rules

Gift wrapping is free for orders over 300 yuan.
A standard parcel must be wrapped within 15 minutes.
"""

COURSE = """---
type: course
title: 门店陈列基础课
---

# 门店陈列基础课

## 一、基本概念

黄金陈列位，就是顾客视线高度、伸手就能拿到的货架区域。
所谓关联陈列，就是把功能相关的商品摆在一起，方便顾客顺手购买。
端架是指货架两端面向主通道的展示位置。
堆头（Floor stack）：在卖场地面集中堆放的促销商品陈列。

## 二、注意事项

陈列调整后要在系统中更新价签。
"""
TERMS = {
    "黄金陈列位": "顾客视线高度、伸手就能拿到的货架区域",
    "关联陈列": "把功能相关的商品摆在一起，方便顾客顺手购买",
    "端架": "货架两端面向主通道的展示位置",
    "堆头": "在卖场地面集中堆放的促销商品陈列",
}


def write_fab_xlsx(path: Path, kitchen: list[list[object]], personal: list[list[object]]) -> None:
    workbook = openpyxl.Workbook()
    for index, (name, rows) in enumerate((("厨房小电", kitchen), ("个护", personal))):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        assert sheet is not None
        sheet.title = name
        sheet.append([f"青禾2026主推产品FAB表——{name}"])  # a title row above the header
        sheet.append(FAB_HEADER)
        for row in rows:
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def write_knowledge(root: Path, kitchen: list[list[object]] | None = None) -> Path:
    write_fab_xlsx(root / "fab" / "青禾主推FAB.xlsx", kitchen or KITCHEN, PERSONAL)
    lines = [",".join(EN_HEADER)] + [
        ",".join('"' + cell.replace('"', '""') + '"' for cell in row) for row in EN_ROWS
    ]
    (root / "fab" / "travel_en.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open(root / "fab" / "户外装备.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([OUTDOOR_HEADER, *OUTDOOR])
    (root / "sop").mkdir(parents=True, exist_ok=True)
    (root / "sop" / "收银差错.md").write_text(SOP_ZH, encoding="utf-8")
    (root / "sop" / "gift_wrapping.md").write_text(SOP_EN, encoding="utf-8")
    (root / "courses").mkdir(parents=True, exist_ok=True)
    (root / "courses" / "陈列基础.md").write_text(COURSE, encoding="utf-8")
    return root


def ingest_into(home: Path, content: Path, embedder: Embedder) -> Settings:
    settings = Settings(home=home)
    report = IngestRun(settings, embedder=embedder).run([content])
    assert not [o for o in report.outcomes if o.status == "failed"], report.render()
    return settings


@dataclass
class Built:
    content: Path
    settings: Settings
    generated: list[GeneratedQuestion]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, real_embedder: Embedder) -> Iterator[Built]:
    content = write_knowledge(tmp_path_factory.mktemp("quiz-content"))
    settings = ingest_into(tmp_path_factory.mktemp("quiz-home"), content, real_embedder)
    reader = IndexReader(settings)
    try:
        yield Built(content, settings, generate_detailed(reader, seed=0))
    finally:
        reader.close()


# -- independent readings of the source ---------------------------------------------

def flat(text: str) -> str:
    """Letters and digits only, NFKC, lower case: how the test compares text."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).lower() if ch.isalnum())


def cell_items(cell: str) -> list[str]:
    """A cell's points: one per line or between semicolons, numbering dropped."""
    parts = (re.sub(r"^\s*\d+[.、]\s*", "", p) for p in re.split(r"[；;\n]+", cell))
    return [flat(p) for p in parts if flat(p)]


def option_text(option: str) -> str:
    return flat(option.rstrip("…"))


@dataclass
class SheetProduct:
    name: str
    fields: dict[str, str]  # canonical field -> raw cell text
    sheet: str


def sheet_tables(path: Path) -> list[tuple[str, list[list[str]]]]:
    """The file's tables read directly (openpyxl; csv with line breaks inside quoted
    cells kept), not through the ingest loaders."""
    if path.suffix == ".xlsx":
        workbook = openpyxl.load_workbook(path, data_only=True)
        return [(sheet.title, [["" if v is None else str(v).strip() for v in row]
                               for row in sheet.iter_rows(values_only=True)])
                for sheet in workbook.worksheets]
    text = read_text(path)  # only decodes (UTF-8, GBK …)
    return [("", [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))])]


def read_sheet(path: Path) -> list[SheetProduct]:
    """Products as the file holds them: raw cells, the header row found by its labels."""
    products: list[SheetProduct] = []
    for name, rows in sheet_tables(path):
        header = find_fab_header(rows)
        if header is None:
            continue
        for row in rows[header.row_index + 1:]:
            fields = {field: row[col] for col, field in header.columns.items()
                      if col < len(row) and row[col]}
            if fields.get("product"):
                products.append(SheetProduct(fields["product"], fields, name))
    return products


FIELD_OF_KIND = {"fab_benefit": "benefits", "fab_advantage": "advantages", "fab_reply": "replies"}


def named_products(stem: str, products: list[SheetProduct]) -> set[str]:
    """Product names in the stem, longest first so "X Pro" is not also read as "X"."""
    found: set[str] = set()
    rest = flat(stem)
    for name in sorted({p.name for p in products}, key=lambda n: -len(flat(n))):
        if flat(name) in rest:
            found.add(name)
            rest = rest.replace(flat(name), "|")
    return found


def number_of(text: str) -> Decimal:
    numbers = re.findall(r"\d[\d,]*(?:\.\d+)?", text)
    assert len(numbers) == 1, text
    return Decimal(numbers[0].replace(",", ""))


def check_fab_question(generated: GeneratedQuestion, products: list[SheetProduct],
                       elsewhere: list[SheetProduct] | None = None) -> None:
    """The keyed answer is what the sheet says of the product the stem names; no other
    option is. Wrong options are what the sheets say of other products (`elsewhere`:
    other sheets of the knowledge base, used when one sheet has too few products)."""
    q = generated.question
    assert q.answer_index is not None
    key = q.options[q.answer_index]
    distractors = [o for i, o in enumerate(q.options) if i != q.answer_index]
    if generated.kind == "fab_audience":
        rows = [p for p in products if p.name == key]
        assert rows, f"key {key!r} is not a product of the sheet"
        quoted = re.search(r"“(.+)”", q.stem)
        assert quoted, q.stem
        described = flat(quoted.group(1).rstrip("…"))
        assert all(described in flat(r.fields["audience"]) for r in rows), q.stem
        for option in distractors:
            others = [p for p in products if p.name == option]
            assert others, f"distractor {option!r} is not a product of the sheet"
            assert all(described not in flat(p.fields.get("audience", "")) for p in others)
        assert not named_products(q.stem, products), "an audience stem names no product"
        return
    names = named_products(q.stem, products)
    assert len(names) == 1, f"one product named in {q.stem!r}: {names}"
    (name,) = names
    assert q.topic == name
    rows = [p for p in products if p.name == name]
    if generated.kind == "fab_price":
        prices = {number_of(r.fields["price"]) for r in rows}
        assert prices == {number_of(key)}, (name, key, prices)
        for option in distractors:
            assert number_of(option) not in prices, (name, option)
            assert number_of(option) > 0
        return
    field = FIELD_OF_KIND[generated.kind]
    for row in rows:
        cell = row.fields[field]
        if generated.kind == "fab_reply":
            assert flat(cell).startswith(option_text(key)), (name, key)
            assert flat(row.fields["objections"])[:8] in flat(q.stem)
        else:
            assert option_text(key) in cell_items(cell), (name, key, cell)
        for option in distractors:
            assert option_text(option) not in cell_items(cell), (name, option)
            assert option_text(option) not in flat(cell), (name, option)
    # distractors are the same field of other products (plausible, and provably wrong)
    for option in distractors:
        sources = [p for p in products + (elsewhere or []) if p.name != name
                   and option_text(option) in flat(p.fields.get(field, ""))]
        assert sources, f"distractor {option!r} is not another product's {field}"


# -- FAB ------------------------------------------------------------------------------

FAB_FILES = ("fab/青禾主推FAB.xlsx", "fab/travel_en.csv", "fab/户外装备.csv")


def sheets_of(content: Path) -> dict[str, list[SheetProduct]]:
    return {path: read_sheet(content / path) for path in FAB_FILES}


def check_all_fab(generated: list[GeneratedQuestion], sheets: dict[str, list[SheetProduct]]) -> None:
    everything = [p for products in sheets.values() for p in products]
    for g in generated:
        if g.kind.startswith("fab_"):
            assert g.question.source_path in sheets, g.question.source_path
            check_fab_question(g, sheets[g.question.source_path or ""], everything)


def test_fab_questions_are_right_against_the_sheets(built: Built) -> None:
    fab = [g for g in built.generated if g.kind.startswith("fab_")]
    assert fab
    check_all_fab(fab, sheets_of(built.content))
    for path in FAB_FILES:
        kinds = {g.kind for g in fab if g.question.source_path == path}
        assert kinds == {"fab_benefit", "fab_advantage", "fab_audience", "fab_price", "fab_reply"}, path


def test_prices_keep_the_sheets_way_of_writing_them(built: Built) -> None:
    prices = [g.question for g in built.generated if g.kind == "fab_price"]
    outdoor = [q for q in prices if q.source_path == "fab/户外装备.csv"]
    assert outdoor
    for q in outdoor:
        assert all(re.fullmatch(r"¥[\d,]+", o) for o in q.options), q.options
    jacket = next(q for q in outdoor if q.topic == "山行轻量冲锋衣")
    assert jacket.options[jacket.answer_index or 0] == "¥1,299"


def test_every_product_gets_questions_of_every_kind_it_supports(built: Built) -> None:
    names = {p.name for products in sheets_of(built.content).values() for p in products}
    by_topic: dict[str, set[str]] = {}
    for g in built.generated:
        if g.kind.startswith("fab_"):
            by_topic.setdefault(g.question.topic, set()).add(g.kind)
    assert set(by_topic) == names
    for name, kinds in by_topic.items():
        assert {"fab_benefit", "fab_reply"} <= kinds, (name, kinds)


def test_a_product_listed_at_two_prices_gets_no_price_question(built: Built) -> None:
    priced = {g.question.topic for g in built.generated if g.kind == "fab_price"}
    assert "青禾煮蛋器" not in priced
    assert "青禾隔水电炖锅" in priced and "青禾双面煎烤机" in priced  # same price, both asked
    for g in built.generated:
        if g.kind == "fab_price" and g.question.topic in ("青禾隔水电炖锅", "青禾双面煎烤机"):
            others = [o for i, o in enumerate(g.question.options) if i != g.question.answer_index]
            assert all(number_of(o) != 459 for o in others)


TEA_SHEET = """品名,编号,零售价,卖点,好处,适合人群,顾客顾虑,回应
武夷大红袍 中火,QL-DHP-012,268,岩韵明显；中火焙出焦糖香；耐泡七八泡,送礼有面子；一泡能喝一下午,爱喝浓茶的中年男士；商务送礼,这茶太贵了,一泡能冲七八次，算下来一杯不到两块钱
白毫银针 特级,QL-BYZ-001,358,全芽头；毫香蜜韵；可存放陈化,越存越值钱；清润不伤胃,喜欢清淡口感的女士；收藏者,白茶是不是没味道,银针是毫香蜜韵，头泡淡后面越泡越甜，您可以先试一杯
正山小种 特级,QL-ZSXZ-003,168,松烟香；桂圆汤；红浓明亮,暖胃；加奶也好喝,怕凉的顾客；喝奶茶的年轻人,红茶会不会上火,小种是全发酵茶，性温，胃寒的人也能喝
安溪铁观音 清香,QL-TGY-005,198,兰花香；音韵足；冷泡也好喝,提神解腻；夏天冷泡很方便,上班族；吃完饭想解腻的人,铁观音伤胃吗,清香型发酵轻，建议饭后喝，不空腹喝就好
"""


def tea_page(name: str, code: str, price: str) -> str:
    return (f"# {name}（编号 {code}）\n\n{price}\n\n## 产品特点\n- 条索紧结，香气持久\n\n"
            "## 给顾客的好处\n- 办公室里一杯能续一下午\n\n## 冲泡方法\n90℃水，5克茶配150毫升水。\n")


def test_a_product_on_a_sheet_and_its_own_page_is_asked_once_from_both(
        tmp_path: Path, real_embedder: Embedder) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "茶叶.csv").write_text(TEA_SHEET, encoding="utf-8")
    # the page says more about the price than the sheet, and agrees with it
    (content / "白毫银针.md").write_text(
        tea_page("白毫银针 特级", "QL-BYZ-001", "零售价 ¥358 ／ 会员价 ¥322"), encoding="utf-8")
    # this page gives another price than the sheet: which one is true is not known
    (content / "正山小种.md").write_text(
        tea_page("正山小种 特级", "QL-ZSXZ-003", "零售价 ¥188 ／ 会员价 ¥170"), encoding="utf-8")
    reader = IndexReader(ingest_into(tmp_path / "home", content, real_embedder))
    try:
        generated = generate_detailed(reader, seed=0)
    finally:
        reader.close()
    kinds: dict[str, list[str]] = {}
    for g in generated:
        kinds.setdefault(g.question.topic, []).append(g.kind)
    assert set(kinds) == {"武夷大红袍 中火", "白毫银针 特级", "正山小种 特级", "安溪铁观音 清香"}
    assert all(len(k) == len(set(k)) for k in kinds.values()), kinds  # each kind asked once
    price = [g.question for g in generated if g.kind == "fab_price" and g.question.topic == "白毫银针 特级"]
    assert len(price) == 1
    assert number_of(price[0].options[price[0].answer_index or 0]) == 358  # from either listing
    assert not any(number_of(o) == 322 for o in price[0].options)  # the members' price is no option
    assert "fab_price" not in kinds["正山小种 特级"]
    assert "fab_benefit" in kinds["正山小种 特级"]


def test_questions_follow_the_language_of_their_source(built: Built) -> None:
    for g in built.generated:
        q = g.question
        cjk = re.search(r"[\u3400-\u9fff]", q.stem)
        if q.source_path in ("fab/travel_en.csv", "sop/gift_wrapping.md"):
            assert not cjk, q.stem
        else:
            assert cjk, q.stem
    english = [g for g in built.generated if g.question.source_path == "fab/travel_en.csv"]
    assert {g.kind for g in english} >= {"fab_benefit", "fab_price", "fab_reply"}


def test_the_repo_sample_fab_sheets(tmp_path: Path, real_embedder: Embedder) -> None:
    """The sample sheets (an xlsx with a title row and two sheets, a GBK CSV, an English
    CSV): every product is asked about and every question is right."""
    content = tmp_path / "knowledge"
    shutil.copytree(REPO / "knowledge" / "fab", content / "fab")
    settings = ingest_into(tmp_path / "home", content, real_embedder)
    reader = IndexReader(settings)
    try:
        generated = generate_detailed(reader, seed=0)
    finally:
        reader.close()
    sheets = {f"fab/{p.name}": read_sheet(p) for p in sorted((content / "fab").iterdir())}
    check_all_fab(generated, sheets)
    names = {p.name for products in sheets.values() for p in products}
    assert {g.question.topic for g in generated} == names


# -- SOPs -----------------------------------------------------------------------------

SOP_STEPS = {
    "sop/收银差错.md": re.findall(r"^\d+\. (.+)$", SOP_ZH, re.MULTILINE),
    "sop/gift_wrapping.md": re.findall(r"^\d+\. (.+)$", SOP_EN, re.MULTILINE),
}
SOP_TEXT = {"sop/收银差错.md": SOP_ZH, "sop/gift_wrapping.md": SOP_EN}


def test_next_step_keys_are_the_true_next_step(built: Built) -> None:
    questions = [g for g in built.generated if g.kind == "sop_next_step"]
    assert {g.question.source_path for g in questions} == set(SOP_STEPS)
    for g in questions:
        q = g.question
        steps = SOP_STEPS[q.source_path or ""]
        found = re.search(r"第(\d+)[步条]|(?:step|item) (\d+)", q.stem)
        assert found, q.stem
        n = int(found.group(1) or found.group(2))
        assert flat(steps[n - 1])[:20] in flat(q.stem)
        assert q.answer_index is not None
        assert option_text(q.options[q.answer_index]) == flat(steps[n])
        for i, option in enumerate(q.options):
            if i != q.answer_index:
                assert option_text(option) in [flat(s) for s in steps]
                assert option_text(option) not in (flat(steps[n]), flat(steps[n - 1]))
    asked = {(g.question.source_path, g.question.stem) for g in questions}
    assert len(asked) == sum(len(s) - 1 for s in SOP_STEPS.values())  # every step but the last


def test_number_questions_key_the_number_in_the_rule(built: Built) -> None:
    questions = [g for g in built.generated if g.kind == "sop_number"]
    keys = {option_text(g.question.options[g.question.answer_index or 0]) for g in questions}
    assert {"30分钟", "200元", "24小时", "3个工作日", "45分钟", "300yuan", "15minutes"} <= keys
    for g in questions:
        q = g.question
        source = flat(SOP_TEXT[q.source_path or ""])
        quoted = [part for part in re.findall(r"“([^”]*)”", q.stem) if "____" in part]
        assert len(quoted) == 1 and quoted[0].count("____") == 1, q.stem
        rule = quoted[0]
        assert q.answer_index is not None
        filled = rule.replace("____", q.options[q.answer_index])
        assert flat(filled) in source, filled
        for i, option in enumerate(q.options):
            if i != q.answer_index:
                assert flat(rule.replace("____", option)) not in source, option
                assert number_of(option) != number_of(q.options[q.answer_index])
        assert q.options[q.answer_index] in q.explanation


def test_rule_numbers_skip_ordinals_ranges_times_and_codes() -> None:
    found = [(n.raw, n.unit) for n in rule_numbers(
        "第7天24:00前办理；每月第2周；1–3个工作日到账；SKU HY-300元；2026年起；保修1年，超过30分钟")]
    assert found == [("1", "年"), ("30", "分钟")]
    english = [(n.raw, n.unit) for n in rule_numbers(
        "Held for 7 calendar days, on day 8 cancelled; a 6-digit code; 1,000 yuan; 2-3 days")]
    assert english == [("7", "calendar days"), ("1,000", "yuan")]


# -- courses ----------------------------------------------------------------------------

def test_course_terms(built: Built) -> None:
    questions = [g for g in built.generated if g.kind == "course_term"]
    assert {g.question.options[g.question.answer_index or 0] for g in questions} == set(TERMS)
    for g in questions:
        q = g.question
        assert q.answer_index is not None and q.topic == "门店陈列基础课"
        key = q.options[q.answer_index]
        assert flat(TERMS[key]) in flat(q.stem)
        for i, option in enumerate(q.options):
            if i != q.answer_index:
                assert option in TERMS and flat(TERMS[option]) not in flat(q.stem)


# -- every question ---------------------------------------------------------------------

def test_limits_and_links_of_every_question(built: Built) -> None:
    reader = IndexReader(built.settings)
    try:
        paths = {d.path for d in reader.documents().values()}
        assert built.generated
        for g in built.generated:
            q = g.question
            assert q.origin == "generated" and q.kind == "multiple_choice" and q.topic
            assert 0 < len(q.stem) <= STEM_MAX
            assert 3 <= len(q.options) <= 4
            assert all(0 < len(o) <= OPTION_MAX for o in q.options)
            assert len({flat(o) for o in q.options}) == len(q.options)
            assert q.answer_index is not None and 0 <= q.answer_index < len(q.options)
            assert 0 < len(q.explanation) <= EXPLANATION_MAX and q.explanation.count("\n") <= 2
            assert q.source_path in paths
            chunks = reader.chunks(q.source_chunk_ids)
            assert set(chunks) == set(q.source_chunk_ids) and q.source_chunk_ids
            assert any(doc.path == q.source_path for _, doc in chunks.values())
            texts = [chunks[i][0].text for i in q.source_chunk_ids]
            assert q.source_hash == content_hash(texts)
            assert q.source_hash == hashlib.sha1("\x1e".join(texts).encode()).hexdigest()
        ids = [g.question.id for g in built.generated]
        assert len(ids) == len(set(ids))
        counts = {kind: sum(1 for g in built.generated if g.kind == kind) for kind in (
            "fab_benefit", "fab_advantage", "fab_audience", "fab_price", "fab_reply",
            "sop_next_step", "sop_number", "course_term")}
        assert all(counts.values()), counts
        assert sum(len(g.question.options) == 4 for g in built.generated) > len(built.generated) / 2
    finally:
        reader.close()


def test_same_index_and_seed_give_the_same_questions(built: Built) -> None:
    reader = IndexReader(built.settings)
    try:
        again = generate_questions(reader, seed=0)
        other_seed = generate_detailed(reader, seed=7)
    finally:
        reader.close()
    assert again == [g.question for g in built.generated]
    assert [q.id for q in again] == [g.question.id for g in built.generated]
    # another seed picks other options or orders, and is just as right
    assert [g.question.options for g in other_seed] != [q.options for q in again]
    check_all_fab(other_seed, sheets_of(built.content))


def test_a_scoped_run_makes_what_a_full_run_makes_for_its_documents(built: Built) -> None:
    """An upload remakes only the questions its document can touch: for each document,
    the scoped run gives exactly the full run's questions whose source is in the scope,
    and a product the changed document listed before brings the documents listing it."""
    full = [g.question for g in built.generated]
    reader = IndexReader(built.settings)
    try:
        content = read_snapshot(reader)
        paths = sorted({d.path for d in content.documents})
        assert len(paths) >= 6
        for path in paths:
            scope = scope_for(content, [path])
            assert path in scope.paths
            scoped = generate_detailed(reader, seed=0, scope=scope, content=content)
            assert [g.question for g in scoped] == [q for q in full if q.source_path in scope.paths], path
        assert scope_for(content, ["sop/收银差错.md"]).paths == {"sop/收银差错.md"}
        # what a changed document said before counts too: a sheet that listed the egg
        # cooker (now gone from it) brings the documents still listing it
        sheet = read_snapshot(reader, ["fab/青禾主推FAB.xlsx"])
        gone = {d.doc_key: dataclasses.replace(d, path="gone.md", title="旧表") for d in sheet.documents}
        before = Snapshot(list(gone.values()), sheet.chunks,
                          [(c, gone[d.doc_key]) for c, d in sheet.products if "煮蛋器" in c.text])
        assert scope_for(content, ["gone.md"]).paths == {"gone.md"}
        assert scope_for(content, ["gone.md"], before).paths == {"gone.md", "fab/青禾主推FAB.xlsx"}
    finally:
        reader.close()


def test_a_changed_source_changes_the_hash(tmp_path: Path, real_embedder: Embedder) -> None:
    content = write_knowledge(tmp_path / "content")
    settings = ingest_into(tmp_path / "home", content, real_embedder)
    reader = IndexReader(settings)
    try:
        before = generate_detailed(reader, seed=0)
        changed = [list(row) for row in KITCHEN]
        changed[3][5] = "地铁上也能喝到现榨橙汁\n榨完直接当水杯用"  # 青禾便携榨汁杯's benefits
        write_fab_xlsx(content / "fab" / "青禾主推FAB.xlsx", changed, PERSONAL)
        IngestRun(settings, embedder=real_embedder).run([content])
    finally:
        reader.close()
    reader = IndexReader(settings)  # a reader opened after the new generation was published
    try:
        after = generate_detailed(reader, seed=0)
        juicer_before = [g for g in before if g.question.topic == "青禾便携榨汁杯"]
        assert {g.kind for g in juicer_before} >= {"fab_benefit", "fab_price", "fab_reply"}
        old_record = juicer_before[0].question.source_chunk_ids[0]
        assert all(g.question.source_chunk_ids[0] == old_record for g in juicer_before)
        assert not reader.chunks([old_record])  # the old text left the index
        hashes_after = {g.question.source_hash for g in after}
        assert not {g.question.source_hash for g in juicer_before} & hashes_after
        # another product's questions stand on their own record: same hash as before
        hair = {g.kind: g.question.source_hash for g in before if g.question.topic == "青禾理发器"
                and g.kind != "fab_audience"}
        assert hair and hair == {g.kind: g.question.source_hash for g in after
                                 if g.question.topic == "青禾理发器" and g.kind != "fab_audience"}
        new_benefit = next(g for g in after if g.kind == "fab_benefit" and g.question.topic == "青禾便携榨汁杯")
        key = new_benefit.question.options[new_benefit.question.answer_index or 0]
        assert flat(key) in (flat("地铁上也能喝到现榨橙汁"), flat("榨完直接当水杯用"))
        # questions built only from records that did not change keep hash and id
        kept = [g for g in before if g.question.source_path == "sop/收银差错.md"]
        assert kept
        after_ids = {g.question.id: g.question.source_hash for g in after}
        for g in kept:
            assert after_ids.get(g.question.id) == g.question.source_hash
    finally:
        reader.close()


def test_shorten_cuts_at_boundaries_only() -> None:
    text = "Removes creases without an ironing board and fits in a carry-on bag " * 3
    short = shorten(text, 60)
    assert short is not None and len(short) <= 60 and short.endswith("…")
    assert text.startswith(short[:-1]) and text[len(short) - 1] == " "
    zh = "顾客买完以后在价保期内同一商品降价了，我们把差价退给顾客。价保的目的是让顾客买了不后悔。"
    cut = shorten(zh, 35)
    assert cut == "顾客买完以后在价保期内同一商品降价了，我们把差价退给顾客…"
    assert shorten("一" * 80, 40) is None  # no boundary: skipped rather than cut mid-word
    assert shorten("短句。", 40) == "短句。"
