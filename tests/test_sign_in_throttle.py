"""Sign-in throttling: parallel guesses are counted as they arrive, a lock-out keeps the
guesser out without keeping the owner out, and a client's X-Forwarded-For is believed
only from a configured proxy."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from bot.dashboard.accounts import FAILURES_PER_NAME_AND_ADDRESS, create_user
from bot.dashboard.app import create_app
from bot.serve import dashboard_server
from bot.service import Services
from bot.settings import Settings
from ingest.db import session_factory
from tests.dashboard_site import PASSWORD
from tests.servers import free_port


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = Settings(home=tmp_path / "home", dashboard_secret="throttle-secret-" + "t" * 20)
    with session_factory(settings.db_url).begin() as db:
        create_user(db, "east", "trainer", PASSWORD, regions=["华东"])
    return settings


def _client(settings: Settings, address: str) -> TestClient:
    return TestClient(create_app(settings, Services(settings)), base_url="http://127.0.0.1",
                      client=(address, 50000))


def _sign_in(client: TestClient | httpx.Client, password: str, headers: dict[str, str] | None = None) -> int:
    page = client.get("/login", headers=headers).text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    return client.post("/login", data={"name": "east", "password": password, "csrf": token.group(1), "next": "/"},
                       headers=headers, follow_redirects=False).status_code


def test_parallel_wrong_passwords_are_checked_no_more_than_the_limit(settings: Settings) -> None:
    clients = [_client(settings, "10.0.0.7") for _ in range(12)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = Counter(pool.map(lambda i: _sign_in(clients[i % 12], "wrong password"), range(60)))
    assert statuses == {401: FAILURES_PER_NAME_AND_ADDRESS, 429: 60 - FAILURES_PER_NAME_AND_ADDRESS}


def test_a_guesser_elsewhere_does_not_lock_the_owner_out(settings: Settings) -> None:
    guesser, owner, colleague = (_client(settings, a) for a in ("203.0.113.9", "198.51.100.4", "203.0.113.9"))
    for _ in range(FAILURES_PER_NAME_AND_ADDRESS):
        assert _sign_in(guesser, "wrong password") == 401
    assert _sign_in(guesser, PASSWORD) == 429, "the guesser's address stays locked, right password or not"
    assert _sign_in(owner, PASSWORD) == 303, "the owner, from their own address, signs in"
    with session_factory(settings.db_url).begin() as db:
        create_user(db, "west", "trainer", PASSWORD, regions=["华西"])
    page = colleague.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    signed = colleague.post("/login", data={"name": "west", "password": PASSWORD, "csrf": token.group(1)},
                            follow_redirects=False)
    assert signed.status_code == 303, "another account on the same shared network is not locked"


@pytest.fixture
def served(settings: Settings, request: pytest.FixtureRequest) -> Iterator[str]:
    trusted: list[str] = request.param
    configured = settings.model_copy(update={"dashboard_port": free_port(), "dashboard_trusted_proxies": trusted})
    server = dashboard_server(configured, Services(configured))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    try:
        yield f"http://127.0.0.1:{configured.dashboard_port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.mark.parametrize("served", [[]], indirect=True)
def test_a_forged_forwarded_for_does_not_dodge_the_address_limit(served: str) -> None:
    with httpx.Client(base_url=served) as client:
        for i in range(FAILURES_PER_NAME_AND_ADDRESS):
            assert _sign_in(client, "wrong password", {"X-Forwarded-For": f"192.0.2.{i}"}) == 401
        rotated = {"X-Forwarded-For": "192.0.2.200" + "9" * 80}
        assert _sign_in(client, PASSWORD, rotated) == 429


@pytest.mark.parametrize("served", [["127.0.0.1"]], indirect=True)
def test_a_configured_proxy_names_the_client(served: str) -> None:
    with httpx.Client(base_url=served) as client:
        for _ in range(FAILURES_PER_NAME_AND_ADDRESS):
            assert _sign_in(client, "wrong password", {"X-Forwarded-For": "192.0.2.1"}) == 401
        assert _sign_in(client, PASSWORD, {"X-Forwarded-For": "192.0.2.1"}) == 429
        assert _sign_in(client, PASSWORD, {"X-Forwarded-For": "192.0.2.2"}) == 303, "another client behind it"
