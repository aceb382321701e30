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
              "/product 名称 — 产品卡\n/sop 名称 — 逐步查看流程\n/quiz [主题] — 两分钟练习，/stop 结束\n"
              "/remind 10:00 — 每日提醒\n/progress — 我的进度\n/cert — 认证考试\n/lang — 切换中文/English",
        "en": "Just send a question: I answer from the SOPs, product FAB sheets and training "
              "material, with the source.\n/product NAME — product card\n/sop NAME — walk "
              "through a procedure\n/quiz [TOPIC] — a two-minute quiz, /stop ends it\n"
              "/remind 10:00 — daily reminder\n/progress — my progress\n/cert — certification\n"
              "/lang — switch 中文/English",
    },
    "help_manager": {
        "zh": "培训师命令：\n/assign store|region|person 名称 截止日期 [主题] — 布置任务\n/report — 负责门店的练习报告\n/deactivate 名称 — 停用账号",
        "en": "Trainer commands:\n/assign store|region|person NAME DUE [TOPIC] — assign practice\n/report — practice report for your stores\n/deactivate NAME — deactivate someone",
    },
    "capabilities": {
        "zh": "我可以回答门店SOP、产品和培训课程的问题，直接发问题即可，例如“退货要几天”。\n"
              "/product 名称 — 产品卡\n/sop 名称 — 逐步查看流程\n/lang zh|en — 切换中文/English\n/help — 帮助",
        "en": "I answer questions about store SOPs, products and training courses: just send one, "
              "e.g. \"how many days for a return\".\n/product NAME — product card\n/sop NAME — walk "
              "through a procedure\n/lang zh|en — switch 中文/English\n/help — help",
    },
    "smalltalk_hello": {"zh": "你好！", "en": "Hi!"},
    "smalltalk_thanks": {"zh": "不客气！", "en": "You're welcome!"},
    "unknown_command": {"zh": "不认识这个命令：{command}，发送 /help 查看可用命令。",
                        "en": "Unknown command {command}; see /help."},
    "console_quit": {"zh": "/quit — 退出（或按 Ctrl-D）", "en": "/quit — leave (or Ctrl-D)"},
    "upload_not_allowed": {"zh": "只有内容负责人可以发送文档来更新知识库。", "en": "Only content owners can send documents to update the knowledge base."},
    "upload_too_big": {"zh": "文件太大（上限 {mb} MB）。", "en": "That file is too large (limit {mb} MB)."},
    "upload_refused": {"zh": "无法导入：{reason}", "en": "Could not ingest it: {reason}"},
    "upload_received": {"zh": "已收到 {name}，正在导入，完成后发你导入报告。", "en": "Got {name}: ingesting it now; the report follows when it is done."},
    "upload_updates": {"zh": "已收到 {name}：它更新知识库中的 {place}，正在导入，完成后发你导入报告。", "en": "Got {name}: it updates {place} in the knowledge base; ingesting it now; the report follows when it is done."},
    "upload_ingest_failed": {"zh": "{name} 已保存，但导入失败：{reason}。下次更新内容时会再导入。", "en": "{name} is stored but its ingest failed: {reason}. It is ingested with the next change."},
    "upload_done": {"zh": "已导入 {name}：", "en": "Ingested {name}:"},
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
    # quizzes
    "quiz_resumed": {"zh": "继续上次的练习。", "en": "Picking up your last quiz."},
    "quiz_none_topic": {"zh": "没有找到和“{topic}”相关的题目。发送 /quiz 做综合练习。",
                        "en": "No questions about \"{topic}\". Send /quiz for mixed practice."},
    "quiz_none": {"zh": "题库里还没有题目，请联系培训师。", "en": "The question bank is empty; please tell your trainer."},
    "quiz_header": {"zh": "第 {n}/{total} 题 · {topic}", "en": "Question {n}/{total} · {topic}"},
    "quiz_type_answer": {"zh": "请直接回复你的答案。", "en": "Reply with your answer."},
    "quiz_right": {"zh": "✅ 答对了！", "en": "✅ Right!"},
    "quiz_wrong": {"zh": "❌ 答错了。正确答案：{answer}", "en": "❌ Not quite. The answer: {answer}"},
    "quiz_source": {"zh": "出处：{source}", "en": "Source: {source}"},
    "quiz_closed": {"zh": "这次练习已经结束了。发送 /quiz 开始新的练习。",
                    "en": "That quiz has ended. Send /quiz to start a new one."},
    "quiz_done": {"zh": "练习完成！得分 {correct}/{total}。", "en": "Quiz finished! Score {correct}/{total}."},
    "quiz_review": {"zh": "建议复习：{topics}", "en": "Worth reviewing: {topics}"},
    "quiz_all_right": {"zh": "全部答对，继续保持！", "en": "All correct. Keep it up!"},
    "quiz_stopped": {"zh": "已结束本次练习。", "en": "Quiz stopped."},
    "quiz_nothing_open": {"zh": "现在没有进行中的练习。", "en": "You have no quiz in progress."},
    "quiz_start_button": {"zh": "开始练习", "en": "Start practice"},
    "cert_passed": {"zh": "🎓 恭喜通过{level}认证（{score}%，及格线 {mark}%）！",
                    "en": "🎓 You passed the {level} certification ({score}%, pass mark {mark}%)!"},
    "cert_failed": {"zh": "这次没有通过{level}认证（{score}%，及格线 {mark}%），复习后再试。",
                    "en": "Not passed this time: {level} needs {mark}%, you scored {score}%. Review and try again."},
    "cert_start": {"zh": "{level}认证：{questions} 题，{mark}% 及格。", "en": "{level} certification: {questions} questions, pass mark {mark}%."},
    "cert_levels": {"zh": "认证等级（发送 /cert 等级 开始考试）：\n{levels}", "en": "Certification levels (send /cert LEVEL to take one):\n{levels}"},
    "cert_level_line": {"zh": "• {level}：{questions} 题，{mark}% 及格{held}", "en": "• {level}: {questions} questions, pass mark {mark}%{held}"},
    "cert_held": {"zh": "（已获得 {date}）", "en": " (passed {date})"},
    "cert_unknown": {"zh": "没有这个认证等级：{level}", "en": "No such certification level: {level}"},
    "assignment_done": {"zh": "任务“{title}”已完成。", "en": "Assignment \"{title}\" completed."},
    "assignment_notice": {"zh": "📋 培训任务：{title}（{count} 题），截止 {due}。",
                          "en": "📋 Assignment: {title} ({count} questions), due {due}."},
    "assignment_start": {"zh": "开始任务", "en": "Start assignment"},
    "assignment_unknown": {"zh": "这个任务已经结束或不属于你。", "en": "That assignment has ended or is not yours."},
    "assign_usage": {"zh": "用法：/assign store|region|person 名称 截止日期(YYYY-MM-DD) [主题]\n例如 /assign store 湖滨店 2026-12-31 退换货",
                     "en": "Usage: /assign store|region|person NAME DUE(YYYY-MM-DD) [TOPIC]\ne.g. /assign store Lakeside 2026-12-31 returns"},
    "assign_done": {"zh": "已布置任务“{title}”给 {target}（{people} 人），截止 {due}。",
                    "en": "Assigned \"{title}\" to {target} ({people} people), due {due}."},
    "assign_unknown_target": {"zh": "找不到这个门店、区域或人员。", "en": "No such store, region or person."},
    "assign_not_allowed": {"zh": "你只能给自己负责的门店或区域布置任务。", "en": "You can only assign to the stores or region you look after."},
    "assign_no_questions": {"zh": "这个主题下没有题目。", "en": "There are no questions on that topic."},
    "reminder_daily": {"zh": "⏰ 该练习啦！今天有 {due} 道题待复习，两分钟就好。", "en": "⏰ Time to practise! {due} questions are due today; two minutes is enough."},
    "remind_set": {"zh": "好的，每天 {at} 提醒你练习。", "en": "OK: I'll remind you to practise every day at {at}."},
    "remind_off": {"zh": "已关闭每日提醒。", "en": "Daily reminder turned off."},
    "remind_usage": {"zh": "用法：/remind 10:00 或 /remind off。{current}", "en": "Usage: /remind 10:00 or /remind off. {current}"},
    "remind_current": {"zh": "当前提醒时间：{at}", "en": "Current reminder: {at}"},
    "remind_none": {"zh": "当前没有设置提醒。", "en": "No reminder set."},
    "progress_title": {"zh": "📈 我的学习进度", "en": "📈 My progress"},
    "progress_summary": {"zh": "累计答题 {answered}，正确率 {accuracy}；连续练习 {streak} 天；待复习 {due} 题。",
                         "en": "{answered} answers, {accuracy} right; {streak}-day streak; {due} questions due."},
    "progress_topics": {"zh": "掌握度（按主题）：", "en": "Mastery by topic:"},
    "progress_none": {"zh": "还没有练习记录，发送 /quiz 开始第一次练习。", "en": "No practice yet: send /quiz to start."},
    "progress_assignments": {"zh": "培训任务：", "en": "Assignments:"},
    "progress_assignment": {"zh": "• {title}（截止 {due}）{state}", "en": "• {title} (due {due}) {state}"},
    "progress_done": {"zh": "✅ 已完成 {score}%", "en": "✅ done {score}%"},
    "progress_open": {"zh": "⏳ 未完成", "en": "⏳ open"},
    "progress_certificates": {"zh": "证书：", "en": "Certificates:"},
    "progress_certificate": {"zh": "• {level}（{date}，{score}%）", "en": "• {level} ({date}, {score}%)"},
    "report_title": {"zh": "📊 近 {days} 天练习报告", "en": "📊 Practice report, last {days} days"},
    "report_row": {"zh": "{store}：{practising}/{people} 人练习，答题 {answered}，正确率 {accuracy}，任务完成 {done}/{given}",
                   "en": "{store}: {practising}/{people} practising, {answered} answers, {accuracy} right, assignments {done}/{given}"},
    "report_empty": {"zh": "你负责的门店还没有数据。", "en": "No data for your stores yet."},
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
