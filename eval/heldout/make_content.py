#!/usr/bin/env python
"""Generate the held-out evaluation corpus for guidebot.

Fictional chain: 山岚户外 (Shanlan Outdoor), a sportswear & outdoor-gear retail chain.
All text below is original and invented for evaluation purposes only.

Usage:  .venv/bin/python eval/heldout/make_content.py
Output: eval/heldout/content/...
"""
from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONTENT = HERE / "content"
FAB_DIR = CONTENT / "knowledge" / "fab"
COURSE_DIR = CONTENT / "knowledge" / "courses"
SOP_DIR = CONTENT / "sop"


# ---------------------------------------------------------------------------
# FAB data
# ---------------------------------------------------------------------------
XLSX_HEADER = ["商品名称", "货号", "售价(元)", "特点", "优势", "利益", "适用人群",
               "推荐话术", "常见异议", "异议回复"]

SHOES = [
    ["岩脊GTX中帮徒步鞋", "SL-HK2301", 1299,
     "GORE-TEX防水透气膜；Vibram Megagrip橡胶大底；中帮包裹，后跟TPU稳定片",
     "湿滑岩面上的抓地力比普通橡胶底高约30%；雨天或踩浅水时鞋内依然干爽",
     "走山路不打滑、不容易崴脚，下雨天也不用担心湿脚",
     "周末徒步爱好者、轻装登山人群",
     "“您平时走的山路石头多还是土路多？这双大底是Vibram的，湿石头上也抓得住，您上试鞋坡踩两步感受一下。”",
     "一千多买双鞋太贵了",
     "“好的徒步鞋正常能穿3到4年，摊下来一年也就三百来块；防水膜是GORE-TEX，雨天脚不湿，这份安心是便宜鞋给不了的。”"],
    ["溪行涉水鞋", "SL-WS2305", 459,
     "鞋底设8个排水孔；速干网布鞋面；一拉即紧的快系鞋带；前端橡胶包头",
     "出水后约10分钟鞋内不再积水；比普通凉鞋更能保护脚趾",
     "溯溪、海边玩水不怕碎石划脚，上岸继续走路也不闷",
     "溯溪、漂流爱好者，海岛度假游客",
     "“夏天去海边或溯溪，穿凉鞋容易被石头磕到脚趾。这款前面有包头，水进来马上从鞋底排走。”",
     "泡过水会不会有味道",
     "“鞋垫可以抽出来单独冲洗，网布鞋面晾一晚就干透，不容易闷出异味。”"],
    ["风驰碳板跑鞋", "SL-RN2410", 1099,
     "全掌碳纤维板；超临界发泡中底；单只重量228克（男款42码）",
     "推进感强，中底回弹率约82%；比同价位竞速鞋轻约15%",
     "跑起来更省力，帮助冲击个人最好成绩",
     "半马、全马备赛跑者，配速在5分30秒以内的进阶跑者",
     "“您最近有比赛吗？这双是竞速款，全掌碳板，跑起来有往前推的感觉，不少会员穿它刷新了自己的PB。”",
     "刚开始跑步能不能穿",
     "“碳板鞋对小腿力量要求比较高。刚入门的话建议先穿云朵缓震慢跑鞋，等每周跑量稳定在30公里以上再换碳板鞋。”"],
    ["云朵缓震慢跑鞋", "SL-RN2402", 699,
     "双密度缓震中底；宽楦设计；鞋面和后跟带反光条",
     "落地冲击力比普通训练鞋降低约20%；脚背高、脚型宽的顾客穿着也不挤",
     "膝盖负担小，夜跑时被车辆看得见更安全",
     "跑步入门者、体重偏大的顾客、日常健走通勤人群",
     "“您是刚开始跑步吧？入门阶段最要紧的是保护膝盖，这双中底软弹，前掌也做宽了，您穿上走两圈试试。”",
     "颜色太少了",
     "“目前有黑白、雾蓝、樱粉3个配色，樱粉是今年春季新色。店里断码的话可以帮您从附近门店调货，一般2到3天到店。”"],
]

APPAREL = [
    ["雾凇三合一冲锋衣", "SL-JK2501", 1699,
     "外层面料防水指数20000mm、透湿量10000g/m²/24h；内胆为可拆卸抓绒；全压胶防水拉链",
     "外层和内胆可以分开穿，一件顶两件",
     "春秋单穿外层，冬天扣上内胆，一年三季都能穿，旅行少带一件衣服",
     "登山、滑雪、冬季旅行人群",
     "“您是要去雪山还是平时通勤穿？这件外层防水指数两万，内胆拉链一拉就能拆，天冷天热都能应付。”",
     "为什么不分开买一件冲锋衣加一件抓绒",
     "“三合一的内胆和外层是按同一版型做的，穿在一起不臃肿；分开买两件加起来一般比这件贵三四百。”"],
    ["晴空防晒皮肤衣", "SL-SK2503", 399,
     "UPF50+防晒；冰感纤维面料；加长帽檐和袖口拇指扣",
     "水洗50次后防晒值仍能保持在UPF40+以上",
     "夏天户外不晒黑，穿着还比短袖凉快",
     "骑行、钓鱼、露营人群，以及城市通勤需要防晒的顾客",
     "“您平时骑车或者钓鱼吗？这件帽檐加长了，手背用拇指扣也能盖住，防晒到UPF50+。”",
     "防晒衣不就是一件薄外套吗",
     "“普通薄外套的防晒系数多数只有10到15，这件是UPF50+，而且洗了50次还有UPF40+，差别很大。”"],
    ["疾风速干T恤", "SL-TS2508", 149,
     "异形截面纤维，吸湿速干；银离子抑菌处理",
     "晾干速度约为普通纯棉T恤的3倍",
     "出汗后不黏身、不容易有汗味",
     "健身、跑步人群，徒步时当打底",
     "“您运动出汗多吗？纯棉T恤湿了会一直贴在身上，这件吸汗以后很快就干了。”",
     "网上差不多的T恤才几十块",
     "“面料克重和抑菌处理不一样，穿几次就能感觉出来；现在这款两件组合价269元，算下来一件不到135元。”"],
    ["柔肌高腰瑜伽裤", "SL-YG2406", 329,
     "裸感面料，四面弹力；高腰收腹剪裁；腰头宽10cm",
     "深蹲测试不透光；腰头加宽后弯腰时不卷边",
     "做动作时不尴尬，还显腿长",
     "瑜伽、普拉提、健身女性",
     "“您练瑜伽还是普拉提？这条蹲下去也不透，腰头很宽，做下犬式不会往下卷。”",
     "这种面料会不会起球",
     "“面料做过抗起球处理，实验室检测抗起球等级为4级，正常穿着洗涤不容易起球。”"],
]

CSV_HEADER = ["品名", "款号", "零售价", "产品特性", "对比优势", "顾客利益", "目标客群",
              "销售话术", "顾客顾虑", "应对方法"]

GEAR = [
    ["松针碳素登山杖（一对装）", "SL-TP2201", "569",
     "90%碳纤维杖身；三节外锁快调；单支重量195克；长度可在62-135cm之间调节",
     "比同规格铝合金杖轻约30%；外锁结构比旋锁更不容易滑杆",
     "下山时分担膝盖压力，走长线手臂也不累",
     "中老年徒步者、膝盖有旧伤的顾客、重装徒步者",
     "“您下山的时候膝盖会疼吗？用一对杖可以帮膝盖分担不少压力，这副是碳素的，一支还不到两百克。”",
     "碳素杖会不会一掰就断",
     "“日常徒步的受力完全没问题，只是不要横着撬石头；购买后1年内非人为折断可以免费换新。”"],
    ["远山30L轻量背包", "SL-BP2430", "799",
     "悬浮网背负系统；整包重量1.1kg；附赠防雨罩；两侧网兜可放1.5L水瓶",
     "背板与后背之间留出约4cm通风空隙，比贴背式背包透气得多",
     "一日徒步、短途旅行背一整天也不闷汗、不压肩",
     "一日或两日徒步者、通勤兼旅行人群",
     "“您摸一下背板，中间是悬空的，背着后背不会捂出一片汗。”",
     "30升够不够用",
     "“一日徒步装水、午饭、外套绰绰有余；要是过夜露营，建议选45升以上的款，门店可以帮您从总仓调货。”"],
    ["星宿双人帐篷", "SL-TN2302", "1599",
     "外帐PU3000mm防水涂层；铝合金帐杆；总重2.1kg；单人约8分钟可搭好",
     "比同类双人帐轻约0.5kg；颜色编码帐杆，新手一看就会",
     "背得动、搭得快，刮风下雨的夜里也睡得踏实",
     "露营新手、徒步露营爱好者",
     "“帐杆和卡扣是同色对应的，第一次搭也不会搞错，一个人八分钟左右就能搭起来。”",
     "下大雨会不会漏",
     "“每顶帐篷出厂前都做过淋雨测试；建议第一次出门前先在小区或公园试搭一次，熟悉一下收紧防风绳。”"],
    ["暖炉鸭绒睡袋", "SL-SB2304", "899",
     "90%白鸭绒，蓬松度650；舒适温度-5℃；可压缩到直径22cm",
     "信封式设计，两条可以拼接成双人睡袋",
     "冬天露营睡得暖，情侣或亲子出行可以拼在一起",
     "春秋季高海拔露营、冬季低海拔露营人群",
     "“您一般几月份去露营？这条舒适温度零下5度，春秋去高海拔也够用，两条还能拼成一个大的。”",
     "鸭绒不如鹅绒保暖",
     "“保暖主要看蓬松度和充绒量，650蓬的白鸭绒已经能满足大部分露营场景，价格比同蓬松度鹅绒便宜不少。”"],
]


def make_xlsx(path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    for idx, (title, rows) in enumerate([("鞋类", SHOES), ("服装", APPAREL)]):
        ws = wb.active if idx == 0 else wb.create_sheet()
        ws.title = title
        ws.append([f"山岚户外 2025春夏主推商品 FAB 话术表（{title}）"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(XLSX_HEADER))
        ws["A1"].font = Font(bold=True, size=14)
        ws.append(XLSX_HEADER)
        for c in ws[2]:
            c.font = Font(bold=True)
        for r in rows:
            ws.append(r)
        for row in ws.iter_rows(min_row=3):
            for c in row:
                c.alignment = Alignment(wrap_text=True, vertical="top")
        widths = [18, 12, 9, 36, 32, 28, 22, 44, 18, 44]
        for i, w in enumerate(widths):
            ws.column_dimensions[chr(ord("A") + i)].width = w
    wb.save(path)


def make_csv(path: Path) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_HEADER)
        w.writerows(GEAR)


# ---------------------------------------------------------------------------
# SOP: returns & exchanges (.md, simplified)
# ---------------------------------------------------------------------------
RETURNS_MD = """# 山岚户外门店退换货操作规范

> 版本：V3.2　｜　生效日期：2025年3月1日　｜　适用：全国直营门店

## 一、适用范围

本规范适用于顾客在山岚户外直营门店购买商品后的退货、换货及质量问题处理。加盟门店参照执行。

## 二、退换时限

1. 自购买之日起 **30天内**，商品未穿着、未洗涤、吊牌完整、不影响二次销售的，可无理由退换。
2. 金卡及黑卡会员的无理由退换期延长至 **45天**。
3. 鞋类商品在正常穿着后出现开胶、断底、鞋面破裂等质量问题的，自购买之日起 **180天内** 可免费维修或换新；超过180天的按门店维修收费标准处理。
4. 超过30天（金卡及以上为45天）且不属于质量问题的，不予退换。此时可向顾客介绍“旧装焕新”活动：旧衣鞋交回门店回收，每件抵20元，单笔订单最多抵100元。

## 三、不可退换的情形

1. 贴身衣物（内裤、运动内衣、袜子）拆封后，出于卫生原因不可退换。
2. 定制刺绣、烫印姓名的个性化商品。
3. 折扣低于5折的清仓商品，只能换同款其他尺码，不能退款。
4. 人为损坏（如被利器划破、自行改装）的商品。

## 四、操作步骤

1. **核验凭证**：请顾客出示购物小票或会员订单记录；顾客没带小票的，可用会员手机号在POS“订单查询”中调取购买记录。
2. **检查商品**：确认吊牌、配件（鞋盒、防雨罩、收纳袋等）齐全。缺少原装鞋盒的，按商品售价的5%扣除包装费。
3. **赠品处理**：购买时获得的赠品须一并退回；赠品缺失的，按赠品标价从退款中扣除。
4. **退款审批**：单笔退款500元以下，由当班组长在POS确认；500元及以上，须店长输入授权码后才能完成。
5. **退款方式**：一律原路退回。微信、支付宝 1-3个工作日到账；银行卡 3-7个工作日到账；现金支付的退现金。
6. **换货**：同价商品直接换；换更贵的补差价；换更便宜的，差价不退现金，以电子券形式返还，电子券有效期90天。
7. **登记台账**：退换完成后 **24小时内** 在“售后台账”中登记，选择对应的原因代码（尺码不合适、颜色不喜欢、质量问题等）。

## 五、注意事项

- 不得以“特价商品”为由拒绝正常价格商品的退换。
- 质量问题判定有争议时，拍照上传至区域品控群，由品控专员在2个工作日内给出结论。
- 同一顾客30天内退货超过3次的，店长需关注是否存在异常退货。

## Quick English Script (for international customers)

- "You can return or exchange unworn items with the original tags within 30 days. Please bring your receipt."
- "Refunds go back to your original payment method. Card refunds usually take 3 to 7 business days."
- "Sorry, socks and underwear cannot be returned once the package is opened, for hygiene reasons."
- "If your shoes have a manufacturing defect, we can repair or replace them free of charge within 180 days."
"""


# ---------------------------------------------------------------------------
# SOP: membership (.docx, heading styles + one table)
# ---------------------------------------------------------------------------
def make_membership_docx(path: Path) -> None:
    import docx
    from docx.shared import Pt

    d = docx.Document()
    d.add_heading("山岚户外会员等级与积分规则（2025版）", level=1)
    d.add_paragraph("本规则自2025年1月1日起执行，适用于全国门店、官方小程序及天猫旗舰店。"
                    "导购在为顾客介绍会员权益时，以本文件为准。")

    d.add_heading("一、会员等级", level=2)
    d.add_paragraph("会员等级按近12个月累计实付消费金额确定，共分四级：")
    rows = [
        ["等级", "升级条件（近12个月累计消费）", "日常折扣", "积分倍率", "专属权益"],
        ["山友卡", "注册即得", "无折扣", "1倍", "生日月消费享双倍积分"],
        ["银卡", "满2000元", "95折", "1.2倍", "免费鞋类清洗每年2次"],
        ["金卡", "满6000元", "9折", "1.5倍", "免费鞋类清洗每年4次；新品预售优先购买"],
        ["黑卡", "满15000元", "85折", "2倍", "专属导购1对1服务；每年2次免费户外领队活动"],
    ]
    t = d.add_table(rows=len(rows), cols=len(rows[0]))
    t.style = "Table Grid"
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            t.cell(i, j).text = v

    d.add_heading("二、积分规则", level=2)
    for s in [
        "1. 实付金额每1元累计1个基础积分，再乘以会员等级对应的积分倍率；不足1元的部分不计积分。",
        "2. 积分抵现：每100积分可抵1元，单笔订单抵扣金额不超过该笔实付金额的20%。",
        "3. 积分有效期：当年获得的积分在次年12月31日24:00统一清零，请提醒顾客及时使用。",
        "4. 顾客退货时，系统扣回该笔订单产生的积分；剩余积分不足扣回的，按100积分=1元从退款中折算扣除。",
    ]:
        d.add_paragraph(s)

    d.add_heading("三、等级评估与降级", level=2)
    for s in [
        "1. 系统在每月1日根据近12个月累计消费自动评估会员等级，升级即时生效。",
        "2. 连续12个月累计消费未达到当前等级门槛的，降一级，不会直接降为山友卡。",
        "3. 会员折扣不与店内其他折扣同时使用，结算时系统自动取最优的一种。",
    ]:
        d.add_paragraph(s)

    d.add_heading("四、导购操作要点", level=2)
    for s in [
        "1. 新客注册：引导顾客扫描收银台的会员二维码，注册成功即发放新人券（满300减30，有效期30天）。",
        "2. 注册时请提醒顾客填写生日月份，否则无法享受生日月双倍积分。",
        "3. 会员更换绑定手机号，须本人携带身份证到门店办理，导购不得代为修改。",
        "4. 黑卡会员到店时，应优先通知其专属导购接待；专属导购不在班的，由店长指定一名导购服务。",
    ]:
        d.add_paragraph(s)

    for p in d.paragraphs:
        for r in p.runs:
            r.font.size = r.font.size or Pt(11)
    d.save(path)


# ---------------------------------------------------------------------------
# SOP: store opening / closing (.txt, GB18030, CRLF)
# ---------------------------------------------------------------------------
STORE_TXT = """山岚户外 门店开店与闭店标准流程
（营运部 2025年2月修订）

门店营业时间：10:00—22:00

一、开店流程
1. 全体当班员工须在09:20前到岗打卡，迟到超过15分钟记一次考勤异常。
2. 09:25召开晨会，时长不超过10分钟，内容为：昨日业绩回顾、今日销售目标、本周主推商品。
3. 09:35开启灯光、空调和背景音乐。夏季空调温度设定为26℃，冬季设定为20℃。
4. 收银备用金为800元，其中零钞不少于200元；由当班组长和收银员双人清点并签字。
5. 检查试鞋区：试鞋坡、试鞋凳、鞋拔齐全；供顾客试穿用的一次性徒步袜每日补足，不少于10双。
6. 陈列检查：橱窗模特每周一更换搭配；叠装区每一摞衣服不超过8件，尺码从上到下由小到大。
7. 09:55由店长（或值班组长）巡店确认，10:00准时开门，两名导购在门口迎宾。

二、营业期间
8. 每2小时巡查一次试衣间，清理顾客遗留的衣物和衣架。
9. 顾客每次进入试衣间最多携带3件商品，超出部分由导购代为保管。
10. 交接班时，交班人与接班人当面核对收银机现金和当班销售单据。

三、闭店流程
11. 21:45播放闭店提示广播，提醒顾客营业即将结束。
12. 22:00停止收银；已经在店内的顾客继续提供服务，不得催促。
13. 营业款清点：当日现金营业款超过5000元的，须当日送存银行；不超过5000元的放入保险柜，次日11:00前存入银行。
14. 关闭电源、空调和灯箱；最后离店须至少两人，确认门窗锁闭并设防。
15. 22:30前在门店工作群上报当日业绩、客流量和连带率。
"""


# ---------------------------------------------------------------------------
# SOP: complaint escalation (.html, English)
# ---------------------------------------------------------------------------
COMPLAINT_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Customer Complaint Handling &amp; Escalation SOP - Shanlan Outdoor</title>
</head>
<body>
<h1>Customer Complaint Handling &amp; Escalation SOP</h1>
<p>Shanlan Outdoor (山岚户外) &middot; Applies to all directly operated stores, including the airport and flagship stores. Effective 1 April 2025.</p>

<h2>1. Principles</h2>
<ul>
  <li>Listen first. Let the customer finish before you explain anything.</li>
  <li>Apologise for the experience, even if the store is not at fault. Never argue with the customer in front of other shoppers.</li>
  <li>Move the conversation to the quiet corner near the fitting area if the customer is upset.</li>
</ul>

<h2>2. Escalation Levels</h2>
<h3>Level 1 &ndash; Shopping guide</h3>
<ol>
  <li>Greet the customer and acknowledge the complaint within 2 minutes of being approached.</li>
  <li>Try to resolve the issue on the spot. If it is not resolved within 15 minutes, or the customer asks for a manager, escalate to Level 2.</li>
  <li>A shopping guide may offer a goodwill gift worth up to &yen;50 (for example hiking socks or a water bottle). Anything above that needs the store manager.</li>
</ol>
<h3>Level 2 &ndash; Store manager</h3>
<ol>
  <li>For complaints received by phone, WeCom or online review, the store manager must reply to the customer within 2 hours during business hours.</li>
  <li>The store manager may approve compensation (coupons or partial refunds) of up to &yen;300 per case.</li>
</ol>
<h3>Level 3 &ndash; Area manager</h3>
<ol>
  <li>Escalate to the area manager when the case involves more than &yen;2000, a physical injury, a customer threatening to post on social media, or a complaint filed through the 12315 consumer hotline.</li>
  <li>The store manager reports to the area manager within 1 hour. The area manager contacts the customer within 24 hours.</li>
</ol>
<h3>Level 4 &ndash; Headquarters</h3>
<ol>
  <li>Lawyers' letters, lawsuits and any contact from journalists go straight to the HQ public relations team.</li>
  <li>Store staff must not give interviews or make any comment to the media. Politely take the reporter's contact details and pass them to HQ.</li>
</ol>

<h2>3. Recording</h2>
<p>Every complaint, including ones solved on the spot, must be logged in the CRM &quot;Complaint&quot; module within 4 hours. Attach photos of the product and the receipt where possible.</p>

<h2>4. Follow-up</h2>
<p>After a complaint is closed, the handler calls the customer back within 48 hours to confirm they are satisfied. If the customer rates the handling below 3 out of 5, re-open the ticket and escalate it one level.</p>

<h2>5. Special Situations</h2>
<table border="1">
  <tr><th>Situation</th><th>What to do</th></tr>
  <tr><td>A customer is injured in the store (e.g. slips on the try-on ramp)</td>
      <td>Stop the activity, use the first aid kit kept at the cashier, call 120 if needed, and take photos of the spot. The store manager reports to the area manager within 30 minutes.</td></tr>
  <tr><td>A product fails during use and causes injury (e.g. a trekking pole snaps)</td>
      <td>Keep the product. Do not send it back to the supplier. Seal it in a labelled bag and send it to the QA team within 3 days.</td></tr>
  <tr><td>A customer films staff with a phone</td>
      <td>Stay calm and polite. Do not grab the phone or block the camera.</td></tr>
</table>

<h2>6. Do Not</h2>
<ul>
  <li>Promise compensation above your own authority.</li>
  <li>Share the customer's name, phone number or order details with anyone outside the case.</li>
  <li>Discuss the complaint in store WeCom groups that customers can see.</li>
</ul>
</body>
</html>
"""


# ---------------------------------------------------------------------------
# SOP: online-order store pickup (.md, traditional Chinese)
# ---------------------------------------------------------------------------
PICKUP_TRAD_MD = """# 線上訂單門店自提作業規範

> 山嵐戶外 全渠道營運部　｜　2025年4月版

## 一、適用範圍

本規範適用於顧客在官方小程序「山嵐戶外」及天貓旗艦店下單、選擇「門店自提」的訂單。

## 二、到貨與通知

1. 物流包裹送達門店後，收貨人員須在 **30分鐘內** 掃碼入庫。
2. 入庫後系統會自動發送取貨簡訊；負責導購須在 **2小時內** 再透過企業微信或電話聯繫顧客，確認到店時間。
3. 自提包裹統一放在收銀台後方的「自提貨架」，依取貨碼最後一位數字分格存放。

## 三、保留期限

4. 訂單到店後保留 **7天**。第5天仍未取貨的，導購須再提醒顧客一次。
5. 超過7天仍未取貨，系統自動取消訂單並原路退款，商品轉回門店庫存。

## 四、核驗與交付

6. 顧客須出示 **6位數取貨碼**，導購同時核對下單手機號後4位。
7. 代取：代取人須提供取貨碼及下單人姓名；單價 **2000元以上** 的商品，須致電下單人確認後才能交付。
8. 交付前與顧客當面開箱驗貨，顧客可在店內試穿。

## 五、試穿不合適

9. 顧客試穿後當場不要的，可直接在門店辦理退貨，款項原路退回。
10. 需要換尺碼且門店有庫存的，可直接換貨；門店無庫存的，協助顧客在小程序重新下單。
11. 顧客在取貨時另外加購的商品，須單獨開立門店小票。

## 六、業績歸屬

12. 自提訂單的業績歸屬收貨門店。
13. 取貨時由導購引導加購所產生的業績，歸屬該名導購個人。
"""


# ---------------------------------------------------------------------------
# Course: WeCom 1-on-1 follow-up (.md)
# ---------------------------------------------------------------------------
WECOM_MD = """# 企业微信一对一跟进实战课（导购进阶）

本课程面向入职满3个月的导购，帮助大家用企业微信维护老顾客，提高复购。

## 第一课：为什么要做一对一跟进

户外和运动顾客的复购周期比较长，一双徒步鞋可能穿好几年。但同一位顾客会陆续需要袜子、速干衣、背包、帐篷等装备。成交后持续、克制地跟进，让顾客在需要的时候第一个想到你，是导购业绩稳定的关键。

## 第二课：添加好友

- 在收银台结账时当场邀请顾客添加企业微信，可以说：“加一下我的企微，鞋子穿着有什么问题随时找我。”门店加好友成功率的目标不低于60%。
- 添加后立即修改备注，格式为“姓氏+称呼-购买品类-日期”，例如“王女士-徒步鞋-0315”。
- 同时打上标签：运动类型（跑步/徒步/露营/瑜伽）、常穿尺码、会员等级。

## 第三课：跟进节奏（D0 / D3 / D15 / D30）

- **D0（成交当天）**：发送感谢消息，附上所购商品的养护卡图片。
- **D3**：询问穿着或使用体验；买了新鞋的顾客，提醒磨合期注意事项，问问有没有磨脚。
- **D15**：分享和顾客运动类型相关的内容，比如周边徒步路线、跑步训练小技巧。
- **D30**：邀请顾客参加门店社群活动，或者提醒其当前会员权益。
- D30之后，主动私聊每月不超过2次，避免打扰顾客。

## 第四课：朋友圈经营

- 每天发朋友圈不超过3条，推荐时段为12:00-13:00和19:00-21:00。
- 内容比例建议：生活分享、专业知识、促销信息按4:4:2安排，不要天天刷屏发广告。

## 第五课：跟进禁区

- 晚上21:30之后不主动给顾客发私聊消息（顾客主动咨询的除外）。
- 不得群发未经门店审核的价格信息。
- 顾客明确表示不需要推荐后，不再主动推销，只保留节日问候。

## 第六课：沉睡客户唤醒

- 超过90天没有任何互动的好友，归为“沉睡客户”。
- 唤醒时先从关心入手，例如问一句之前买的装备用得怎么样，再发放唤醒券（满200减20）。
- 每位导购每周至少唤醒5位沉睡客户，并在企微里记录结果。
"""


# ---------------------------------------------------------------------------
# Course: hiking boot fitting & care (.pdf)
# ---------------------------------------------------------------------------
BOOT_COURSE = [
    ("h1", "徒步鞋试穿与保养培训讲义"),
    ("p", "山岚户外 商品培训中心｜适用岗位：鞋区导购、店长"),
    ("h2", "一、试鞋前的准备"),
    ("p", "建议顾客在下午或傍晚试鞋。经过一天的行走，脚会比早上略微肿胀，差不多相当于大半码，"
          "这时候试出来的尺码更接近真实徒步时的状态。试鞋前请顾客换上徒步袜，店内备有一次性试穿袜，"
          "不要穿着薄丝袜或船袜试鞋。"),
    ("h2", "二、如何判断尺码合适"),
    ("p", "系紧鞋带后，让顾客站直，脚趾前端应该留出大约一指宽、也就是约1cm的空间。"
          "然后请顾客到试鞋坡上下走3个来回（店内试鞋坡坡度约15度）：下坡时脚趾不能顶到鞋头，"
          "上坡时脚跟不能明显上下滑动。两只脚大小不一样的顾客，以较大的那只脚为准。"),
    ("h2", "三、鞋带系法"),
    ("p", "以下坡为主的路线，推荐使用“锁跟系法”：在倒数第二个鞋带孔处做一个交叉环扣再往上系，"
          "可以把脚跟固定住，防止下坡时脚往前冲、顶到脚趾。脚背高的顾客可以在脚背处跳过一个鞋带孔，减轻压迫。"),
    ("h2", "四、新鞋磨合"),
    ("p", "新买的徒步鞋不要直接去走长线。建议先在城市里日常穿着，累计走大约20公里，"
          "让鞋面和鞋垫贴合脚型之后再上山。顾客买鞋后第一次长线徒步，提醒其随身带上防磨贴。"),
    ("h2", "五、清洁与晾干"),
    ("p", "每次徒步回来，先用软毛刷把鞋底和鞋面的泥土刷掉，再用清水冲洗。不要放进洗衣机，也不要用热水泡。"
          "洗完后把鞋垫抽出来，放在通风处阴干。一定要远离暖气片和吹风机，温度超过40℃会加速胶水老化，导致开胶。"),
    ("h2", "六、防水维护"),
    ("p", "GORE-TEX等防水透气鞋的鞋面，每隔3个月或大约走100公里，需要喷一次防泼水喷雾，"
          "让水珠在鞋面上滚落而不是渗进去。喷之前鞋面要先清洁干净并完全晾干。"),
    ("h2", "七、鞋垫与常见问题"),
    ("p", "原厂鞋垫一般6个月左右需要更换，出现明显塌陷就该换了。顾客反映脚跟磨脚时，"
          "先检查后跟是否太松、鞋带有没有系紧，再建议使用锁跟系法；顾客反映脚趾发麻时，"
          "多半是前掌鞋带系得太紧，可以适当放松前三个鞋带孔。"),
]


def _find_cjk_ttf() -> str | None:
    import glob
    for pat in ["/usr/share/fonts/**/*.ttf", "/usr/share/fonts/**/*.ttc", "/usr/share/fonts/**/*.otf"]:
        for p in glob.glob(pat, recursive=True):
            low = p.lower()
            if any(k in low for k in ("wqy", "noto", "droid", "cjk", "uming", "ukai", "arphic")):
                return p
    return None


def make_boot_pdf(path: Path, font_mode: str = "cid") -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    if font_mode == "cid":
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        font = "STSong-Light"
    else:
        from reportlab.pdfbase.ttfonts import TTFont
        pdfmetrics.registerFont(TTFont("CJK", font_mode))
        font = "CJK"

    styles = {
        "h1": ParagraphStyle("h1", fontName=font, fontSize=18, leading=26, spaceAfter=8, wordWrap="CJK"),
        "h2": ParagraphStyle("h2", fontName=font, fontSize=14, leading=20, spaceBefore=8, spaceAfter=4, wordWrap="CJK"),
        "p": ParagraphStyle("p", fontName=font, fontSize=11, leading=18, wordWrap="CJK"),
    }
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=20 * mm, bottomMargin=20 * mm,
                            title="徒步鞋试穿与保养培训讲义", author="山岚户外商品培训中心")
    story = []
    for kind, text in BOOT_COURSE:
        story.append(Paragraph(text, styles[kind]))
        if kind == "p":
            story.append(Spacer(1, 4))
    doc.build(story)


def pdf_text_ok(path: Path) -> bool:
    from pypdf import PdfReader
    text = "".join(p.extract_text() or "" for p in PdfReader(str(path)).pages)
    compact = "".join(text.split())
    needles = ["锁跟系法", "吹风机", "20公里", "1cm", "3个月"]
    return all(n in compact for n in needles)


def main() -> None:
    for d in (FAB_DIR, COURSE_DIR, SOP_DIR):
        d.mkdir(parents=True, exist_ok=True)

    make_xlsx(FAB_DIR / "2025春夏主推FAB.xlsx")
    make_csv(FAB_DIR / "gear_fab_2025.csv")

    (SOP_DIR / "returns_exchange.md").write_text(RETURNS_MD, encoding="utf-8")
    make_membership_docx(SOP_DIR / "会员等级与积分规则.docx")
    with open(SOP_DIR / "store_open_close.txt", "w", encoding="gb18030", newline="\r\n") as f:
        f.write(STORE_TXT)
    (SOP_DIR / "complaint_escalation.html").write_text(COMPLAINT_HTML, encoding="utf-8")
    (SOP_DIR / "線上訂單門店自提.md").write_text(PICKUP_TRAD_MD, encoding="utf-8")

    (COURSE_DIR / "wecom_followup.md").write_text(WECOM_MD, encoding="utf-8")
    pdf = COURSE_DIR / "徒步鞋试穿与保养.pdf"
    make_boot_pdf(pdf, "cid")
    if not pdf_text_ok(pdf):
        ttf = _find_cjk_ttf()
        if not ttf:
            raise SystemExit("PDF text extraction failed with STSong-Light and no CJK TTF font found")
        make_boot_pdf(pdf, ttf)
        if not pdf_text_ok(pdf):
            raise SystemExit(f"PDF text extraction failed with {ttf}")
        print(f"PDF built with TTF font {ttf}")
    else:
        print("PDF built with STSong-Light (CID); pypdf extraction verified")

    for p in sorted(CONTENT.rglob("*")):
        if p.is_file():
            print(f"{p.stat().st_size:>8}  {p.relative_to(CONTENT)}")


if __name__ == "__main__":
    main()
