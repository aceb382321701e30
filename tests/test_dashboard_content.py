"""Content owners change the knowledge base: uploads in the dashboard (checked and
sanitised), versions with their differences, rollback and deletion — answers and
generated questions follow — and documents sent to the bot in Telegram."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot import content_jobs
from bot.access import create_invite, redeem
from bot.content import StoredUpload, safe_name
from bot.content_jobs import ContentJob
from bot.dashboard.accounts import create_user
from bot.dashboard.app import create_app
from bot.quiz.bank import bank
from bot.service import Services
from bot.settings import Settings
from ingest.db import session_factory
from ingest.embedder import Embedder
from ingest.registry import Document
from tests.dashboard_site import PASSWORD
from tests.telegram_standin import BotApiStandIn
from tests.test_dashboard_http import csrf_of, sign_in
from tests.test_quiz_telegram import bot_running

SOP_V1 = """# 保温杯刻字服务SOP

## 一、服务规则
1. 保温杯刻字免费，每个杯子最多刻8个汉字。
2. 刻字需要2个工作日，刻字后的商品不支持无理由退货。
"""
SOP_V2 = SOP_V1.replace("2个工作日", "5个工作日")


@pytest.fixture
def owner_home(tmp_path: Path, real_embedder: Embedder) -> Iterator[tuple[TestClient, Settings, Services]]:
    settings = Settings(home=tmp_path / "home", dashboard_secret="content-test-secret-" + "z" * 16)
    with session_factory(settings.db_url).begin() as db:
        create_user(db, "content", "content_owner", PASSWORD)
        create_user(db, "east", "trainer", PASSWORD, regions=["华东"])
    services = Services(settings)
    services.__dict__["embedder"] = real_embedder
    with TestClient(create_app(settings, services), base_url="http://127.0.0.1") as client:
        yield client, settings, services


def wait_for_uploads(settings: Settings, timeout: float = 120.0) -> None:
    """Until every upload's ingest job has ended (the event the report waits for)."""
    sessions = session_factory(settings.db_url)
    deadline = time.monotonic() + timeout
    while True:
        with sessions() as db:
            if db.scalar(select(ContentJob).where(ContentJob.status == "running")) is None:
                return
        assert time.monotonic() < deadline, "an upload's ingest did not end"
        time.sleep(0.05)


def _upload(client: TestClient, name: str, data: bytes, doc_type: str = "sop") -> str:
    """The documents page once the upload's ingest has ended."""
    token = csrf_of(client.get("/documents").text)
    page = client.post("/documents/upload", data={"csrf": token, "doc_type": doc_type},
                       files={"file": (name, data, "application/octet-stream")}).text
    if "refused" in page:
        return page
    wait_for_uploads(client.app.state.settings)  # type: ignore[attr-defined]
    return client.get("/documents").text


def _answer(settings: Settings, real_embedder: Embedder, question: str) -> str:
    fresh = Services(settings)
    fresh.__dict__["embedder"] = real_embedder
    answer = fresh.answerer.answer(question)
    return answer.text if answer.found else ""


def test_versions_diff_rollback_and_delete_follow_into_answers_and_questions(
        owner_home: tuple[TestClient, Settings, Services], real_embedder: Embedder) -> None:
    client, settings, _ = owner_home
    sign_in(client, "content")
    page = _upload(client, "保温杯刻字.md", SOP_V1.encode())
    assert "added" in page and "保温杯刻字.md" in page
    assert "2个工作日" in _answer(settings, real_embedder, "刻字要几天")
    page = _upload(client, "保温杯刻字.md", SOP_V2.encode())
    assert "updated" in page
    answer = _answer(settings, real_embedder, "刻字要几天")
    assert "5个工作日" in answer and "v2" in answer, "the citation names the version"
    with session_factory(settings.db_url)() as db:
        document = db.scalar(select(Document).where(Document.path.like("%保温杯刻字.md")))
        assert document is not None and document.version == 2
        keys = {(q.status, q.to_contract()["options"][q.answer_index]) for q in bank(db) if q.answer_index is not None}
    assert ("active", "5个工作日") in keys and ("retired", "2个工作日") in keys, keys
    diff = client.get(f"/documents/{document.id}", params={"a": 1, "b": 2}).text
    assert "diff_chg" in diff or "diff_sub" in diff
    assert re.search(r"2</span>个工作日|>2<", diff) or "2个工作日" in diff
    page = client.get(f"/documents/{document.id}").text
    source = str(settings.home / "uploads" / "sop" / "保温杯刻字.md")
    assert f"writes v1 over {source} in the content folder" in page, "said before it is done"
    assert f"Removes <code>{source}</code> from the content folder" in page
    token = csrf_of(page)
    rolled = client.post(f"/documents/{document.id}/rollback", data={"csrf": token, "version": 1})
    assert "rolled back to v1: the file in the content folder now holds that version" in rolled.text
    assert "updated" in rolled.text
    answer = _answer(settings, real_embedder, "刻字要几天")
    assert "2个工作日" in answer and "v3" in answer, "the old text is back, as a new version"
    token = csrf_of(client.get(f"/documents/{document.id}").text)
    deleted = client.post(f"/documents/{document.id}/delete", data={"csrf": token})
    assert "removed" in deleted.text and f"{source} deleted from the content folder" in deleted.text
    assert not Path(source).exists()
    assert "工作日" not in _answer(settings, real_embedder, "刻字要几天")
    with session_factory(settings.db_url)() as db:
        assert all(q.status != "active" for q in bank(db)), "its generated questions retire with it"


def test_uploads_are_checked_and_their_names_made_safe(owner_home: tuple[TestClient, Settings, Services]) -> None:
    client, settings, _ = owner_home
    sign_in(client, "content")
    assert "unsupported type" in _upload(client, "tool.exe", b"MZ\x90\x00")
    assert "empty" in _upload(client, "blank.md", b"")
    big = b"x" * int(settings.max_file_mb * 1024 * 1024 + 10)
    assert "larger than" in _upload(client, "big.md", big)
    page = _upload(client, "../../../etc/cron.d/evil\x07name.md", SOP_V1.encode())
    saved = [p.name for p in (settings.home / "uploads" / "sop").iterdir()]
    assert len(saved) == 1 and saved[0].startswith("evil") and saved[0] in page, "only the last part, inside uploads"
    assert not (settings.home.parent / "etc").exists() and "\x07" not in saved[0]
    assert safe_name("../../x/evil\x07name.md") == "evil_name.md"
    assert safe_name("..") == "upload" and safe_name("a" * 300 + ".PDF").endswith(".pdf")
    assert len(safe_name("长" * 300 + ".md")) <= 120
    sign_in(client, "east")
    token = csrf_of(client.get("/overview").text)
    refused = client.post("/documents/upload", data={"csrf": token, "doc_type": "sop"},
                          files={"file": ("x.md", SOP_V1.encode(), "text/markdown")})
    assert refused.status_code == 403


async def test_a_content_owner_sends_a_document_to_the_bot(tmp_path: Path, real_embedder: Embedder) -> None:
    settings = Settings(home=tmp_path / "home")
    services = Services(settings)
    services.__dict__["embedder"] = real_embedder
    async with BotApiStandIn() as api, bot_running(settings, services, api) as h:
        owner = api.user(61, "Owner", language_code="zh-hans")
        guide = api.user(62, "Guide", language_code="zh-hans")
        await h.register(owner, "content_owner")
        await h.register(guide)
        before = len(api.sent(guide))
        api.send_document(guide, "x.md", SOP_V1.encode())
        refused = (await api.wait_sent(guide, before + 1))[-1]
        assert "只有内容负责人" in refused["rendered"]
        before = len(api.sent(owner))
        api.send_document(owner, "保温杯刻字.md", SOP_V1.encode(), caption="sop")
        received, report = (await api.wait_sent(owner, before + 2, timeout=60))[-2:]
        assert len(api.sent(owner)) == before + 2, "one acknowledgement, one report"
        assert "已收到 保温杯刻字.md，正在导入" in received["rendered"]
        assert "已导入" in report["rendered"] and "added" in report["rendered"]
        assert "questions:" in report["rendered"]
        reply = await h.send(owner, "保温杯刻字要几天")
        assert "2个工作日" in reply[0]["rendered"]


def test_names_lose_invisible_format_characters() -> None:
    # U+202E turns "gpj.exe" into what reads as "exe.jpg"; a zero-width space hides in a name
    assert safe_name("invoice\u202egpj.md") == "invoicegpj.md"
    assert safe_name("退货\u200b流程.md") == "退货流程.md"


def test_parallel_uploads_of_one_name_each_succeed(owner_home: tuple[TestClient, Settings, Services]) -> None:
    client, settings, _ = owner_home
    sign_in(client, "content")
    token = csrf_of(client.get("/documents").text)

    def upload(i: int) -> int:
        version = SOP_V1.replace("8个汉字", f"{i + 1}个汉字")
        return client.post("/documents/upload", data={"csrf": token, "doc_type": "sop"},
                           files={"file": ("刻字.md", version.encode(), "text/markdown")},
                           follow_redirects=False).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(upload, range(6)))
    assert statuses == [303] * 6
    wait_for_uploads(settings)
    folder = settings.home / "uploads" / "sop"
    assert [p.name for p in folder.iterdir()] == ["刻字.md"], "one file, no temporary left behind"
    assert (folder / "刻字.md").stat().st_mode & 0o077 == 0, "readable by its owner only"
    with session_factory(settings.db_url)() as db:
        assert len(db.scalars(select(Document)).all()) == 1


def test_out_of_range_ids_and_days_are_bad_requests(owner_home: tuple[TestClient, Settings, Services]) -> None:
    client, settings, _ = owner_home
    sign_in(client, "content")
    huge = str(2**64)
    assert client.get(f"/documents/{huge}").status_code == 400
    token = csrf_of(client.get("/documents").text)
    assert client.post(f"/documents/{huge}/delete", data={"csrf": token}).status_code == 400
    resolved = client.post("/gaps/resolve", data={"csrf": token, "ids": f"{huge},1"}, follow_redirects=False)
    assert resolved.status_code == 303
    sign_in(client, "east")
    assert client.get(f"/guides/{huge}").status_code == 400
    assert client.get(f"/guides?store={huge}").status_code == 400
    with session_factory(settings.db_url).begin() as db:
        code = create_invite(db, store="湖滨店", role="guide", region="华东").code
        guide = redeem(db, code, telegram_id=5001, name="王芳", language="zh").person
        assert guide is not None
        guide_id = guide.id
    assert client.get(f"/guides/{guide_id}", params={"from": "2026-11-01"}).status_code == 200
    too_early = client.get(f"/guides/{guide_id}", params={"from": "0001-01-01"})
    assert too_early.status_code == 400 and "0001-01-01" in too_early.text
    token = csrf_of(client.get("/assignments").text)
    made = client.post("/assignments", data={"csrf": token, "target": "store:1", "due": "0001-01-01"})
    assert made.status_code == 400 and "0001-01-01" in made.text


def test_an_upload_is_answered_before_its_ingest_ends(owner_home: tuple[TestClient, Settings, Services],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The request returns once the file is stored; the page shows the ingest running
    (and refreshes itself), then its report."""
    client, settings, _ = owner_home
    sign_in(client, "content")
    release, started = threading.Event(), threading.Event()
    real = content_jobs.ingest_upload_lines

    def slow_ingest(s: Settings, stored: StoredUpload) -> list[str]:
        started.set()
        assert release.wait(60), "the test released the ingest"
        return real(s, stored)

    monkeypatch.setattr(content_jobs, "ingest_upload_lines", slow_ingest)
    token = csrf_of(client.get("/documents").text)
    response = client.post("/documents/upload", data={"csrf": token, "doc_type": "sop"},
                           files={"file": ("保温杯刻字.md", SOP_V1.encode(), "text/markdown")}, follow_redirects=False)
    assert response.status_code == 303
    assert started.wait(30)
    page = client.get("/documents").text
    assert "保温杯刻字.md uploaded (stored as uploads/sop/保温杯刻字.md): ingesting it now" in page
    assert "正在导入" in page and 'http-equiv="refresh"' in page and "Ingest:" not in page
    release.set()
    wait_for_uploads(settings)
    page = client.get("/documents").text
    assert "ingested 已导入" in page and "added" in page and "questions:" in page
    assert 'http-equiv="refresh"' not in page


def test_an_ingest_whose_process_stopped_shows_as_interrupted() -> None:
    started = dt.datetime(2026, 3, 1, 9, 0)
    job = ContentJob(name="a.md", status="running", report="[]", started_at=started)
    assert job.state(started + dt.timedelta(minutes=119)) == "running"
    assert job.state(started + dt.timedelta(minutes=121)) == "interrupted"
    job.status = "done"
    assert job.state(started + dt.timedelta(days=2)) == "done"
