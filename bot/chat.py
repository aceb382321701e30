"""The terminal chat: the same answer path the Telegram bot uses, for anyone without a token."""

from __future__ import annotations

import sys

from bot.answer import Answerer

BANNER = (
    "guidebot — 问我门店SOP、产品FAB或培训内容 / ask about SOPs, products, training.\n"
    "输入问题后回车；输入 /quit 或按 Ctrl-D 退出。 Type /quit or Ctrl-D to leave."
)


def run_console_chat(answerer: Answerer) -> int:
    interactive = sys.stdin.isatty()
    if interactive:
        print(BANNER)
    while True:
        try:
            line = input("> " if interactive else "")
        except EOFError:
            break
        question = line.strip()
        if not question:
            continue
        if question.lower() in ("/quit", "/exit", "quit", "exit"):
            break
        answer = answerer.answer(question)
        print(answer.text + "\n", flush=True)
    return 0
