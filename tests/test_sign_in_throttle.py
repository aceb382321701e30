"""Sign-in throttling: parallel guesses are counted as they arrive, a lock-out keeps the
guesser out without keeping the owner out, and a client's X-Forwarded-For is believed
only from a configured proxy."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from bot.dashboard.accounts import (
    FAILURES_PER_NAME,
    FAILURES_PER_NAME_AND_ADDRESS,
    SESSION_HOURS,
    DashboardUser,
    LoginAttempt,
    SignIn,
    create_user,
    note_attempt,
)
from bot.dashboard.app import create_app
from bot.serve import dashboard_server
from bot.service import Services
from bot.settings import Settings
from ingest.db import session_factory
from tests.conftest import run_guidebot
from tests.dashboard_site import PASSWORD
from tests.servers import free_port, postgres_bin, postgres_server


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = Settings(home=tmp_path / "home", dashboard_secret="throttle-secret-" + "t" * 20)
    with session_factory(settings.db_url).begin() as db:
        create_user(db, "east", "trainer", PASSWORD, regions=["华东"])
    return settings


def _client(settings: Settings, address: str, app: Any = None) -> TestClient:
    return TestClient(app or create_app(settings, Services(settings)), base_url="http://127.0.0.1",
                      client=(address, 50000))


def _sign_in(client: TestClient | httpx.Client, password: str, headers: dict[str, str] | None = None) -> int:
    page = client.get("/login", headers=headers).text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    return client.post("/login", data={"name": "east", "password": password, "csrf": token.group(1), "next": "/"},
                       headers=headers, follow_redirects=False).status_code


@pytest.fixture(params=["sqlite", "postgresql"])
def any_database(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Settings]:
    if request.param == "sqlite":
        yield settings
        return
    if postgres_bin() is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    with postgres_server() as url:
        configured = settings.model_copy(update={"database_url": SecretStr(url)})
        with session_factory(configured.db_url).begin() as db:
            create_user(db, "east", "trainer", PASSWORD, regions=["华东"])
        yield configured


def test_parallel_wrong_passwords_are_checked_no_more_than_the_limit(any_database: Settings) -> None:
    settings = any_database
    app = create_app(settings, Services(settings))
    clients = [_client(settings, "10.0.0.7", app) for _ in range(60)]  # one each: its own CSRF cookie
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = Counter(pool.map(lambda client: _sign_in(client, "wrong password"), clients))
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


def test_an_admin_revokes_an_account_and_its_sessions_end_at_once(settings: Settings) -> None:
    with session_factory(settings.db_url).begin() as db:
        create_user(db, "admin", "admin", PASSWORD)
    trainer, laptop, boss = (_client(settings, a) for a in ("10.0.0.1", "10.0.0.2", "10.0.0.3"))
    assert _sign_in(trainer, PASSWORD) == 303 and _sign_in(laptop, PASSWORD) == 303
    assert boss.get("/login").status_code == 200
    token = re.search(r'name="csrf" value="([^"]+)"', boss.get("/login").text)
    assert token is not None
    boss.post("/login", data={"name": "admin", "password": PASSWORD, "csrf": token.group(1)})
    page = boss.get("/users").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    with session_factory(settings.db_url)() as db:
        ids = {u.name: u.id for u in db.scalars(select(DashboardUser))}
    assert csrf is not None and f'action="/users/{ids["east"]}/deactivate"' in page
    east_id, csrf_token = ids["east"], csrf.group(1)

    def signed_in(client: TestClient) -> bool:
        return client.get("/overview", follow_redirects=False).status_code == 200

    assert boss.post(f"/users/{east_id}/signout", data={"csrf": csrf_token}).status_code == 200
    assert not signed_in(trainer) and not signed_in(laptop), "signed out everywhere"
    assert _sign_in(trainer, PASSWORD) == 303
    boss.post(f"/users/{east_id}/password", data={"csrf": csrf_token, "password": "a new password 9"})
    assert not signed_in(trainer), "a new password ends the old sessions"
    assert _sign_in(trainer, PASSWORD) == 401 and _sign_in(trainer, "a new password 9") == 303
    boss.post(f"/users/{east_id}/deactivate", data={"csrf": csrf_token})
    assert not signed_in(trainer)
    assert _sign_in(laptop, "a new password 9") == 401, "a deactivated account cannot sign in"
    boss.post(f"/users/{east_id}/activate", data={"csrf": csrf_token})
    assert _sign_in(laptop, "a new password 9") == 303
    assert signed_in(boss)
    refused = boss.post(f"/users/{ids['admin']}/deactivate", data={"csrf": csrf_token}).text
    assert "not changed: this is the last active admin account" in refused
    assert boss.post("/users/999/activate", data={"csrf": csrf_token}).status_code == 404


def test_the_command_line_revokes_accounts(settings: Settings) -> None:
    env = {"GUIDEBOT_DASHBOARD_SECRET": settings.dashboard_secret.get_secret_value()}  # type: ignore[union-attr]
    client = _client(settings, "10.0.0.5")
    assert _sign_in(client, PASSWORD) == 303
    out = run_guidebot(settings.home, "users", "signout", "east", env=env)
    assert out.returncode == 0 and out.stdout.strip() == "1 sessions of east ended", out.stderr
    assert client.get("/overview", follow_redirects=False).status_code == 303
    changed = run_guidebot(settings.home, "users", "password", "east", "--password-stdin", env=env,
                           input="another password 7\n")
    assert changed.returncode == 0, changed.stderr
    assert _sign_in(client, "another password 7") == 303
    gone = run_guidebot(settings.home, "users", "deactivate", "east", env=env)
    assert gone.returncode == 0 and "sessions ended" in gone.stdout
    assert client.get("/overview", follow_redirects=False).status_code == 303
    nobody = run_guidebot(settings.home, "users", "deactivate", "nobody", env=env)
    assert nobody.returncode == 1 and nobody.stderr.strip() == "guidebot: error: there is no account called 'nobody'"


def test_old_sign_in_records_and_expired_sessions_are_deleted(settings: Settings) -> None:
    now = dt.datetime(2027, 3, 1, 9, 0)
    sessions = session_factory(settings.db_url)
    with sessions.begin() as db:
        east = db.scalar(select(DashboardUser).where(DashboardUser.name == "east"))
        assert east is not None
        db.add_all([LoginAttempt(name="east", address="10.0.0.1", ok=False, at=now - dt.timedelta(days=31)),
                    LoginAttempt(name="east", address="10.0.0.1", ok=True, at=now - dt.timedelta(days=29)),
                    SignIn(id="old", user_id=east.id, created_at=now - dt.timedelta(hours=SESSION_HOURS + 1)),
                    SignIn(id="fresh", user_id=east.id, created_at=now - dt.timedelta(hours=1))])
    with sessions.begin() as db:
        note_attempt(db, "east", "10.0.0.2", now)
    with sessions() as db:
        kept = sorted(a.at for a in db.scalars(select(LoginAttempt)))
        signed_in = {s.id for s in db.scalars(select(SignIn))}
    assert kept == [now - dt.timedelta(days=29), now], "records older than 30 days are gone"
    assert signed_in == {"fresh"}


def test_behind_tls_pages_ask_for_https_only(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", dashboard_secret="tls-secret-" + "s" * 20, dashboard_https_only=True)
    with TestClient(create_app(settings, Services(settings)), base_url="https://127.0.0.1") as client:
        page = client.get("/login")
    assert page.headers["strict-transport-security"] == "max-age=31536000"
    assert "secure" in page.headers["set-cookie"].lower()


def test_hammering_from_one_address_does_not_lock_the_name_everywhere(settings: Settings) -> None:
    """Refused tries are never checked, so they count for nothing: one address cannot
    reach the per-name limit and lock the owner out from everywhere."""
    guesser, owner = _client(settings, "203.0.113.50"), _client(settings, "198.51.100.60")
    statuses = Counter(_sign_in(guesser, "wrong password") for _ in range(FAILURES_PER_NAME + 10))
    assert statuses == {401: FAILURES_PER_NAME_AND_ADDRESS, 429: FAILURES_PER_NAME + 10 - FAILURES_PER_NAME_AND_ADDRESS}
    assert _sign_in(owner, PASSWORD) == 303


@pytest.mark.parametrize("served", [["127.0.0.1"]], indirect=True)
def test_behind_a_tls_proxy_the_cookie_is_secure_without_a_setting(served: str) -> None:
    """The trusted proxy says the browser came over HTTPS (X-Forwarded-Proto): the
    session cookie is Secure and HSTS is sent though dashboard_https_only was never set;
    over plain HTTP neither is."""
    with httpx.Client(base_url=served) as client:
        page = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert page.headers["strict-transport-security"] == "max-age=31536000"
        assert page.headers["set-cookie"].lower().count("; secure") == 1
        plain = client.get("/login")
        assert "secure" not in plain.headers["set-cookie"].lower()
        assert "strict-transport-security" not in plain.headers


@pytest.mark.parametrize("served", [[]], indirect=True)
def test_a_forwarded_proto_from_anyone_else_is_not_believed(served: str) -> None:
    with httpx.Client(base_url=served) as client:
        forged = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert "secure" not in forged.headers["set-cookie"].lower()
        assert "strict-transport-security" not in forged.headers
