"""The terminal chat: the same conversation path the Telegram bot uses (records,
knowledge gaps, limits, follow-ups, small talk), for anyone without a bot token.

    question        answered with its sources (a follow-up refers to the previous one)
    /product NAME   product card;  /sop NAME   the SOP's steps, all of them
    /lang zh|en     reply language from now on;  /help;  /quit (or Ctrl-D)
    /anything else  "unknown command": never answered, never recorded
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from bot.catalog import find_product, find_sop
from bot.conversation import Conversation, PersonView
from bot.messages import say
from ingest.normalize import language_of

BANNER = (
    "guidebot — 问我门店SOP、产品FAB或培训内容 / ask about SOPs, products, training.\n"
    "输入问题后回车；/help 查看命令；输入 /quit 或按 Ctrl-D 退出。 /help for commands; /quit or Ctrl-D to leave."
)
QUIT = ("/quit", "/exit", "quit", "exit")


class ConsoleChat:
    """One terminal session: the person at the terminal and the language they chose."""

    def __init__(self, conversation: Conversation, person: PersonView,
                 write: Callable[[str], None] = print) -> None:
        self.conversation = conversation
        self.person = person
        self.language = person.language  # set by /lang; None: replies follow what is typed
        self.recent = "zh"  # the language last typed in, for a bare command ("/help")
        self.write = write

    def handle(self, line: str) -> bool:
        """Answer one line; False when the person wants to leave."""
        text = line.strip()
        if not text:
            return True
        if text.lower() in QUIT:
            return False
        if text.startswith("/"):
            command, _, argument = text.partition(" ")
            argument = argument.strip()
            self.write(self.command(command.lower(), argument, self._language(argument)) + "\n")
            return True
        language = self._language(text)
        outcome = self.conversation.ask(self.person, text, channel="console", language=language)
        self.write(outcome.text + "\n")
        return True

    def _language(self, typed: str) -> str:
        if self.language:
            return self.language
        if typed:
            self.recent = language_of(typed)
        return self.recent

    def command(self, command: str, argument: str, language: str) -> str:
        if command == "/help":
            return say("capabilities", language) + "\n" + say("console_quit", language)
        if command == "/lang":
            wanted = argument.lower()[:2]
            if wanted not in ("zh", "en"):
                wanted = "en" if language == "zh" else "zh"
            self.language = wanted
            self.conversation.set_language(self.person.id, wanted)
            return say("language_set", wanted)
        if command == "/product":
            return self.product(argument, language)
        if command == "/sop":
            return self.sop(argument, language)
        return say("unknown_command", language, command=command)

    def product(self, name: str, language: str) -> str:
        if not name:
            return say("product_usage", language)
        card = find_product(self.conversation.services.reader, name)
        if card is None:
            return say("product_none", language, name=name)
        source = f"{card.document.title} › {card.chunk.section or card.name}"
        return f"{card.name}\n{card.chunk.text}\n{say('source', language)}: {source}"

    def sop(self, name: str, language: str) -> str:
        if not name:
            return say("sop_usage", language)
        walk = find_sop(self.conversation.services.reader, name)
        if walk is None or not walk.steps:
            return say("sop_none", language, name=name)
        pages = []
        section = None
        for n, step in enumerate(walk.steps, 1):
            header = say("sop_step", language, title=walk.title, n=n, total=len(walk.steps))
            if step.section and step.section != section:
                header += f"\n{step.section}"
            section = step.section
            pages.append(f"{header}\n{step.text}")
        return "\n\n".join(pages) + f"\n{say('source', language)}: {walk.path}"


def run_console_chat(conversation: Conversation, person: PersonView) -> int:
    interactive = sys.stdin.isatty()
    if interactive:
        print(BANNER)
    chat = ConsoleChat(conversation, person, write=lambda text: print(text, flush=True))
    while True:
        try:
            line = input("> " if interactive else "")
        except EOFError:
            break
        if not chat.handle(line):
            break
    return 0
