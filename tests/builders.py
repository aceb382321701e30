"""Builders for the small knowledge base the tests ingest.

Every file is generated here in the format a content owner would hand us (xlsx, csv in
GBK, docx with heading styles, a Chinese PDF, HTML, text in several encodings), with
facts invented for the tests so an answer can only come from the file that holds it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import docx
import openpyxl
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FAB_HEADER_ZH = ["产品", "SKU", "价格", "特点", "优势", "利益", "适用人群", "推荐话术", "常见异议", "异议回复"]

# Sheet "小家电" (with a title row above the header) and sheet "个护".
FAB_SHEETS: dict[str, list[list[str]]] = {
    "小家电": [
        ["云朵空气净化器", "HY-AP300", "2999元", "CADR 600立方米每小时，三层复合滤网",
         "净化速度是同价位机型的两倍", "二十分钟让四十平米客厅空气焕然一新", "有婴儿或宠物的家庭",
         "宝宝在家，空气要最干净，这台二十分钟就能把客厅净化一遍", "滤网更换太贵",
         "滤网一年只换一次，折合每天不到一块钱"],
        ["晨光破壁机", "HY-BL520", "899元", "八叶刀头，每分钟三万五千转，十二小时预约",
         "豆浆不用过滤，口感细腻", "早上起床就有热豆浆喝", "注重早餐的上班族",
         "前一晚放好豆子，早上起来直接喝", "破壁机声音太吵",
         "它有静音罩，声音和吸尘器差不多，预约在起床前做完"],
    ],
    "个护": [
        ["青竹声波电动牙刷", "HY-TB100", "399元", "每分钟四万次声波震动，五种清洁模式",
         "比手动刷牙多去除三倍牙菌斑", "牙龈更健康，口气更清新", "刚开始用电动牙刷的年轻人",
         "两分钟智能计时，每个区域三十秒自动提醒换区", "刷头太贵",
         "刷头三个月换一次，一支二十九元，每天三毛钱"],
        ["静音负离子吹风机", "HY-HD800", "1299元", "十一万转高速马达，恒温五十七度",
         "三分钟吹干中长发，不伤发质", "早上多睡十分钟", "长发女性和染烫发人群",
         "您摸一下这个风，是温的不烫", "一千多的吹风机和一百多的有什么区别",
         "区别在马达和温控，风大温度低，吹得快又不伤发"],
    ],
}

GBK_CSV_HEADER = ["商品名", "货号", "售价", "卖点", "产品优势", "顾客利益", "目标客户", "销售话术",
                  "顾客异议", "应对话术"]
GBK_CSV_ROWS = [
    ["暖阳电热水壶", "HY-KT150", "259元", "一点五升食品级不锈钢内胆，五档恒温", "泡茶冲奶温度刚好",
     "全家喝水更放心", "有小孩的家庭", "冲奶粉四十五度恒温，半夜不用等水凉", "不锈钢有异味",
     "三零四不锈钢内胆，首次使用煮两遍水就没有味道"],
    ["轻松电压力锅", "HY-PC600", "699元", "六升容量，双胆设计，二十四小时预约", "一锅两用，煲汤炖肉不串味",
     "下班回家就能吃上热饭", "双职工家庭", "早上出门前预约，晚上到家饭就熟了", "压力锅不安全",
     "有七重安全保护，开盖前自动泄压"],
]

EN_CSV_HEADER = ["Product", "SKU", "Price", "Features", "Advantages", "Benefits",
                 "Target customers", "Selling lines", "Objections", "Replies"]
EN_CSV_ROWS = [
    ["Lumora Sunrise Alarm Clock", "IM-LS210", "599", "30-minute sunrise simulation before the alarm",
     "Light rises gradually so the body wakes naturally", "Wake up less groggy on dark winter mornings",
     "Office workers who struggle to get up", "Cover the clock with your hand and watch the light fade up",
     "It is just an expensive lamp", "It replaces your bedside lamp and radio and wakes you gently"],
]

RETURNS_SOP_MD = """---
type: sop
title: 门店退换货处理流程
owner: 客户服务部
---

# 门店退换货处理流程

## 一、政策要点

顾客签收后七天内可无理由退货，商品和配件必须齐全。

## 二、退货操作步骤

1. 接待顾客并在悦导购App登记退货单。
2. 当面检查商品外观、配件和赠品是否齐全。
3. 实付金额一千元以上的退货由店长审批。
4. 按原支付方式原路退款，微信支付宝一到三个工作日到账。
5. 退回商品贴上退货待检标签，放入售后暂存区。
"""

# Traditional Chinese, the way the Hong Kong store writes it.
HK_PAYMENT_SOP_TXT = """香港門市收款規範

一、收款方式
門市以港幣標價及結算，接受八達通、信用卡及電子錢包。
門市一律不收人民幣現金，顧客可改用內地版支付寶付款。

二、找續
收銀員每日開市前須點算備用金，找續以港幣現金為準。
"""

# Simplified Chinese saved by an old store PC in GB18030.
GB18030_TXT = """盘点作业规范

一、盘点时间
每月最后一个周日闭店后进行全店盘点。
盘点前一天下午四点停止调拨入库。
"""

UTF16_TXT = """陈列调整规范

一、主推区
主推区每两周根据总部陈列指引更换一次，新品放在入口右手边第一张展台。
"""

WECOM_COURSE_MD = """---
title: 企业微信一对一沟通课
type: course
---

# 企业微信一对一沟通课

## 添加新顾客

添加顾客企业微信后，五分钟内发送第一条欢迎消息，介绍自己的名字和门店，并附上一张门店位置图。
不要一上来就发商品链接，先问顾客买的产品用得怎么样。

## 朋友圈节奏

朋友圈每天最多发三条，早上发新品，中午发使用技巧，晚上发顾客好评。
"""

ONBOARDING_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>新员工入职第一周</title>
<style>body { color: red }</style><script>var tracking = "do not index me";</script></head>
<body>
<nav>首页 | 培训中心</nav>
<h1>新员工入职第一周</h1>
<h2>第一天安排</h2>
<p>上午领取工牌和工服，下午跟随带教师傅熟悉门店分区。</p>
<h2>第一周考核</h2>
<ol>
<li>周五完成产品知识笔试，八十分及格。</li>
<li>独立接待三位顾客并由带教师傅评分。</li>
</ol>
</body></html>
"""

COMPLAINT_PDF_LINES = [
    "顾客投诉升级处理规范",
    "一、适用范围",
    "本规范适用于全部门店的顾客当面投诉和电话投诉。",
    "二、升级步骤",
    "1. 先向顾客道歉，并在投诉登记表记录诉求。",
    "2. 十五分钟内无法解决的，上报值班主管。",
    "3. 涉及人身伤害的投诉，立即电话通知区域经理。",
]


def course_sentences(n: int = 24) -> list[str]:
    """Distinct Chinese sentences of about 40 characters each, numbered so tests can
    tell where a chunk starts and ends."""
    return [
        f"第{i}条要点：导购在介绍商品时要先听清顾客的真实需求，再用编号{i:02d}的案例说明利益。"
        for i in range(1, n + 1)
    ]


LONG_COURSE_MD = "# 销售心法长文\n\n## 倾听与提问\n\n" + "".join(course_sentences()) + "\n"


def write_fab_xlsx(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    for index, (sheet_name, rows) in enumerate(FAB_SHEETS.items()):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet.title = sheet_name
        sheet.append([f"禾悦生活2026秋季主推产品FAB表——{sheet_name}"])  # title row above the header
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(FAB_HEADER_ZH))
        sheet.append(FAB_HEADER_ZH)
        for row in rows:
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_member_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_heading("会员积分规则", level=0)  # style "Title"
    document.add_heading("一、会员等级", level=1)
    document.add_paragraph("会员等级按上一年度消费金额评定，每年一月一日更新。")
    table = document.add_table(rows=1, cols=3)
    for cell, text in zip(table.rows[0].cells, ["等级", "年消费门槛", "积分倍率"], strict=True):
        cell.text = text
    for row in (["银卡", "0元", "1倍"], ["金卡", "5000元", "1.5倍"], ["黑金卡", "20000元", "2倍"]):
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
    document.add_heading("二、积分兑换", level=1)
    document.add_paragraph("每100积分可抵扣1元，积分有效期为两年。")
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(path)
    return path


_FONT_READY = False


def write_pdf(path: Path, lines: list[str], title: str | None = None) -> Path:
    global _FONT_READY
    if not _FONT_READY:
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        _FONT_READY = True
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf = canvas.Canvas(str(path))
    if title is not None:
        pdf.setTitle(title)
    pdf.setFont("STSong-Light", 12)
    y = 800
    for line in lines:
        pdf.drawString(50, y, line)
        y -= 20
    pdf.save()
    return path


def build_corpus(root: Path) -> Path:
    """The shared knowledge base: every supported format, laid out as a chain keeps it."""
    write_fab_xlsx(root / "knowledge" / "fab" / "主推产品FAB.xlsx")
    write_csv(root / "knowledge" / "fab" / "厨房电器.csv", GBK_CSV_HEADER, GBK_CSV_ROWS, "gbk")
    write_csv(root / "knowledge" / "fab" / "imported_en.csv", EN_CSV_HEADER, EN_CSV_ROWS, "utf-8")
    (root / "knowledge" / "courses").mkdir(parents=True, exist_ok=True)
    (root / "knowledge" / "courses" / "wecom.md").write_text(WECOM_COURSE_MD, encoding="utf-8")
    (root / "knowledge" / "courses" / "onboarding.html").write_text(ONBOARDING_HTML, encoding="utf-8")
    (root / "knowledge" / "courses" / "long_course.md").write_text(LONG_COURSE_MD, encoding="utf-8")
    (root / "sop").mkdir(parents=True, exist_ok=True)
    (root / "sop" / "returns.md").write_text(RETURNS_SOP_MD, encoding="utf-8")
    (root / "sop" / "香港門市收款.txt").write_text(HK_PAYMENT_SOP_TXT, encoding="utf-8")
    (root / "sop" / "stocktake_gb18030.txt").write_bytes(GB18030_TXT.encode("gb18030"))
    (root / "sop" / "display_utf16.txt").write_bytes(UTF16_TXT.encode("utf-16"))
    write_member_docx(root / "sop" / "会员积分规则.docx")
    write_pdf(root / "sop" / "complaints.pdf", COMPLAINT_PDF_LINES, title="顾客投诉升级处理规范")
    return root
