"""The terminal chat: the same conversation path the Telegram bot uses (records,
knowledge gaps, limits), for anyone without a bot token."""

from __future__ import annotations

import sys

from bot.conversation import Conversation, PersonView
from ingest.normalize import language_of

BANNER = (
    "guidebot — 问我门店SOP、产品FAB或培训内容 / ask about SOPs, products, training.\n"
    "输入问题后回车；输入 /quit 或按 Ctrl-D 退出。 Type /quit or Ctrl-D to leave."
)


def run_console_chat(conversation: Conversation, person: PersonView) -> int:
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
        outcome = conversation.ask(person, question, channel="console", language=language_of(question))
        print(outcome.text + "\n", flush=True)
    return 0
