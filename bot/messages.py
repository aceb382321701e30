"""Everything the bot says on its own, in Chinese and English."""

from __future__ import annotations

from typing import Literal

Language = Literal["zh", "en"]

TEXTS: dict[str, dict[Language, str]] = {
    "stranger": {
        "zh": "你好！这个助手只对门店同事开放。请向店长或培训师要一个邀请码，然后发送 /start 邀请码。",
        "en": "Hi! This assistant is for store staff only. Ask your store manager or trainer "
              "for an invite code, then send /start CODE.",
    },
    "deactivated": {
        "zh": "你的账号已停用，如有疑问请联系培训师。",
        "en": "Your account has been deactivated. Please contact your trainer.",
    },
    "welcome": {
        "zh": "欢迎，{name}！你已加入 {store}（{role}）。直接发问题给我，例如“退货要几天”。\n"
              "/product 名称 查看产品卡，/sop 名称 逐步查看流程，/lang 切换语言。",
        "en": "Welcome, {name}! You have joined {store} as {role}. Just send me a question, "
              "e.g. \"how many days for a return\".\n/product NAME shows a product card, "
              "/sop NAME walks through a procedure, /lang switches language.",
    },
    "already": {
        "zh": "你已经注册过了，直接提问就好。",
        "en": "You are already registered: just ask your question.",
    },
    "invite_unknown": {"zh": "这个邀请码不存在，请核对后再试。", "en": "That invite code does not exist; please check it."},
    "invite_expired": {"zh": "这个邀请码已过期，请向培训师要一个新的。", "en": "That invite code has expired; ask your trainer for a new one."},
    "invite_used_up": {"zh": "这个邀请码已经用完了，请向培训师要一个新的。", "en": "That invite code has been used up; ask your trainer for a new one."},
    "invite_revoked": {"zh": "这个邀请码已作废，请向培训师要一个新的。", "en": "That invite code was revoked; ask your trainer for a new one."},
    "help": {
        "zh": "直接发问题即可，我会从门店SOP、产品FAB和培训资料里找答案并注明出处。\n"
              "/product 名称 — 产品卡\n/sop 名称 — 逐步查看流程\n/lang — 切换中文/English",
        "en": "Just send a question: I answer from the SOPs, product FAB sheets and training "
              "material, with the source.\n/product NAME — product card\n/sop NAME — walk "
              "through a procedure\n/lang — switch 中文/English",
    },
    "not_text": {
        "zh": "我只能读文字消息。请把问题打成文字发给我，例如“HY-AP300多少钱”。",
        "en": "I can only read text messages. Please type your question, e.g. \"price of HY-AP300\".",
    },
    "too_long": {
        "zh": "消息太长了（超过 {limit} 个字）。请把问题写短一点再发。",
        "en": "That message is too long (over {limit} characters). Please ask a shorter question.",
    },
    "rate_limited": {
        "zh": "消息有点多，请稍等 {seconds} 秒再发。",
        "en": "That's a lot of messages: please wait {seconds} seconds before the next one.",
    },
    "error": {
        "zh": "抱歉，出了点问题，请稍后再试。",
        "en": "Sorry, something went wrong. Please try again in a moment.",
    },
    "deactivate_usage": {"zh": "用法：/deactivate Telegram编号或姓名", "en": "Usage: /deactivate TELEGRAM_ID or NAME"},
    "deactivated_done": {"zh": "已停用 {name}。", "en": "{name} has been deactivated."},
    "deactivate_refused": {"zh": "找不到这个人，或你无权停用他。", "en": "No such person, or you may not deactivate them."},
    "not_allowed": {"zh": "这个命令只对培训师和管理员开放。", "en": "This command is for trainers and admins only."},
    "language_set": {"zh": "已切换为中文。", "en": "Switched to English."},
    "thanks_feedback": {"zh": "谢谢反馈！", "en": "Thanks for the feedback!"},
    "source_gone": {"zh": "找不到这条记录了。", "en": "That record is no longer available."},
    "product_usage": {"zh": "用法：/product 产品名称或SKU", "en": "Usage: /product NAME or SKU"},
    "product_none": {"zh": "没有找到叫“{name}”的产品。", "en": "No product called \"{name}\" was found."},
    "sop_usage": {"zh": "用法：/sop 流程名称，例如 /sop 退货", "en": "Usage: /sop NAME, e.g. /sop returns"},
    "sop_none": {"zh": "没有找到和“{name}”相关的SOP。", "en": "No SOP matching \"{name}\" was found."},
    "sop_step": {"zh": "{title}（{n}/{total}）", "en": "{title} ({n}/{total})"},
    "next": {"zh": "下一步 ▶", "en": "Next ▶"},
    "back": {"zh": "◀ 上一步", "en": "◀ Back"},
    "source": {"zh": "出处", "en": "Source"},
    "more": {"zh": "更多", "en": "More"},
    "sources_label": {"zh": "来源", "en": "Sources"},
    "role_guide": {"zh": "导购", "en": "guide"},
    "role_trainer": {"zh": "培训师", "en": "trainer"},
    "role_content_owner": {"zh": "内容负责人", "en": "content owner"},
    "role_admin": {"zh": "管理员", "en": "admin"},
}


def say(key: str, language: str, **values: object) -> str:
    lang: Language = "en" if language == "en" else "zh"
    return TEXTS[key][lang].format(**values)


def language_from_code(code: str | None) -> Language:
    """Telegram's language_code ('zh-hans', 'en-US' …) to the two we speak."""
    return "en" if code and not code.lower().startswith("zh") else "zh"
