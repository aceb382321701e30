"""`guidebot serve` as a process, exactly as an operator runs it: token and Bot API URL
from the environment, against the stand-in; the token never reaches the logs."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from bot.access import create_invite
from bot.settings import Settings
from ingest.db import session_factory
from tests.conftest import REPO, Corpus, guidebot_command
from tests.telegram_standin import BotApiStandIn


async def test_serve_runs_the_bot_from_the_environment_and_keeps_the_token_out_of_logs(
    corpus: Corpus, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path / 'bot.db'}"
    with session_factory(Settings(home=corpus.home, database_url=database).db_url).begin() as session:
        code = create_invite(session, store="湖滨店", role="guide").code
    async with BotApiStandIn() as api:
        env = {**os.environ, "GUIDEBOT_TELEGRAM_TOKEN": api.token, "GUIDEBOT_TELEGRAM_API_URL": api.url,
               "GUIDEBOT_DATABASE_URL": database, "GUIDEBOT_LOG_LEVEL": "DEBUG"}
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


def test_serve_without_a_token_says_what_to_do(tmp_path: Path) -> None:
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("GUIDEBOT_")}
    result = subprocess.run([*guidebot_command(), "--home", str(tmp_path), "serve"], env=env,
                            capture_output=True, text=True, timeout=60, cwd=REPO, check=False)
    assert result.returncode != 0
    assert "GUIDEBOT_TELEGRAM_TOKEN" in result.stderr and "Traceback" not in result.stderr
