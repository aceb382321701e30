"""Big bodies are refused while they arrive, before anything parses them: the real app,
driven through its ASGI interface by a client that counts what it was asked to send."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.dashboard.accounts import create_user
from bot.dashboard.app import create_app
from bot.service import Services
from bot.settings import Settings
from ingest.db import session_factory
from tests.dashboard_site import PASSWORD

MB = 1024 * 1024
PREAMBLE = (b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.md"\r\n'
            b"Content-Type: text/markdown\r\n\r\n")


class Sender:
    """A client posting `chunks` megabytes, one receive() at a time."""

    def __init__(self, chunks: int) -> None:
        self.chunks, self.pulled = chunks, 0
        self.status: int | None = None
        self.body = b""

    async def receive(self) -> dict[str, Any]:
        if self.pulled >= self.chunks:
            return {"type": "http.disconnect"}
        self.pulled += 1
        head = PREAMBLE if self.pulled == 1 else b""
        return {"type": "http.request", "body": head + b"x" * (MB - len(head)), "more_body": self.pulled < self.chunks}

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")


def _post(app: Any, path: str, sender: Sender, headers: list[tuple[bytes, bytes]]) -> None:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"multipart/form-data; boundary=b"), *headers],
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000)}
    asyncio.run(app(scope, sender.receive, sender.send))


@pytest.fixture
def app_and_cookie(tmp_path: Path) -> tuple[Any, bytes]:
    settings = Settings(home=tmp_path / "home", dashboard_secret="body-secret-" + "b" * 20, max_file_mb=20)
    with session_factory(settings.db_url).begin() as db:
        create_user(db, "content", "content_owner", PASSWORD)
    app = create_app(settings, Services(settings))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
        assert token is not None
        signed = client.post("/login", data={"name": "content", "password": PASSWORD, "csrf": token.group(1)},
                             follow_redirects=False)
        assert signed.status_code == 303
        cookie = f"guidebot_session={client.cookies['guidebot_session']}".encode()
    return app, cookie


def test_an_anonymous_upload_is_refused_before_its_body_is_read(app_and_cookie: tuple[Any, bytes]) -> None:
    app, _ = app_and_cookie
    sender = Sender(300)
    _post(app, "/documents/upload", sender, [(b"transfer-encoding", b"chunked")])
    assert (sender.status, sender.pulled) == (403, 0)


def test_a_huge_sign_in_post_is_cut_off_at_once(app_and_cookie: tuple[Any, bytes]) -> None:
    app, _ = app_and_cookie
    sender = Sender(300)
    _post(app, "/login", sender, [(b"transfer-encoding", b"chunked")])
    assert (sender.status, sender.pulled) == (413, 1)
    declared = Sender(300)
    _post(app, "/login", declared, [(b"content-length", str(300 * MB).encode())])
    assert (declared.status, declared.pulled) == (413, 0)


def test_a_signed_in_upload_over_the_limit_stops_at_the_limit(app_and_cookie: tuple[Any, bytes]) -> None:
    app, cookie = app_and_cookie
    sender = Sender(300)
    _post(app, "/documents/upload", sender, [(b"cookie", cookie), (b"transfer-encoding", b"chunked")])
    assert sender.status == 413 and b"larger than 20 MB" in sender.body
    assert sender.pulled == 21, "20 MB and the form around it, then no more"
    declared = Sender(300)
    _post(app, "/documents/upload", declared, [(b"cookie", cookie), (b"content-length", str(300 * MB).encode())])
    assert (declared.status, declared.pulled) == (413, 0)
