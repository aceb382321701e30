"""The terminal chat's own commands and small talk, over a real Conversation and the
shared index with a database of its own: what it prints, and that nothing but real
questions reaches the answerer or the knowledge-gap list."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.channels.console import ConsoleChat, run_console_chat
from bot.conversation import Conversation
from bot.service import Services
from bot.store import Exchange, KnowledgeGap, Person
from tests.conftest import Corpus
from tests.test_telegram_bot import settings_with


@pytest.fixture
def conversation(corpus: Corpus, tmp_path: Path, services: Services) -> Conversation:
    settings, fresh = settings_with(corpus, tmp_path, services)
    return Conversation(settings, fresh)


@pytest.fixture
def printed() -> list[str]:
    return []


@pytest.fixture
def chat(conversation: Conversation, printed: list[str]) -> ConsoleChat:
    return ConsoleChat(conversation, conversation.terminal_person(), write=printed.append)


def counts(conversation: Conversation) -> tuple[int, int]:
    """(exchanges, knowledge gaps) stored."""
    with conversation.sessions() as session:
        return (session.scalar(select(func.count(Exchange.id))) or 0,
                session.scalar(select(func.count(KnowledgeGap.id))) or 0)


def test_a_greeting_gets_the_capabilities_and_no_gap(chat: ConsoleChat, printed: list[str],
                                                     conversation: Conversation) -> None:
    assert chat.handle("你好")
    [reply] = printed
    assert reply.startswith("你好！") and "/product 名称" in reply and "/sop 名称" in reply and "/lang zh|en" in reply
    assert counts(conversation) == (0, 0)


def test_product_prints_the_card(chat: ConsoleChat, printed: list[str], conversation: Conversation) -> None:
    chat.handle("/product 云朵净化器")
    [card] = printed
    for field in ("云朵空气净化器", "HY-AP300", "2999", "推荐话术", "异议回复", "出处: 主推产品FAB"):
        assert field in card
    chat.handle("/product 不存在的冰箱型号XYZ")
    chat.handle("/product")
    assert printed[1:] == ["没有找到叫“不存在的冰箱型号XYZ”的产品。\n", "用法：/product 产品名称或SKU\n"]
    assert counts(conversation) == (0, 0)


def test_sop_prints_every_step(chat: ConsoleChat, printed: list[str], conversation: Conversation) -> None:
    walk = conversation.services.reader
    from bot.catalog import find_sop

    expected = find_sop(walk, "退换货")
    assert expected is not None and len(expected.steps) > 2
    chat.handle("/sop 退换货")
    [steps] = printed
    total = len(expected.steps)
    assert "门店退换货处理流程（1/" in steps and f"（{total}/{total}）" in steps
    assert all(step.text in steps for step in expected.steps)
    assert steps.rstrip().endswith("returns.md")
    assert counts(conversation) == (0, 0)


def test_help_lists_the_commands_and_unknown_commands_are_refused(
    chat: ConsoleChat, printed: list[str], conversation: Conversation,
) -> None:
    chat.handle("/help")
    [help_text] = printed
    for command in ("/product", "/sop", "/lang", "/help", "/quit"):
        assert command in help_text
    chat.handle("/foo 退货要几天")
    assert printed[1:] == ["不认识这个命令：/foo，发送 /help 查看可用命令。\n"]
    chat.handle("/Quiz")
    assert printed[2:] == ["不认识这个命令：/quiz，发送 /help 查看可用命令。\n"]
    assert counts(conversation) == (0, 0), "an unknown command is neither answered nor a gap"


def test_lang_sets_the_reply_language_for_the_session_and_the_person(
    chat: ConsoleChat, printed: list[str], conversation: Conversation,
) -> None:
    chat.handle("/lang en")
    chat.handle("你好")
    chat.handle("/product 不存在的冰箱型号XYZ")
    assert printed[0] == "Switched to English.\n"
    assert printed[1].startswith("Hi!") and "/product NAME" in printed[1]
    assert printed[2] == "No product called \"不存在的冰箱型号XYZ\" was found.\n"
    with conversation.sessions() as session:
        person = session.get(Person, chat.person.id)
        assert person is not None and person.language == "en"
    chat.handle("/lang zh")
    assert printed[3] == "已切换为中文。\n"


def test_a_follow_up_in_the_terminal_is_about_the_previous_product(
    chat: ConsoleChat, printed: list[str], conversation: Conversation,
) -> None:
    chat.handle("云朵空气净化器适合什么人群")
    chat.handle("谢谢")
    chat.handle("那它多少钱")
    assert len(printed) == 3
    assert "2999" not in printed[0] and printed[1].startswith("不客气！") and "2999" in printed[2]
    assert counts(conversation) == (2, 0)


def test_the_chat_loop_reads_lines_until_quit(
    conversation: Conversation, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("hi\n\n/foo\n/quit\n云朵空气净化器多少钱\n"))
    assert run_console_chat(conversation, conversation.terminal_person()) == 0
    out = capsys.readouterr().out
    assert out.startswith("Hi!") and "Unknown command /foo; see /help." in out
    assert "2999" not in out, "nothing after /quit is read"
    assert counts(conversation) == (0, 0)
