"""docker/compose.yaml validates with docker-compose (Debian's package; no Docker engine
runs here) and wires the app to PostgreSQL and the Chroma server by config alone."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import REPO

COMPOSE = REPO / "docker" / "compose.yaml"
SECRETS = {"POSTGRES_PASSWORD": "pw-for-test", "DASHBOARD_SECRET": "s" * 32,
           "GUIDEBOT_TELEGRAM_TOKEN": "1:test", "GUIDEBOT_TELEGRAM_WEBHOOK_URL": "https://bot.example.com"}


def _config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("docker-compose")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("docker-compose is missing (make test installs it)")
        pytest.skip("docker-compose is not installed")
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS}
    return subprocess.run([binary, "-f", str(COMPOSE), "config"], env={**clean, **env},
                          capture_output=True, text=True, timeout=60, check=False)


def test_the_compose_file_validates_and_selects_the_servers_by_config() -> None:
    result = _config(SECRETS)
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    services = config["services"]
    assert set(services) == {"postgres", "chroma", "bot", "dashboard"}
    for name in ("postgres", "chroma"):
        assert services[name]["healthcheck"]["test"], name
    for name in ("bot", "dashboard"):
        env = services[name]["environment"]
        assert env["GUIDEBOT_DATABASE_URL"].startswith("postgresql+psycopg://guidebot:pw-for-test@postgres:5432/")
        assert env["GUIDEBOT_CHROMA_MODE"] == "http" and env["GUIDEBOT_CHROMA_HOST"] == "chroma"
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["bot"]["environment"]["GUIDEBOT_TELEGRAM_MODE"] == "webhook"
    assert {"guidebot-data", "postgres-data", "chroma-data"} <= set(config["volumes"])


def test_a_missing_secret_is_named() -> None:
    result = _config({k: v for k, v in SECRETS.items() if k != "POSTGRES_PASSWORD"})
    assert result.returncode != 0 and "POSTGRES_PASSWORD" in result.stderr
