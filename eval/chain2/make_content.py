#!/usr/bin/env python3
"""Generate the second development knowledge base (chain2) for guidebot.

Fictional chain: 栖芷美妆生活馆 (Qizhi Beauty & Living) -- skincare, hair and body
care, a few small beauty devices and lifestyle items.  All text is invented.

Everything is written under eval/chain2/content/:
  knowledge/fab/      xlsx (title row, notes row, merged category cells, two sheets)
                      + an English CSV with its own column names
  knowledge/products/ one product per file: md, docx, pdf (one bilingual)
  knowledge/courses/  an html course and an md course, both with FAQ sections
  sop/                English-only md, bilingual txt, long Chinese docx,
                      a PDF with hard line breaks mid-sentence, a plain txt

Usage:  .venv/bin/python eval/chain2/make_content.py
The function ``written_texts()`` returns {relative path: text as written}; the
checker (check_questions.py) uses it for the binary formats.
"""
from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "content"

# ---------------------------------------------------------------------------
# 1. FAB workbook (xlsx)
# ---------------------------------------------------------------------------
XLSX_PATH = "knowledge/fab/栖芷_秋冬主推FAB.xlsx"

SKIN_HEADERS = ["品类", "品名", "商品编码", "规格", "零售价", "适用肤质", "核心卖点",
                "对比优势", "顾客获益", "顾客疑问", "异议回应", "推荐话术"]
HAIR_HEADERS = ["品类", "品名", "商品编码", "规格", "零售价", "适用发质/肤质", "核心卖点",
                "对比优势", "顾客获益", "顾客疑问", "异议回应", "推荐话术"]

# (category, name, code, size, price, suitable, core, compare, gain, question, reply, script)
SKIN_ROWS = [
    ("精华", "烟酰胺焕亮精华", "QZ-SC102", "30ml", 199,
     "暗沉、肤色不均的中性肌和油性肌；敏感肌先在耳后试用",
     "5%烟酰胺+1%传明酸；不含酒精；滴管瓶，一次取2-3滴",
     "浓度不盲目追高，5%兼顾效果和耐受，比10%的高浓度款刺痛感少",
     "坚持用满28天左右，气色看起来更透亮，上妆更服帖",
     "烟酰胺会不会不耐受、脸发红发烫？",
     "第一周隔天晚上用，每次2滴；没有泛红再改成每天早晚用。持续刺痛超过10分钟就停用，来店里换成修护类",
     "您平时是不是经常熬夜、觉得脸发黄？这支是5%的烟酰胺，不算猛，大部分人都能用。先隔天用一周，脸适应了再天天用。"),
    ("精华", "蓝铜胜肽修护精华", "QZ-SC111", "30ml", 329,
     "屏障受损、刷酸后泛红、医美术后（结痂完全脱落后）",
     "蓝铜胜肽+依克多因；液体本身是淡蓝色，不是色素",
     "修护和抗老一起做，省掉一支产品；依克多因帮助锁水，比单一胜肽更温和",
     "脸上反复泛红、起皮的情况慢慢变少，皮肤摸起来更稳定",
     "为什么是蓝色的？和VC能一起用吗？",
     "蓝色来自铜离子本身。它和高浓度VC（10%以上）不要叠在一起用，建议VC早上用、蓝铜晚上用",
     "您最近是不是刚刷过酸，脸有点敏感？这支蓝铜是专门做修护的，晚上洁面后用三四滴，一般一两周就能感觉脸没那么容易红了。"),
    ("水乳", "神经酰胺保湿水", "QZ-SC107", "200ml", 119,
     "干皮、混干皮，秋冬换季干燥起皮",
     "3种神经酰胺+角鲨烷；水感偏润，不黏",
     "比普通爽肤水多了修护屏障的成分，湿敷也可以，一瓶当两瓶用",
     "洗完脸不再紧绷，后面的精华、面霜更好吸收",
     "可以拿来湿敷吗？湿敷多久？",
     "可以，用化妆棉浸透后敷在两颊和额头，5分钟以内取下，不要敷到棉片变干",
     "您洗完脸是不是觉得脸绷？这瓶水里有神经酰胺，相当于给皮肤补'砖缝里的水泥'，干的地方还能拿化妆棉湿敷5分钟。"),
    ("面膜/眼部", "玻尿酸补水面膜", "QZ-SC104", "5片/盒", 69,
     "所有肤质，尤其是空调房、熬夜后缺水的皮肤",
     "三重分子玻尿酸；天丝膜布，精华液25ml/片",
     "膜布薄而贴，嘴角鼻翼都能贴住，不会一边敷一边掉",
     "熬夜、出差坐飞机之后敷一片，第二天上妆不卡粉",
     "面膜可以天天敷吗？敷多久？",
     "建议每周2-3次，每次15分钟左右取下，最长不要超过20分钟，否则膜布会反吸水分；冷藏后敷更舒服",
     "您明天有重要的场合吗？今晚敷一片，15分钟揭掉再抹面霜，第二天妆会很服帖。"),
    ("面膜/眼部", "胜肽紧致眼霜", "QZ-SC108", "15g", 219,
     "25岁以上，有干纹、细纹的眼周",
     "五胜肽+咖啡因；钢珠按摩头，带凉感",
     "按摩头直接上脸，不用手指蘸取更卫生，早上用还能帮着消浮肿",
     "眼周干纹看起来更淡，早上眼睛不那么肿",
     "眼霜用多少？会不会长脂肪粒？",
     "两只眼睛一共取黄豆大小就够，用多了反而容易长脂肪粒；从眼尾往太阳穴方向轻推",
     "您早上起来眼睛会肿吗？这支眼霜头是钢珠的，凉凉的，滚几下消肿很快，一次黄豆大小两只眼睛够用。"),
    ("清洁/唇部", "温和卸妆油", "QZ-SC109", "150ml", 99,
     "所有肤质，化全妆、用防水睫毛膏的顾客",
     "植物油+易乳化配方；遇水快速乳化成奶白色",
     "比卸妆水卸得干净，比传统卸妆油好冲洗，不会糊眼",
     "一次卸掉粉底和睫毛膏，不用来回擦，减少摩擦",
     "卸妆油会不会闷痘、堵毛孔？",
     "关键是乳化：干手干脸按摩1分钟，再加少量水继续打圈30秒直到变白，最后冲净，基本不会闷痘",
     "您平时化全妆对吧？这款卸妆油干手干脸用，加水乳化变白再冲，睫毛膏一次就掉，不用拿棉片使劲擦。"),
    ("清洁/唇部", "水杨酸净痘凝胶", "QZ-SC113", "15g", 59,
     "偶发痘痘、闭口的油性肌和混油肌",
     "2%水杨酸+茶树精油；透明凝胶，点涂不泛白",
     "只点在痘痘上，不影响周围皮肤；白天也能用，可以上妆",
     "冒痘时有个应急的东西，不用顶着红痘见人",
     "孕妇能用吗？可以全脸涂吗？",
     "孕期、哺乳期不建议使用；只做局部点涂，一天最多2次，不要全脸大面积涂",
     "这支是点涂用的，冒痘了晚上洗完脸点一下就行，透明的，白天化妆也看不出来。"),
    ("清洁/唇部", "山茶花润唇膏", "QZ-SC112", "4g", 39,
     "唇部干燥起皮、需要口红打底的顾客",
     "山茶花籽油+乳木果油；无色，含SPF15防晒",
     "能当口红打底，涂完口红不卡唇纹；带SPF15，白天外出唇部也有防护",
     "嘴唇不起皮，口红颜色更显色更均匀",
     "孕妇可以用吗？会不会有颜色？",
     "无色无香精，成分温和，孕期可以正常使用；如对某种油脂过敏请先看成分表",
     "您涂口红会卡唇纹吗？先薄涂一层这个打底，等一分钟再上口红，颜色会匀很多。"),
]

HAIR_ROWS = [
    ("洗发护发", "无硅油控油洗发水", "QZ-HC201", "500ml", 69,
     "油性头皮、容易扁塌的细软发",
     "氨基酸表活+薄荷醇；无硅油",
     "洗完头皮清爽不紧绷，发根蓬松；洗一次能撑2天不塌",
     "早上不用天天洗头，出门前省出十几分钟",
     "无硅油的洗完头发会不会很涩？",
     "刚从含硅油洗发水换过来，前1-2周发尾会有点涩，属于正常适应期；搭配发膜或护发精油用在发尾就好",
     "您头发是不是下午就塌了？这瓶是控油的，洗完头顶蓬蓬的，一般能坚持两天。"),
    ("洗发护发", "修护发膜", "QZ-HC202", "250g", 89,
     "烫染受损、干枯毛躁的头发",
     "水解角蛋白+摩洛哥坚果油",
     "5分钟速效型，不用包热毛巾等半小时",
     "头发摸起来更顺，梳头不打结",
     "发膜要抹到头皮上吗？",
     "不要抹头皮，只从耳朵以下的发中到发尾涂，停留5分钟后冲净；每周2-3次",
     "您刚烫过头发吧？这款发膜只要停留5分钟，洗澡时顺手就做了。"),
    ("洗发护发", "头皮养护精华", "QZ-HC203", "60ml", 159,
     "头皮干痒、头皮出油多、发量看起来少的顾客",
     "生姜根提取物+烟酰胺+咖啡因；滴管直接点在头皮",
     "免洗型，晚上用完直接睡，不用再冲",
     "头皮清爽，头发看起来更蓬松有发量感",
     "能治脱发吗？",
     "这是化妆品，不是药品，不能说治疗脱发或生发；可以说帮助头皮保持清洁舒适、让头发看起来更蓬松。脱发严重的请建议顾客去医院皮肤科",
     "您觉得头顶发量少？这支是养头皮的，每晚分区滴在头皮上按摩3分钟，免洗的，很方便。"),
    ("洗发护发", "轻盈护发精油", "QZ-HC204", "100ml", 109,
     "毛躁、分叉、经常吹发和使用卷发棒的头发",
     "山茶花油+甜杏仁油；耐热保护最高230℃",
     "质地很轻，用完不油不塌；吹头前用还能隔热",
     "头发有光泽，毛躁少，造型更持久",
     "用了会不会头发油？",
     "半干时取1-2泵，只抹发尾，不要碰发根；细软发1泵就够",
     "您平时天天吹头发吧？吹之前发尾抹1-2泵，能隔热，吹完头发是亮的。"),
    ("洗发护发", "干发喷雾", "QZ-HC205", "150ml", 65,
     "来不及洗头、健身后、出差的顾客",
     "大米淀粉吸油；白茶香",
     "不用水，2分钟让发根恢复清爽",
     "早上睡过头、下班约会前的应急神器",
     "会不会喷出白色的粉？",
     "距离头皮15厘米喷在发根，等2分钟后用手指或梳子梳开，白色就看不见了；深色头发少量多次喷",
     "您经常健身吗？这瓶放包里，练完喷一下，2分钟后梳开，头发就不油了。"),
    ("身体护理", "烟酰胺亮肤身体乳", "QZ-BD401", "400ml", 89,
     "身体干燥、肤色暗沉，秋冬小腿起皮",
     "3%烟酰胺+乳木果油；轻乳液质地",
     "吸收快不黏衣服，涂完马上能穿衣服",
     "皮肤滑滑的不起皮，穿短裙短裤更有底气",
     "什么时候涂效果最好？",
     "洗澡后擦干，3分钟内趁皮肤还微湿时涂，保湿效果最好",
     "您小腿秋冬会起白皮吗？这款洗完澡3分钟内涂，一点都不黏，涂完就能穿睡衣。"),
    ("身体护理", "香氛沐浴露", "QZ-BD402", "500ml", 59,
     "喜欢香味、想要留香的顾客",
     "白茶、无花果两款香型；氨基酸+皂基复配",
     "香味是调香师定制的，不冲鼻；洗完身上留香约4小时",
     "洗完澡整个人香香的，不用再喷香水",
     "香味会不会太浓？",
     "可以先在手背试闻；白茶款更淡，适合不喜欢浓香的顾客",
     "您喜欢清淡一点还是甜一点的香味？白茶的很干净，无花果的更甜，我给您手背上试一点。"),
    ("身体护理", "护手霜三支装", "QZ-BD403", "3×30g", 49,
     "手部干燥、经常洗手的顾客；送礼",
     "玫瑰、柚子、雪松三种香型；礼盒包装",
     "质地清爽，涂完30秒就吸收，不影响看手机、打字",
     "办公室、包里、床头各放一支，随时用；三支装送人也体面",
     "送礼有礼袋吗？",
     "购买即可免费领取礼袋；满99元还可以免费写贺卡",
     "这个三支装拿来送同事很合适，49块三种香味，还送礼袋。"),
]

XLSX_TITLE_1 = "栖芷美妆生活馆 · 2026秋冬护肤主推FAB表"
XLSX_NOTE_1 = ("说明：零售价为全国统一建议零售价，会员折扣另计；“顾客疑问”一栏收集自门店一线，每季度更新一次。"
               "编制：栖芷商品部 2026年9月")
XLSX_TITLE_2 = "栖芷美妆生活馆 · 洗护与身体护理FAB表（2026秋冬）"
XLSX_NOTE_2 = "注：头皮养护精华为普通化妆品，介绍时禁止使用“生发”“治脱发”等医疗用语。"


def build_xlsx(path: Path) -> str:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    texts: list[str] = []
    sheets = [("护肤", XLSX_TITLE_1, XLSX_NOTE_1, SKIN_HEADERS, SKIN_ROWS),
              ("洗护身体", XLSX_TITLE_2, XLSX_NOTE_2, HAIR_HEADERS, HAIR_ROWS)]
    for idx, (name, title, note, headers, rows) in enumerate(sheets):
        ws = wb.active if idx == 0 else wb.create_sheet()
        ws.title = name
        ncol = len(headers)
        ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
        ws.cell(row=2, column=1, value=note).font = Font(italic=True, size=9)
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncol)
        for c, h in enumerate(headers, 1):
            cell = ws.cell(row=3, column=c, value=h)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEEDD")
        texts += [title, note, " ".join(headers)]
        r = 4
        group_start = r
        prev_cat = None
        for row in rows:
            cat = row[0]
            if cat != prev_cat:
                if prev_cat is not None and r - 1 > group_start:
                    ws.merge_cells(start_row=group_start, start_column=1, end_row=r - 1, end_column=1)
                group_start = r
                ws.cell(row=r, column=1, value=cat)
                prev_cat = cat
            for c, v in enumerate(row[1:], 2):
                cell = ws.cell(row=r, column=c, value=v)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            texts.append(" ".join(str(v) for v in row))
            r += 1
        if r - 1 > group_start:
            ws.merge_cells(start_row=group_start, start_column=1, end_row=r - 1, end_column=1)
        for col, width in zip("ABCDEFGHIJKL", (10, 18, 12, 9, 8, 24, 30, 30, 30, 24, 36, 40), strict=True):
            ws.column_dimensions[col].width = width
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return "\n".join(texts)


# ---------------------------------------------------------------------------
# 2. English CSV (devices and lifestyle)
# ---------------------------------------------------------------------------
CSV_PATH = "knowledge/fab/devices_lifestyle_en.csv"
CSV_HEADERS = ["Item", "Code", "RRP (CNY)", "Key features", "Why it's better",
               "What the customer gets", "Common pushback", "Suggested reply"]
CSV_ROWS = [
    ["Lumis Cordless Hair Straightener", "QZ-DV306", "349",
     "Ceramic plates; 5 heat settings from 150°C to 210°C; about 25 minutes per full charge; auto shut-off after 10 minutes without use; USB-C charging",
     "No cable to tangle, so it fits in a handbag for touch-ups; the 150°C setting is gentle enough for fine or bleached hair",
     "Smooth fringe and ends at the office or before dinner without going home",
     "Cordless straighteners never get hot enough.",
     "Let her feel it: it reaches 180°C in about 60 seconds. For a full head of thick hair we recommend a corded tool, but for fringe and ends this is more than enough, and it turns itself off after 10 minutes."],
    ["Silkee Sonic Facial Cleansing Brush", "QZ-DV303", "199",
     "Soft medical-grade silicone bristles; 3 intensity modes; 60-second timer that pulses every 15 seconds to move to the next zone; IPX7 waterproof; one charge lasts about 100 uses",
     "Silicone does not hold bacteria like nylon brush heads, and there is no head to replace",
     "A deeper clean around the nose and chin in one minute, no extra running cost",
     "Won't it over-clean sensitive skin?",
     "For sensitive skin use the lowest mode 2 to 3 times a week, not daily, and always with a gentle cleanser. Skip it on days when the skin is red or after peeling treatments."],
    ["Curlique Heated Eyelash Curler", "QZ-DV304", "129",
     "Comb-style heated strip; 2 heat levels (65°C and 85°C); ready in about 15 seconds; silicone guard; USB charging",
     "Heat sets the curl so it lasts much longer than a metal clamp curler, with no pinching at the lid",
     "Lashes stay lifted all day, even with straight Asian lashes, and mascara goes on more evenly",
     "Will it burn my eyelids?",
     "Only the inner strip heats up, and the silicone guard sits between the strip and the skin. Start on 65°C, hold for 3 to 5 seconds at the lash root, then move outward."],
    ["Glowa LED Makeup Mirror", "QZ-DV305", "169",
     "3 light colours (warm, natural, cool) with stepless dimming; detachable 10x magnifying mirror; rechargeable battery lasts about 2 weeks at 30 minutes a day",
     "Match the light to where you will be, office, daylight or evening, so foundation colour is not a surprise",
     "Even makeup without a bright bathroom; the 10x mirror helps with brows and eyeliner",
     "My phone camera works as a mirror.",
     "A phone screen is small and smooths your skin with filters. This mirror shows you the real colour under three lights, and the 10x lens shows every brow hair."],
    ["Sera Mulberry Silk Sleep Mask", "QZ-LF502", "89",
     "22 momme mulberry silk on both sides; adjustable strap; blocks almost all light; hand wash in cold water",
     "Silk does not pull on the eye area or eyelash extensions like cotton masks do, and it stays cool",
     "Better sleep on flights and in bright rooms; no creases around the eyes in the morning",
     "89 yuan for a sleep mask is too much.",
     "Cotton masks leave marks and rub against eyelash extensions. This is real 22 momme silk on both sides and lasts for years if hand washed. It is also a popular gift at this price."],
    ["Voya Travel Bottle Set", "QZ-LF503", "45",
     "4 bottles (2 x 50 ml, 2 x 30 ml) in soft food-grade silicone; leak-proof valve caps; clear zip bag",
     "Every bottle is under the 100 ml airline limit, and the clear bag goes straight through security",
     "Take your own skincare on trips instead of buying travel sizes every time",
     "I can just buy the travel size of each product.",
     "Travel sizes cost more per ml and you only get the products that have one. With this set you fill your own cleanser, toner and lotion and reuse the bottles trip after trip."],
    ["Softa 8-piece Makeup Brush Set", "QZ-LF504", "159",
     "8 brushes with vegan synthetic bristles; includes foundation, powder, blush, 3 eye brushes, brow and lip brush; faux-leather roll-up pouch",
     "Synthetic bristles do not absorb liquid foundation, so less product is wasted, and they are cruelty-free",
     "A complete starter kit for beginners; everything fits in the pouch for travel",
     "Fingers work fine for foundation.",
     "Fingers are fine for a quick look, but a brush gives a thinner, more even layer. Wash the brushes once a week with mild shampoo and they will last for years."],
]


def build_csv() -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_HEADERS)
    w.writerows(CSV_ROWS)
    return buf.getvalue()


# ---------------------------------------------------------------------------
# 3. Product one-pagers
# ---------------------------------------------------------------------------
CENTELLA_MD = """---
type: fab
sku: QZ-SC101
category: 面霜
---

# 积雪草修护面霜 ｜ QZ-SC101

建议零售价：¥239（50g）

## 产品特点

- 积雪草提取物，其中积雪草苷含量0.5%
- 添加神经酰胺NP和5种分子量的玻尿酸
- 无香精、无酒精、无色素
- 真空按压瓶，每按一下约0.3g

## 核心优势

- 真空瓶不接触空气也不接触手指，开封后成分不容易氧化，也更卫生。
- 质地是轻乳霜，比传统厚面霜好推开，南方夏天用也不闷。
- 通过48小时人体斑贴测试，刺激性低。

## 顾客利益

换季脸发红发痒、戴口罩闷出红疹、刷酸后脸刺痛的顾客，用它能让皮肤慢慢稳定下来。一瓶解决"保湿+修护"两件事，护肤步骤更简单。

## 适用肤质

敏感肌、泛红肌、屏障受损的皮肤最合适；干皮可以早晚用；油皮夏天建议只在晚上用，白天换成清爽的乳液。

## 使用方法

1. 早晚洁面、爽肤水和精华之后使用。
2. 按压1-2泵，先在额头、两颊、下巴五点点涂，再用指腹轻轻拍开，不要来回搓。
3. 白天使用后，最后一步一定要涂防晒。

## 常见问题

Q：敏感肌能用吗？
A：可以，这款本来就是为敏感肌做的。第一次用建议先在耳后或下颌线涂一点，连续试3天没有发红发痒再上全脸。

Q：孕妇能用吗？
A：配方里没有视黄醇和水杨酸，很多孕期顾客在用；但我们不给医疗建议，请顾客拿成分表咨询自己的医生。

Q：开封后多久要用完？
A：开封后建议6个月内用完；未开封保质期3年，生产日期印在瓶底。

Q：一瓶能用多久？
A：早晚各用1-2泵，50g大约能用2个月。

## 异议处理

**顾客说："太贵了，超市几十块的面霜也能用。"**
回应：您说得对，普通面霜保湿是够的。这瓶多了修护成分，是给容易泛红的皮肤用的。一瓶能用2个月，折下来每天4块钱左右。您可以先拿小样回去用三天，觉得脸稳定了再来买。

**顾客说："积雪草就是个概念吧？"**
回应：我们标了积雪草苷的含量是0.5%，包装背面能查到，不是只加了一点点做噱头。而且它做过斑贴测试，报告在柜台可以给您看。
"""

SUNSCREEN_MD = """# 水感清透防晒乳 SPF50+ PA++++（QZ-SC103）

价格：129元 / 50ml　　会员日（每月18日）到手价：109元

## F – Features 产品特点

- SPF50+ PA++++，广谱防护UVA和UVB
- 防水防汗，实验室测试防水80分钟
- 物理+化学复合防晒剂，乳液质地，上脸不泛白
- 添加维生素E和积雪草提取物

## A – Advantages 优势

- 质地像水一样推开，油皮用也不闷不油；
- 普通洁面产品就能洗干净，不需要专门卸妆；
- 可以直接当妆前乳用，后面上粉底不搓泥。

## B – Benefits 对顾客的好处

通勤、带娃去公园、周末户外，一支就够。不用担心晒黑晒伤，也不会因为闷而不想涂。

## 使用方法

1. 出门前15分钟涂抹，让防晒在皮肤上成膜。
2. 用量：面部取约一元硬币大小，脖子另取一份。用量不够，防晒效果会打折扣。
3. 户外活动时每2小时补涂一次；游泳、大量出汗或用毛巾擦过脸之后，要立即补涂。

## 常见问题

问：阴天、冬天也要涂吗？
答：要。阴天云层挡不住大部分UVA，冬天紫外线也一直有，只是晒不热而已。

问：小孩能用吗？
答：3岁以上可以用，3岁以下的宝宝建议用专门的婴童防晒或物理遮挡（帽子、伞）。

问：需要卸妆吗？
答：不需要专门卸妆，用普通洁面乳或洁面慕斯洗两遍就可以洗干净。

问：能不能带上飞机？
答：50ml在100ml以内，可以随身带上飞机。

## 异议处理

- 顾客："我涂防晒会闷痘。"
  → 很多闷痘是因为防晒太厚或者没洗干净。这支是乳液质地，很薄，晚上用洁面洗两遍就干净了。您可以先在手背上试一下质地。
- 顾客："我都在室内，不用防晒吧？"
  → 靠窗的位置UVA能透过玻璃。如果一天都不出门，可以不涂；要是坐在窗边或者上下班要走路，还是建议涂。
"""

TOOTHBRUSH_MD = """# 声波电动牙刷 Brivo Sonic Toothbrush ｜ QZ-DV302

建议零售价：¥299
RRP: CNY 299 (handle, charger and 2 brush heads)

## 产品特点 / Features

- 每分钟约38000次声波振动，4种模式：清洁、美白、敏感、按摩。
- Around 38,000 sonic vibrations per minute, with 4 modes: Clean, White, Sensitive and Massage.
- 2分钟智能计时，每30秒提醒换区。
- A 2-minute smart timer pauses briefly every 30 seconds to remind you to move to the next area.
- IPX7防水，可以在淋浴时使用。
- IPX7 waterproof, safe to use in the shower.
- 充满电可用约60天（按每天2次、每次2分钟计算），USB-C充电，约4小时充满。
- About 60 days per full charge (twice a day, 2 minutes each); USB-C charging, full in about 4 hours.

## 核心优势 / Advantages

- 敏感模式振幅更小，牙龈敏感的人也能接受。
- Sensitive mode uses a smaller amplitude, so people with sensitive gums can use it comfortably.
- 续航长，出差一个月不用带充电器。
- The long battery life means no charger is needed for a month-long business trip.

## 顾客利益 / Benefits

- 刷得更干净、更均匀，不会某一边总刷不到。
- A cleaner, more even brush without missing one side of the mouth.
- 计时器帮您养成每次刷满2分钟的习惯。
- The timer builds the habit of brushing for the full 2 minutes.

## 使用方法 / How to use

1. 刷头沾水，挤上豌豆大小的牙膏，放进嘴里再开机，避免溅出。
1. Wet the head, add a pea-sized amount of toothpaste, and put it in your mouth before switching on so it does not splash.
2. 刷毛与牙龈呈45度，轻轻贴住牙面，不需要用力来回刷。
2. Hold the bristles at 45 degrees to the gum line and let the brush do the work; no scrubbing.
3. 刷头建议每3个月更换一次。替换刷头2支装：¥59（编码QZ-DV302H）。
3. Replace the brush head every 3 months. Replacement heads, pack of 2: CNY 59 (code QZ-DV302H).

## 常见问题 / FAQ

问：牙龈容易出血能用吗？
答：可以先用敏感模式。如果牙龈持续出血超过一周，请建议顾客去看牙医。
Q: My gums bleed easily. Can I use it?
A: Start with Sensitive mode. If bleeding continues for more than a week, suggest seeing a dentist.

问：小孩能用吗？
答：适合12岁以上使用；12岁以下请选择儿童专用牙刷。
Q: Is it suitable for children?
A: It is designed for ages 12 and up; younger children should use a kids' toothbrush.

问：可以带上飞机吗？
答：可以，内置锂电池容量很小，可随身携带。
Q: Can I take it on a plane?
A: Yes. The built-in lithium battery is small and can go in hand luggage.

## 异议处理 / Handling objections

顾客："手动牙刷也能刷干净。"
回应："手动牙刷刷得好当然也可以，但大部分人每次刷不到1分钟，力度也不均匀。这支每30秒提醒换区，刷满2分钟自动停，等于有人帮您盯着。"
Customer: "A manual toothbrush cleans just as well."
Reply: "It can, if you brush well. Most people brush for under a minute with uneven pressure. This one reminds you every 30 seconds and stops at 2 minutes, like a coach for your teeth."
"""

DRYER_DOCX = [
    ("title", "负离子高速吹风机 QZ-DV301"),
    ("p", "建议零售价：¥399　　保修：整机2年"),
    ("h", "产品特点"),
    ("li", "11万转/分钟高速无刷马达，出风口风速约20m/s"),
    ("li", "每立方厘米约2亿负离子"),
    ("li", "3档温度+冷风键，智能恒温约60℃，不会越吹越烫"),
    ("li", "机身重约350g（不含风嘴），配2个磁吸风嘴：集风嘴、扩散风嘴"),
    ("h", "核心优势"),
    ("li", "风大而不烫：中长发大约5分钟就能吹干，比普通吹风机快一半左右。"),
    ("li", "恒温60℃左右，头发不容易被吹焦、吹干枯。"),
    ("li", "机身轻，手举着吹10分钟也不酸。"),
    ("h", "顾客利益"),
    ("p", "早上赶时间能省下十分钟；烫染过的头发吹完不毛躁；家里老人小孩用起来也不费劲。"),
    ("h", "使用方法"),
    ("li", "先用毛巾把头发擦到不滴水，再从发根开始吹。"),
    ("li", "吹到八成干时换低温档吹发尾，最后按冷风键定型。"),
    ("li", "进风口滤网每2周取下来清一次灰，滤网堵了会触发过热保护。"),
    ("h", "常见问题"),
    ("p", "问：出国能用吗？"),
    ("p", "答：这款只支持220V电压，不支持110V。去日本、美国等110V地区不能使用，用变压器也不建议。"),
    ("p", "问：吹着吹着突然停了是坏了吗？"),
    ("p", "答：多数是过热保护，一般是滤网太脏或风口被挡住。关机等5分钟，清理滤网后再开就好。"),
    ("p", "问：负离子有什么用？"),
    ("p", "答：能减少静电，吹完头发更服帖、不容易炸毛，但它不能修复已经受损的发质。"),
    ("h", "异议处理"),
    ("p", "顾客：“几十块的吹风机也能吹干。”"),
    ("p", "回应：能吹干，但要多花一倍时间，而且温度高，头发容易干枯。这台一天省5分钟，一年就是30个小时；保修2年，用得放心。"),
    ("p", "顾客：“高速吹风机都要两三千吧，这个是不是不行？”"),
    ("p", "回应：我们用的也是11万转的无刷马达，您可以现场试吹，感受一下风力。价格低是因为外观和包装做得更简单。"),
]

MOUSSE_DOCX = [
    ("title", "氨基酸洁面慕斯（QZ-SC105）"),
    ("p", "建议零售价：¥89 ／ 150ml　　约可使用3个月（早晚各1次）"),
    ("h", "产品特点"),
    ("li", "氨基酸表活，不含皂基，pH值5.5-6.0，弱酸性接近皮肤"),
    ("li", "按压出泡，一次2泵，不需要起泡网"),
    ("li", "添加甘草酸二钾，舒缓洗后紧绷感"),
    ("h", "核心优势"),
    ("li", "泡沫一按就有，比膏状洗面奶省去打泡的时间，而且泡沫细，减少摩擦。"),
    ("li", "弱酸性配方，洗完不紧绷，敏感肌和干皮也可以早晚使用。"),
    ("h", "顾客利益"),
    ("p", "早上赶时间一按就能洗；洗完脸不干不紧，后面的护肤品更容易吸收。"),
    ("h", "使用方法"),
    ("li", "第一步：用温水打湿脸。"),
    ("li", "第二步：按压2泵泡沫到掌心，在脸上轻轻打圈30秒，T区可以多停留几秒。"),
    ("li", "第三步：用清水冲净，用毛巾轻轻按干。"),
    ("h", "常见问题"),
    ("p", "问：能卸妆吗？"),
    ("p", "答：可以洗掉防晒乳和素颜霜这类淡妆；粉底、防水睫毛膏需要先用卸妆油。"),
    ("p", "问：油皮洗得干净吗？"),
    ("p", "答：油皮可以洗干净。如果夏天T区出油特别多，晚上可以洗两遍。"),
    ("p", "问：男生能用吗？"),
    ("p", "答：可以，不分男女，剃须后用也不刺激。"),
    ("h", "异议处理"),
    ("p", "顾客：“泡沫这么少，是不是洗不干净？”"),
    ("p", "回应：洗得干不干净和泡沫多少没有直接关系。泡沫特别多的洗面奶往往清洁力太强，反而容易洗干。您摸一下洗完的手背，是滑的，不是涩的。"),
    ("p", "顾客：“我用香皂洗脸就行。”"),
    ("p", "回应：香皂是碱性的，洗完会紧绷；这款是弱酸性的。您可以一边脸用香皂一边脸用它，感受一下区别。"),
]

RETINOL_PDF_TITLE = "视黄醇抗初老晚霜 ｜ QZ-SC106"
RETINOL_PDF = [
    "建议零售价：¥289（30g，铝管避光包装）",
    "",
    "【产品特点】",
    "· 0.1%视黄醇，搭配神经酰胺和积雪草做缓冲",
    "· 铝管包装，隔绝光线和空气，视黄醇不容易失效",
    "· 乳霜质地，无香精",
    "",
    "【核心优势】",
    "· 浓度适合入门，刺激性比高浓度A醇小",
    "· 一支同时做抗初老和保湿，晚上最后一步涂它就够",
    "",
    "【顾客利益】",
    "· 坚持用两三个月，细纹和毛孔看起来更不明显，皮肤更细腻",
    "",
    "【使用方法】",
    "· 只在晚上使用，白天必须涂SPF30以上的防晒。",
    "· 建立耐受：第1-2周每周用2次；第3-4周隔天用一次；之后可以每晚使用。",
    "· 取黄豆大小，避开眼周和嘴角。",
    "· 不要和水杨酸、果酸在同一个晚上使用。",
    "",
    "【常见问题】",
    "问：用了以后脸有点脱皮正常吗？",
    "答：刚开始轻微脱皮、发干属于常见的维A反应，一般1-2周会好转。",
    "如果出现明显红肿、灼痛，请立即停用。",
    "问：孕妇可以用吗？",
    "答：孕期和哺乳期不建议使用含视黄醇的产品。",
    "问：多大年纪开始用？",
    "答：一般25岁以后开始考虑抗初老，关键看皮肤状态，不是看年龄。",
    "",
    "【异议处理】",
    "顾客：“听说A醇很刺激，会烂脸。”",
    "回应：高浓度又一上来天天用才容易出问题。这款是0.1%，",
    "按照“每周2次—隔天—每晚”慢慢加，大部分人都能适应。",
    "顾客：“我还年轻，不需要抗老吧？”",
    "回应：这款主要是预防，也能改善熬夜后的粗糙。您可以先每周用两次试试。",
]

DIFFUSER_PDF_TITLE = "超声波香薰机 ｜ QZ-LF501"
DIFFUSER_PDF = [
    "建议零售价：¥169　　配套单方精油10ml：¥79（薰衣草 / 甜橙 / 雪松）",
    "",
    "F 特点",
    "· 300ml水箱，超声波雾化，不加热",
    "· 定时1小时 / 3小时 / 6小时，缺水自动断电",
    "· 7色氛围灯，可关闭",
    "· 运行噪音≤30分贝",
    "",
    "A 优势",
    "· 不用明火，比香薰蜡烛安全，家里有小孩也放心",
    "· 水箱大，开6小时一整晚都够",
    "",
    "B 利益",
    "· 下班回家放松，卧室、书房都有淡淡香味",
    "· 同时有一点加湿，空调房不那么干",
    "",
    "使用方法",
    "① 加纯净水或凉白开到水位线，不要超过MAX线。",
    "② 滴入精油3-5滴，盖好上盖后开机。",
    "③ 每周清洁一次：倒掉剩水，用棉签蘸少量白醋轻擦超声波片。",
    "",
    "常见问题",
    "问：可以加香水吗？",
    "答：不可以，香水里的酒精会损坏超声波片，请只用纯精油。",
    "问：家里养猫能用吗？",
    "答：部分精油对猫有刺激，养猫家庭请慎用，使用时开窗，并让猫能离开房间。",
    "问：可以当加湿器用吗？",
    "答：它只有轻微加湿作用，不能代替加湿器。",
    "",
    "异议处理",
    "顾客：“点个香薰蜡烛就行了。”",
    "回应：蜡烛有明火，不能开着睡觉；这台有定时，睡前开1小时自动关。",
]

# ---------------------------------------------------------------------------
# 4. SOPs
# ---------------------------------------------------------------------------
TESTER_SOP_EN = """---
type: sop
doc_id: SOP-ST-03
title: Tester and Demo Device Hygiene
owner: Qizhi Store Operations
updated: 2026-09-01
---

# Tester and Demo Device Hygiene (SOP-ST-03)

Applies to every Qizhi store. The counter lead is responsible for daily checks; the store manager audits every Monday and signs the Tester Log.

## Why this matters

Customers touch testers all day. One dirty tester or one expired cream on the counter can cause a skin reaction, a complaint and a bad review. Clean testers also sell better: people pick up what looks fresh.

## Daily routine

Step 1. Before opening, check every tester on your counter. Each one must carry a green "OPENED" sticker with the opening date written on it.
Step 2. Remove any tester whose colour, smell or texture has changed, and any tester past the product's expiry date. Record it in the Tester Log (date, code, reason).
Step 3. Wipe all pump nozzles, caps and dropper tips with 75% alcohol wipes at 12:00, 15:00, 18:00 and at closing.
Step 4. Refill the hand sanitiser at each counter once a day and make sure a box of disposable spatulas and lip wands is on every counter.
Step 5. At closing, close every tester cap tightly and put jar testers back in the drawer.

## Replacement intervals

- Jar and tube creams: replace 3 months after opening.
- Pump bottles, serums and sunscreens: replace 6 months after opening.
- Any tester: replace at once if less than one quarter is left, or if the pump is blocked.

## Rules for testing on customers

- Jar products: always scoop with a new disposable spatula. Never dip a finger into a jar tester, not even your own.
- Lip balm and lip products: never apply directly to a customer's lips. Use a disposable lip wand, or test on the back of the hand.
- If the customer has a wound, rash or visible redness, do not test on that area. Offer the inner forearm instead.
- Eye products: test on the back of the hand only, never around the customer's eyes.

## Demo devices

- Demo toothbrush (QZ-DV302): never put it in anyone's mouth. Use only the heads marked "DEMO" and demonstrate in the water cup on the shelf.
- Hair dryer and straightener demos: wipe the handle after each customer. Clean straightener plates only when cold.
- Heated eyelash curler: wipe the silicone guard with an alcohol wipe after every use.
- Facial cleansing brush: demonstrate on the back of the hand; wash the silicone head with soap and water after each demo.

## Where to get supplies

Order alcohol wipes, spatulas and lip wands through the store supply form by Wednesday each week. Supplies arrive with the Friday delivery.
"""

OPEN_CLOSE_TXT = """栖芷美妆生活馆 门店开闭店流程 / Qizhi Store Opening & Closing Procedure
文件编号 Doc No.: SOP-OP-01    版本 Version: 2026.3

营业时间：每天 09:30–21:30
Opening hours: 09:30–21:30 every day

【开店 OPENING】

① 09:00 到店，在企业微信完成上班打卡。
① Arrive at 09:00 and clock in on WeCom.

② 解除安防报警，检查门窗、卷帘门和监控是否正常。
② Disarm the alarm; check doors, the shutter and the CCTV.

③ 领取收银备用金500元，两人当面点清并签字。
③ Collect the RMB 500 cash float; two staff count it together and sign.

④ 按SOP-ST-03检查所有试用装和演示机。
④ Check all testers and demo devices according to SOP-ST-03.

⑤ 检查面膜冷藏柜温度，应在4–8℃之间；超出范围立即报店长。
⑤ Check the mask fridge: it must read 4–8°C. Report to the store manager at once if it is outside this range.

⑥ 吹风机、直发梳、电动牙刷演示机插电充电。
⑥ Plug in the demo hair dryer, straightener and toothbrush.

⑦ 09:20 晨会10分钟：当日销售目标、新品、会员活动。
⑦ 09:20 morning huddle, 10 minutes: today's sales target, new products, member events.

⑧ 09:30 准时开门，导购站在门口迎宾。
⑧ Open the doors at 09:30 sharp; one guide greets customers at the entrance.

【闭店 CLOSING】

① 21:15 播放闭店提醒广播。
① 21:15 play the closing announcement.

② 21:30 关门；店内还有顾客时，继续服务完再关收银。
② Close the doors at 21:30; if customers are still inside, serve them before closing the till.

③ 日结对账：现金、微信、支付宝、小程序订单逐项核对。现金差额超过10元要写情况说明并报店长。
③ End-of-day reconciliation: check cash, WeChat Pay, Alipay and mini-program orders. A cash difference over RMB 10 needs a written note to the store manager.

④ 单价299元及以上的商品（吹风机、直发梳、电动牙刷、蓝铜精华等）每天闭店清点数量。
④ Count every item priced RMB 299 or more (hair dryer, straightener, toothbrush, copper peptide serum, etc.) at every closing.

⑤ 擦拭试用装，锁好精华柜和收银抽屉，关闭灯箱和空调。
⑤ Wipe the testers, lock the serum cabinet and the cash drawer, turn off the light boxes and the air conditioning.

⑥ 设置安防报警。至少两名员工一起离店，不允许一人单独闭店。
⑥ Set the alarm. At least two staff leave together; no one closes the store alone.
"""

PICKUP_TXT = """线上订单门店自提与同城配送操作规范
适用：栖芷美妆生活馆全部直营门店　版本：2026年8月

一、门店自提

1. 顾客在"栖芷+"小程序下单并选择"门店自提"后，门店要在2小时内完成备货；20:00以后的订单，次日11:00前备货完成。
2. 备货完成后在店务系统点击"备货完成"，系统会自动给顾客发送6位提货码。
3. 自提订单保留3天。超过3天未取，系统自动取消订单并原路退款，商品放回货架。
4. 顾客到店提货：核对提货码，再让顾客报下单手机号后4位，两项都对上才能交货。
5. 朋友代取：提供提货码和下单手机号后4位即可，不需要本人到场。
6. 自提订单同样可以开电子发票，顾客在小程序订单页自己申请。

二、同城配送

1. 配送范围：门店周边5公里以内。
2. 配送费：订单满99元免配送费，不满99元收8元。
3. 接单时间：10:00–20:30；下单后约1.5小时送达，超出接单时间的订单次日上午配送。
4. 易碎品（玻璃瓶精华、香薰机）要用气泡袋包好，再装进门店专用纸袋。

三、线上订单退换

1. 线上订单可以到任意一家栖芷直营门店办理退换，不限于下单时选的门店。
2. 退换规则和门店购买一样，按《芷友会会员权益与售后服务规则》执行。
3. 退款原路返回，由小程序后台处理，门店不退现金。
"""

MEMBER_RULES_DOCX = [
    ("title", "芷友会会员权益与售后服务规则（SOP-CS-02）"),
    ("p", "适用范围：栖芷美妆生活馆全国直营门店及“栖芷+”小程序。本规则自2026年9月1日起执行，之前的版本同时作废。"),
    ("p", "门店员工须在入职第一周内读完全文，并通过店长的口头抽查。"),
    ("h", "一、会员等级与升降级"),
    ("lines", [
        "芷友会会员分为三个等级：青芽卡、绿叶卡、花语卡。",
        "顾客用手机号在门店或小程序注册，即成为青芽卡会员，不收任何费用。",
        "自然年内累计消费满1500元，自动升级为绿叶卡；累计消费满5000元，自动升级为花语卡。",
        "累计消费以实付金额计算，不含运费和礼品卡购买金额。",
        "升级在满足条件的次日生效，系统会给顾客发短信。",
        "等级有效期到次年12月31日。",
        "有效期内累计消费未达到保级标准（绿叶卡1500元、花语卡5000元）的，次年1月1日降一级，不会直接降到青芽卡。",
        "青芽卡权益：享受积分和生日礼。",
        "绿叶卡权益：正价商品95折，另享青芽卡全部权益。",
        "花语卡权益：正价商品9折，并且每季度可以免费预约一次门店皮肤检测。",
        "会员折扣只适用于正价商品，特价商品、套装礼盒和已经参加满减活动的商品不再叠加会员折扣。",
        "一个手机号只能注册一个会员账户；家人之间不能合并账户或转让等级。",
        "顾客更换手机号的，需要本人带身份证到门店，由店长在后台操作换绑，积分和等级全部保留。",
        "会员注销需要在小程序“我的—设置”中由顾客本人操作，注销后积分清空且不可恢复。",
    ]),
    ("h", "二、积分获取与使用"),
    ("lines", [
        "积分获取：每实付1元累计1积分，不满1元的部分不计。",
        "绿叶卡会员按1.2倍累计，花语卡会员按1.5倍累计。",
        "生日当月消费享双倍积分，与等级倍数叠加计算（例如花语卡生日当月为3倍）。",
        "积分在订单完成后即时到账；线上订单在确认收货后到账。",
        "积分使用：50积分抵1元。",
        "单笔订单积分抵扣最多不超过实付金额的30%。",
        "积分可以和会员折扣同时使用，但不能用于购买礼品卡。",
        "积分兑换：积分商城可以兑换小样、化妆棉、帆布袋等，兑换的商品不退不换。",
        "积分有效期：当年获得的积分在次年12月31日清零，系统会在清零前30天短信提醒。",
        "退货时，该订单获得的积分会被扣回。",
        "积分已经用掉、不够扣回的，按50积分=1元从退款里扣除。",
        "积分不能兑换现金，也不能转给其他会员。",
        "顾客忘记报手机号的，可以在消费后7天内凭小票到门店补录积分，超过7天不再补录。",
        "门店员工不得用自己的会员账户给顾客结账积分，一经发现按员工手册处理。",
    ]),
    ("h", "三、生日礼与专属权益"),
    ("lines", [
        "生日礼：会员生日当月可以到任意门店领取一份生日礼（护肤小样套装，价值约60元）。",
        "领取生日礼须本人到店并出示会员码，每年限领一次。",
        "生日信息注册后只能修改一次，避免重复领取。",
        "当月没有领取的，过了生日月自动失效，不能补领。",
        "会员日：每月18日为芷友会会员日，指定商品享会员日价，具体商品以小程序当月海报为准。",
        "会员日价不再叠加绿叶卡、花语卡的会员折扣，但可以正常累计积分。",
        "免费服务：所有会员可以在门店免费使用卸妆台和补妆台。",
        "花语卡会员每季度一次免费皮肤检测，需要提前一天在小程序预约，检测约20分钟。",
        "包装服务：全体顾客可免费领取礼袋。",
        "会员购物满99元可以免费写贺卡。",
    ]),
    ("h", "四、退换货规则"),
    ("lines", [
        "1. 未拆封商品：自购买之日起7天内，商品和包装完好、塑封未拆、赠品齐全的，可以无理由退换。",
        "2. 已拆封的护肤品、彩妆、洗护产品：出于卫生原因，不支持无理由退货。",
        "3. 过敏退货：使用后出现红肿、瘙痒等不良反应的，自购买之日起30天内，凭二级及以上医院皮肤科出具的诊断证明，可以办理退货，不论剩余多少。",
        "4. 没有诊断证明的过敏投诉，由店长按《顾客皮肤不良反应投诉处理流程》（SOP-CS-03）处理。",
        "5. 美容小家电（吹风机、直发梳、洁面仪、睫毛夹、化妆镜）：未使用、包装完整的，7天内可以无理由退货。",
        "6. 美容小家电15天内出现质量问题可以换新；吹风机整机保修2年，其他小家电保修1年。",
        "7. 电动牙刷：属于个人卫生用品，拆封后不适用无理由退货；刷头拆封后一律不退换。",
        "8. 电动牙刷主机有质量问题的，15天内换新，1年内保修。",
        "9. 试用装、小样、积分兑换的商品、赠品：不退不换。",
        "10. 套装或买赠活动的商品退货时，赠品要一起退回；赠品已经用掉的，按赠品标价从退款中扣除。",
        "11. 凭证：购物小票、电子发票、小程序订单号、会员消费记录任选其一即可。",
        "12. 退款一律原路返回：现金支付的退现金，微信、支付宝原路退回，一般1-7个工作日到账。",
        "13. 换货只能换同价或更高价的商品，补差价；换低价商品的差价不退现金，可以转为积分。",
        "14. 线上订单可以在任意直营门店退换，规则相同。",
        "15. 顾客对处理结果有异议的，门店要在当天上报区域督导，不得和顾客争执。",
    ]),
    ("h", "五、价格保护"),
    ("lines", [
        "价保期：自购买之日起7天内，同一门店或“栖芷+”小程序上同一商品降价的，可以申请退还差价。",
        "价保只适用于正价购买的商品，会员日价、特价、清仓商品不参与价保。",
        "618、双11大促活动期间的降价不在价保范围内，购买时请提醒顾客。",
        "每个订单只能申请一次价保，差价以原支付方式退回。",
        "价保需要顾客主动到店或在小程序申请，店员不主动联系顾客退差价。",
        "天猫、抖音等第三方平台的价格不作为价保依据。",
        "赠品、小样和积分兑换的商品没有价保。",
        "申请价保时需要提供购买凭证，凭证要求与退换货相同。",
        "已经退货的商品不能再申请价保。",
        "价保差价不返还积分，原订单获得的积分也不扣回。",
    ]),
    ("h", "六、常见情形处理"),
    ("lines", [
        "顾客要求用别人的会员账户积分：可以，但要报对方的手机号，并由对方在手机上确认验证码。",
        "顾客在A店买、到B店退：可以，直营门店之间通退，退回的商品由B店登记后寄回A店。",
        "顾客拿着没有小票的商品来退：先用手机号查会员消费记录，查不到的不予退货，礼貌说明原因。",
        "顾客的积分显示异常：截图后发到企业微信“会员运营”群，24小时内答复，门店不要自行修改积分。",
        "顾客要求开纸质发票：门店可以开具，也可以引导顾客在小程序开电子发票，二者效力相同。",
        "顾客要求把过期的积分恢复：系统不能恢复，门店可以酌情赠送一份小样表示歉意。",
        "顾客拿着其他品牌或其他连锁店的商品来退：礼貌说明只受理栖芷售出的商品。",
        "顾客情绪激动、大声争吵：先请到休息区坐下，倒一杯水，由店长出面沟通。",
        "顾客坚持要现金退款（原来是微信支付）：说明退款只能原路返回，这是财务规定，不能变通。",
        "遇到本规则没写到的情况：先记录下来，当天报区域督导，不要当场承诺。",
    ]),
]

SKIN_REACTION_PDF_TITLE = "顾客皮肤不良反应投诉处理流程（SOP-CS-03）"
# Lines are hard-wrapped on purpose, the way exported/scanned PDFs break text.
SKIN_REACTION_PDF = [
    "文件编号：SOP-CS-03　版本：2026.2　制定部门：栖芷品质与客服部",
    "适用情形：顾客反映使用本店商品后出现泛红、瘙痒、刺痛、起疹等皮肤不",
    "良反应，到店、电话或在线上提出投诉时。",
    "",
    "一、基本原则",
    "先关心人，再处理货。任何情况下不说“我们的产品不可能过敏”“是您自己皮肤",
    "的问题”这类话，也不要给顾客做任何医学诊断或推荐药品。",
    "",
    "二、处理步骤",
    "第一步　安抚与应急。请顾客立即停用该商品，用清水或温水轻轻冲洗",
    "接触部位，不要用手抓挠。询问顾客现在的感受，是否需要坐下休息。",
    "第二步　记录信息。在《不良反应登记表》上记录顾客姓名、手机号、购买日",
    "期、商品名称和批号（印在瓶底或管尾）、使用了几天、出现症状的部位，并",
    "在征得顾客同意后拍照留存。本步骤处理人",
    "：店长；店长不在时由当班值班主管代为处理，并在当天告知店长。",
    "第三步　建议就医。症状明显或持续不退的，建议顾客到二级及以上医院皮肤",
    "科就诊，并保留诊断证明和医药费发票。门店不提供诊断，也不推荐药",
    "品。",
    "第四步　上报。店长须在24小时内将登记表和照片发到企业微信“品质反馈群”",
    "，同时抄送区域督导。同一批号7天内收到3起以上投诉的，区域督导通知",
    "全区门店暂停销售该批号。",
    "第五步　处理结果。凭医院诊断证明，按《芷友会会员权益与售后服务规则》",
    "办理退货；顾客提出报销医药费的，凭发票报销，单次最高500元，须区域",
    "经理审批，超过500元的由品质部与顾客协商。",
    "第六步　回访。处理完成后48小时内，由处理人打电话回访顾客，了解恢复",
    "情况，并把回访结果写进登记表。",
    "",
    "三、注意事项",
    "1）不要当着其他顾客的面讨论投诉内容，请顾客到休息区沟通。",
    "2）顾客要求看检测报告的，可以出示柜台存放的斑贴测试报告复印件，原件",
    "不外借。",
    "3）媒体或自称媒体的人询问时，一律回复“我们会尽快核实并由公司统一回复”，",
    "并立即报告区域经理。",
]

# ---------------------------------------------------------------------------
# 5. Courses
# ---------------------------------------------------------------------------
SKIN_COURSE_HTML = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>肤质判断与护肤咨询（新人必修课 第3课）</title>
</head>
<body>
<h1>肤质判断与护肤咨询（新人必修课 第3课）</h1>
<p>课程时长：60分钟 ｜ 讲师：栖芷培训中心 ｜ 适合对象：入职1个月内的美妆顾问</p>

<h2>一、为什么先判断肤质</h2>
<p>同一瓶精华，给对的人是好产品，给错的人就是投诉。顾客说“我是干皮”，不一定准确：很多人其实是外油内干的缺水油皮。所以推荐产品之前，先花两分钟帮顾客判断肤质。</p>

<h2>二、五种常见肤质</h2>
<table border="1">
<tr><th>肤质</th><th>典型表现</th><th>推荐方向</th></tr>
<tr><td>干性</td><td>洗完脸紧绷，两颊起皮，很少出油</td><td>神经酰胺、角鲨烷，质地偏润</td></tr>
<tr><td>油性</td><td>全脸出油，毛孔明显，容易长痘</td><td>控油、清爽质地，局部用水杨酸</td></tr>
<tr><td>混合性</td><td>T区出油，两颊正常或偏干</td><td>分区护理，T区清爽、两颊保湿</td></tr>
<tr><td>中性</td><td>不干不油，很少有问题</td><td>做好保湿和防晒即可</td></tr>
<tr><td>敏感性</td><td>容易泛红、刺痛，换季发痒</td><td>先修护屏障，成分越简单越好</td></tr>
</table>

<h2>三、现场判断方法</h2>
<ol>
<li>问顾客：早上洗完脸，不涂任何东西，过30分钟脸是什么感觉？</li>
<li>用吸油纸轻按额头、鼻子和两颊，看哪里有油。</li>
<li>看两颊和鼻翼有没有泛红、红血丝。</li>
<li>问最近有没有刷酸、做医美、换过护肤品。</li>
<li>问顾客最想解决的一个问题，只推荐能解决这个问题的1-2个产品。</li>
</ol>

<h2>四、成分搭配的几条规矩</h2>
<ul>
<li>视黄醇和水杨酸不要在同一个晚上用，可以隔天交替。</li>
<li>蓝铜胜肽和高浓度VC分开用：VC早上，蓝铜晚上。</li>
<li>烟酰胺和VC可以一起用，现在的配方基本不会互相影响。</li>
<li>护肤顺序：洁面 → 爽肤水 → 精华 → 眼霜 → 面霜 → 防晒（白天）。记住“先水后油、先薄后厚”。</li>
</ul>

<h2>五、说话的红线</h2>
<p>化妆品不能说治疗效果。不要说“祛斑”“治痘”“生发”“根治敏感”，可以说“淡化痘印的外观”“让头发看起来更蓬松”“帮助皮肤维持稳定”。美白类产品只说“提亮肤色”。</p>

<h2>常见问题 FAQ</h2>
<dl>
<dt>顾客问：“你们家哪个最好用？”怎么回？</dt>
<dd>不要直接报产品名。反问一句：“您现在最想改善的是什么？干、油、暗沉还是容易红？”再根据回答推荐，最多两个。</dd>

<dt>顾客说自己是敏感肌，但是想刷酸，怎么办？</dt>
<dd>建议先用修护类产品（积雪草修护面霜、蓝铜胜肽修护精华）养4周，等皮肤不再泛红刺痛，再从低浓度、局部点涂开始。</dd>

<dt>孕妇来买护肤品推荐什么？</dt>
<dd>避开视黄醇和高浓度水杨酸，推荐基础保湿和物理遮挡防晒；同时说明“具体请咨询您的产检医生”，不要替医生做判断。</dd>

<dt>男士顾客不知道买什么？</dt>
<dd>从最简单的两步开始：洁面（洁面慕斯）+ 防晒。男士通常不愿意步骤太多，两步能坚持就是成功。</dd>

<dt>顾客问“多久能见效”？</dt>
<dd>皮肤更新周期约28天，告诉顾客至少坚持用一个月再判断效果；保湿类当天就有感觉，提亮和抗老类要1-3个月。</dd>

<dt>顾客用了我们的产品说过敏了，我该怎么做？</dt>
<dd>先让顾客停用并冲洗，然后马上找店长，按SOP-CS-03处理。新人不要自己答应退货或赔偿。</dd>
</dl>

<h2>课后练习</h2>
<p>两人一组，一人扮演顾客（自选一种肤质和一个困扰），另一人用“三、现场判断方法”里的5个问题完成判断并推荐产品，每组练习3轮。</p>
</body>
</html>
"""

BUNDLE_COURSE_MD = """---
type: course
title: 连带销售与小样发放
audience: 全体导购
duration: 45分钟
---

# 连带销售与小样发放（进阶课 第1讲）

## 课程目标

学完这节课，你应该能做到三件事：在顾客买单前自然地推荐第二件商品；按规定发放小样；把小样变成顾客的第二次到店。

## 一、为什么要做连带

顾客进店通常只想买一样东西，但护肤和洗护本来就是组合使用的。买了吹风机的顾客，头发往往也需要护发精油；买了视黄醇晚霜的顾客，第二天一定需要防晒。连带不是硬推，而是帮顾客把一件事做完整。

全国门店的平均连带率（每单件数）目标是1.6件，优秀门店能做到2.1件。

## 二、四组常用搭配

| 顾客买了 | 推荐搭配 | 理由一句话 |
|---|---|---|
| 视黄醇抗初老晚霜 QZ-SC106 | 水感清透防晒乳 QZ-SC103 | 用A醇白天必须防晒 |
| 负离子高速吹风机 QZ-DV301 | 轻盈护发精油 QZ-HC204 | 吹前抹精油能隔热 |
| 温和卸妆油 QZ-SC109 | 氨基酸洁面慕斯 QZ-SC105 | 卸完再洗一遍，清洁完整 |
| 无硅油控油洗发水 QZ-HC201 | 修护发膜 QZ-HC202 | 无硅油发尾涩，发膜补上 |

本季活动：购买负离子高速吹风机当天，加购轻盈护发精油只要79元（原价109元），每单限加购1瓶。

## 三、小样发放规则

1. 单笔实付满199元，送护肤小样1份；满399元送2份。
2. 没有购物、只想试用的顾客，登记成为会员后可以领取1份试用装。
3. 每位顾客每天最多领取2份小样（含购物赠送），以会员手机号为准。
4. 小样发出前检查有效期，离过期不足60天的小样不再发放，交给店长统一处理。
5. 小样不单独售卖，也不能用来抵扣货款。

## 四、三句连带话术

- "您买的是晚霜，白天记得一定要防晒，这支防晒是清透的，我给您拿一支搭着用？"
- "吹风机今天加79块就能带走护发精油，吹之前抹一点，头发不容易吹干。"
- "您先拿这个小样回去用三天，觉得合适下次来买正装，我加您企业微信提醒您。"

## 常见问题

**问：顾客明确说"只买这一个"，还要推荐吗？**
答：尊重顾客，说一句"好的，那您用完有问题随时来找我"就可以，不要推第二次。

**问：顾客要求多给几份小样怎么办？**
答：解释每天最多2份的规定，可以加顾客企业微信，告诉他下次到店还能再领。

**问：连带推荐的商品顾客嫌贵？**
答：换成同功能更便宜的，或者推荐小规格。连带的重点是搭配合理，不是金额。

**问：加购价能不能用在别的商品上？**
答：不能，79元加购价只限当天买了吹风机的订单，加购的是护发精油。
"""

# ---------------------------------------------------------------------------
# writers
# ---------------------------------------------------------------------------
TEXT_FILES = {
    CSV_PATH: None,  # filled by build_csv()
    "knowledge/products/积雪草修护面霜_QZ-SC101.md": CENTELLA_MD,
    "knowledge/products/sunscreen_QZ-SC103.md": SUNSCREEN_MD,
    "knowledge/products/sonic_toothbrush_QZ-DV302_bilingual.md": TOOTHBRUSH_MD,
    "knowledge/courses/skin_consultation_course.html": SKIN_COURSE_HTML,
    "knowledge/courses/bundle_selling_and_samples.md": BUNDLE_COURSE_MD,
    "sop/tester_hygiene_en.md": TESTER_SOP_EN,
    "sop/store_open_close_bilingual.txt": OPEN_CLOSE_TXT,
    "sop/online_order_pickup_delivery.txt": PICKUP_TXT,
}
DOCX_FILES = {
    "knowledge/products/hair_dryer_QZ-DV301.docx": DRYER_DOCX,
    "knowledge/products/氨基酸洁面慕斯_QZ-SC105.docx": MOUSSE_DOCX,
    "sop/member_points_and_returns.docx": MEMBER_RULES_DOCX,
}
PDF_FILES = {
    "knowledge/products/retinol_night_cream_QZ-SC106.pdf": (RETINOL_PDF_TITLE, RETINOL_PDF),
    "knowledge/products/aroma_diffuser_QZ-LF501.pdf": (DIFFUSER_PDF_TITLE, DIFFUSER_PDF),
    "sop/skin_reaction_complaint.pdf": (SKIN_REACTION_PDF_TITLE, SKIN_REACTION_PDF),
}


def build_docx(path: Path, blocks: list) -> str:
    from docx import Document

    doc = Document()
    for kind, text in blocks:
        if kind == "title":
            doc.add_heading(text, level=0)
            doc.core_properties.title = text
        elif kind == "h":
            doc.add_heading(text, level=1)
        elif kind == "li":
            doc.add_paragraph(text, style="List Bullet")
        elif kind == "lines":
            for line in text:
                doc.add_paragraph(line)
        else:
            doc.add_paragraph(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return docx_text(blocks)


def docx_text(blocks: list) -> str:
    return "\n".join("\n".join(t) if isinstance(t, list) else t for _, t in blocks)


def build_pdf(path: Path, title: str, lines: list[str]) -> str:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    path.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setTitle(title)
    c.setAuthor("栖芷美妆生活馆")
    width, height = A4
    y = height - 60
    c.setFont(font, 15)
    c.drawString(50, y, title)
    y -= 30
    c.setFont(font, 10.5)
    for line in lines:
        if y < 50:
            c.showPage()
            c.setFont(font, 10.5)
            y = height - 60
        if line:
            c.drawString(50, y, line)
        y -= 17
    c.save()
    return "\n".join([title, *lines])


def written_texts() -> dict[str, str]:
    """Text of every generated file, keyed by path relative to content/ (no I/O)."""
    texts: dict[str, str] = {}
    for rel, text in TEXT_FILES.items():
        texts[rel] = build_csv() if text is None else text
    xlsx_lines = []
    for title, note, headers, rows in ((XLSX_TITLE_1, XLSX_NOTE_1, SKIN_HEADERS, SKIN_ROWS),
                                       (XLSX_TITLE_2, XLSX_NOTE_2, HAIR_HEADERS, HAIR_ROWS)):
        xlsx_lines += [title, note, " ".join(headers)]
        xlsx_lines += [" ".join(str(v) for v in row) for row in rows]
    texts[XLSX_PATH] = "\n".join(xlsx_lines)
    for rel, blocks in DOCX_FILES.items():
        texts[rel] = docx_text(blocks)
    for rel, (title, lines) in PDF_FILES.items():
        texts[rel] = "\n".join([title, *lines])
    return texts


def main() -> int:
    for rel, text in TEXT_FILES.items():
        p = OUT / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(build_csv() if text is None else text, encoding="utf-8")
    build_xlsx(OUT / XLSX_PATH)
    for rel, blocks in DOCX_FILES.items():
        build_docx(OUT / rel, blocks)
    for rel, (title, lines) in PDF_FILES.items():
        build_pdf(OUT / rel, title, lines)
    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    n = sum(1 for f in OUT.rglob("*") if f.is_file())
    print(f"wrote {n} files under {OUT} ({total / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
