"""Secrets never show: not the bot token, not the database password, not the LLM key:
in what the command line prints, in the bot's output, or in log records."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult

import bot.service
from bot.cli import main
from bot.redaction import RedactSecrets, hide_password, protect_logs
from bot.settings import Settings
from tests.conftest import Corpus, run_guidebot
from tests.servers import free_port

DB_PASSWORD = "s3cretPW"
PG_URL = f"postgresql://guide:{DB_PASSWORD}@127.0.0.1:1/guidebot"
TOKEN = "123456:AAE-secret-token-value"
API_PASSWORD = "apiPass123"
SESSION_SECRET = "dashboard-session-signing-secret-0123456789"
LLM_KEY = "sk-live-4f9a8b7c6d5e"


@pytest.mark.parametrize(
    "command",
    [["people", "list"], ["invite", "create", "--store", "湖滨店", "--role", "guide"],
     ["quiz", "list", "--json"], ["ingest", "sop"]],
    ids=["people", "invite", "quiz", "ingest"],
)
def test_an_unreachable_database_gives_one_line_without_its_password(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "sop").mkdir()
    (tmp_path / "sop" / "open.md").write_text("# 开店\n\n1. 开灯\n", encoding="utf-8")
    result = run_guidebot(tmp_path / "home", *[str(tmp_path / c) if c == "sop" else c for c in command],
                          env={"GUIDEBOT_DATABASE_URL": PG_URL})
    printed = result.stdout + result.stderr
    assert result.returncode != 0
    assert DB_PASSWORD not in printed
    assert "Traceback" not in printed
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("guidebot:"), result.stderr


def test_settings_never_show_the_database_password() -> None:
    settings = Settings(database_url=PG_URL)
    assert settings.db_url == PG_URL
    assert DB_PASSWORD not in repr(settings) and DB_PASSWORD not in str(settings.model_dump())
    assert hide_password(PG_URL) == "postgresql://guide:***@127.0.0.1:1/guidebot"


def test_serve_prints_neither_the_token_nor_the_api_password(corpus: Corpus, tmp_path: Path) -> None:
    """Debug logging on, and a Bot API URL with credentials that cannot be reached: the
    bot retries, gives up and says why, with every secret left out."""
    result = run_guidebot(corpus.home, "serve", env={
        "GUIDEBOT_TELEGRAM_TOKEN": TOKEN,
        "GUIDEBOT_TELEGRAM_API_URL": f"http://bot:{API_PASSWORD}@127.0.0.1:1",
        "GUIDEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "GUIDEBOT_LLM_API_KEY": LLM_KEY,
        "GUIDEBOT_DASHBOARD_SECRET": SESSION_SECRET,
        "GUIDEBOT_DASHBOARD_PORT": str(free_port()),
        "GUIDEBOT_LOG_LEVEL": "DEBUG",
    }, timeout=180)
    printed = result.stdout + result.stderr
    assert "polling via http://bot:***@127.0.0.1:1" in printed
    assert "getMe failed" in printed, "the debug run logged what happened"
    for secret in (TOKEN, TOKEN.split(":")[1], API_PASSWORD, LLM_KEY, SESSION_SECRET):
        assert secret not in printed


class LeakyFailingModel(BaseChatModel):
    """An LLM provider that rejects the key and quotes it back, as some do."""

    @property
    def _llm_type(self) -> str:
        return "leaky"

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        raise PermissionError(f"401: invalid api key {LLM_KEY}")


def test_a_failing_llm_leaves_its_key_out_of_logs_and_output(
    corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("GUIDEBOT_LLM_API_KEY", LLM_KEY)
    monkeypatch.setenv("GUIDEBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    monkeypatch.setattr(bot.service, "make_chat_model", lambda settings: LeakyFailingModel())
    caplog.set_level(logging.DEBUG)
    code = main(["--home", str(corpus.home), "ask", "退货要几天"])
    out, err = capsys.readouterr()
    assert code == 0 and "七天" in out, "the extractive answer stands in for the LLM"
    assert "LLM failed" in caplog.text
    assert LLM_KEY not in out + err + caplog.text


def test_log_records_and_tracebacks_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    protect_logs(TOKEN, LLM_KEY)
    try:
        log = logging.getLogger("guidebot.test")
        log.info("calling https://api.telegram.org/bot%s/getMe", TOKEN)
        # python-telegram-bot at DEBUG logs whole updates, a customer's number included
        logging.getLogger("telegram.ext.Application").warning(
            "Processing update %s", {"message": {"text": "顾客电话13812345678要退货"}})
        try:
            raise ConnectionError(f"cannot reach {PG_URL} with key {LLM_KEY}")
        except ConnectionError:
            log.exception("database down")
        text = caplog.text
    finally:
        root = logging.getLogger()
        for target in [root, *root.handlers]:
            for f in [f for f in target.filters if isinstance(f, RedactSecrets)]:
                target.removeFilter(f)
    assert "database down" in text and "ConnectionError" in text
    assert "bot[REDACTED]/getMe" in text
    assert "guide:[REDACTED]@127.0.0.1" in text
    assert "13812345678" not in text and "138****5678" in text
    for secret in (TOKEN, LLM_KEY, DB_PASSWORD):
        assert secret not in text


def test_home_is_private_to_its_owner(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    made = run_guidebot(home, "invite", "create", "--store", "湖滨店", "--role", "guide")
    assert made.returncode == 0, made.stderr
    assert home.stat().st_mode & 0o777 == 0o700
    assert (home / "guidebot.db").exists(), "the database with the invite code sits inside it"
