"""`guidebot serve` as a process, exactly as an operator runs it: token and Bot API URL
from the environment, against the stand-in; the token never reaches the logs."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import urllib.request
from pathlib import Path

from bot.access import create_invite
from bot.settings import Settings
from ingest.db import session_factory
from tests.conftest import REPO, Corpus, guidebot_command
from tests.servers import free_port
from tests.telegram_standin import BotApiStandIn


async def test_serve_runs_the_bot_from_the_environment_and_keeps_the_token_out_of_logs(
    corpus: Corpus, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path / 'bot.db'}"
    with session_factory(Settings(home=corpus.home, database_url=database).db_url).begin() as session:
        code = create_invite(session, store="湖滨店", role="guide").code
    async with BotApiStandIn() as api:
        env = {**os.environ, "GUIDEBOT_TELEGRAM_TOKEN": api.token, "GUIDEBOT_TELEGRAM_API_URL": api.url,
               "GUIDEBOT_DATABASE_URL": database, "GUIDEBOT_LOG_LEVEL": "DEBUG",
               "GUIDEBOT_DASHBOARD_PORT": str(free_port())}
        process = await asyncio.create_subprocess_exec(
            *guidebot_command(), "--home", str(corpus.home), "serve", cwd=REPO, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        try:
            guide = api.user(7001, "Guide", language_code="zh-hans")
            api.send_text(guide, f"/start {code}")
            await api.wait_sent(guide, 1, timeout=60)
            api.fail("sendMessage", times=1, status=502)  # a failure gets logged
            api.send_text(guide, "云朵空气净化器多少钱")
            replies = await api.wait_sent(guide, 2, timeout=30)
            assert "2999" in replies[1]["rendered"]
        finally:
            process.send_signal(signal.SIGTERM)
            stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    logs = stdout.decode() + stderr.decode()
    assert process.returncode == 0, logs
    assert "Telegram bot running" in logs
    assert "retry" in logs, "the 502 was logged"
    assert api.token not in logs and api.token.split(":")[1] not in logs


async def test_serve_without_a_token_runs_the_dashboard_and_says_where(corpus: Corpus, tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUIDEBOT_")}
    env.update({"GUIDEBOT_DASHBOARD_PORT": str(port), "GUIDEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'd.db'}"})
    process = await asyncio.create_subprocess_exec(
        *guidebot_command(), "--home", str(corpus.home), "serve", cwd=REPO, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        line = await asyncio.wait_for(process.stderr.readline(), timeout=60)
        assert f"dashboard at http://127.0.0.1:{port}" in line.decode()
        page = await asyncio.to_thread(urllib.request.urlopen, f"http://127.0.0.1:{port}/login", timeout=10)
        assert page.status == 200 and "Sign in" in page.read().decode()
        # a second one cannot have the port: one readable line
        busy = subprocess.run([*guidebot_command(), "--home", str(corpus.home), "serve"], env=env,
                              capture_output=True, text=True, timeout=60, cwd=REPO, check=False)
        assert busy.returncode != 0 and str(port) in busy.stderr and "Traceback" not in busy.stderr
        assert busy.stderr.strip().count("\n") == 0
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0


def test_start_ingests_generates_questions_serves_the_dashboard_and_chats(tmp_path: Path) -> None:
    """The README's main command (`make run` runs `guidebot start`), with no token."""
    from tests.builders import build_corpus
    from tests.conftest import run_guidebot

    content = build_corpus(tmp_path / "content")
    port = free_port()
    result = run_guidebot(tmp_path / "home", "start", str(content / "knowledge"), str(content / "sop"),
                          input="退货要几天\n", env={"GUIDEBOT_DASHBOARD_PORT": str(port)}, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Ingest: 12 added" in result.stdout and "questions:" in result.stdout
    assert f"dashboard at http://127.0.0.1:{port}" in result.stdout
    assert "七天" in result.stdout.split("dashboard at", 1)[1], "then the chat answers"
