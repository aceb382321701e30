"""One source of truth for content: a document is its file in the knowledge base,
whether it came from a content folder or as an upload. Uploading a file that is already
there (from the dashboard, the bot or `bot.content`) makes a new version of that
document where it lives; the old text stops answering and no passage is listed twice."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot import content
from bot.content import UploadError, ingest_content, ingest_upload, save_upload, upload_lines
from bot.dashboard.accounts import create_user
from bot.dashboard.app import create_app
from bot.service import Services
from bot.settings import Settings
from ingest.db import session_factory
from ingest.embedder import Embedder
from ingest.registry import Document
from tests.conftest import indexed_documents
from tests.dashboard_site import PASSWORD
from tests.telegram_standin import BotApiStandIn
from tests.test_dashboard_content import _upload
from tests.test_dashboard_http import csrf_of, sign_in
from tests.test_quiz_telegram import bot_running

TRADE_IN_V1 = """# 以旧换新SOP

## 一、折价规则
1. 旧手机以旧换新，折价最高抵扣300元，需当场验机。
2. 旧机需能正常开机，屏幕无碎裂。

## 二、办理步骤
1. 导购登记旧机型号和串号，拍照留档。
"""
TRADE_IN_V2 = TRADE_IN_V1.replace("最高抵扣300元", "最高抵扣800元")
QUESTION = "以旧换新最多抵扣多少钱"


def ask(settings: Settings, embedder: Embedder, question: str = QUESTION) -> dict[str, object]:
    """What `guidebot ask --json` prints for the question, from a fresh process's view."""
    fresh = Services(settings)
    fresh.__dict__["embedder"] = embedder
    return fresh.answerer.answer(question).to_json()


def documents_named(settings: Settings, name: str) -> list[Document]:
    with session_factory(settings.db_url)() as db:
        return list(db.scalars(select(Document).where(Document.path.like(f"%{name}"))
                               .options(selectinload(Document.versions))))


def assert_one_answering_copy(settings: Settings, embedder: Embedder, new: str, old: str) -> dict[str, object]:
    """The new text answers, the old one nowhere, each passage listed once, one
    document in the index."""
    answer = ask(settings, embedder)
    assert answer["found"] and new in str(answer["answer"]), answer
    sources = answer["sources"]
    assert isinstance(sources, list) and sources
    texts = [s["text"] for s in sources]
    assert len(texts) == len(set(texts)), f"a passage listed twice: {texts}"
    assert not any(old in t for t in texts) and old not in str(answer["answer"])
    indexed = [path for path in indexed_documents(settings) if path.endswith("trade_in_sop.md")]
    assert len(indexed) == 1, indexed
    return answer


@pytest.fixture
def folder_home(tmp_path: Path, real_embedder: Embedder) -> tuple[Settings, Path]:
    """A knowledge base ingested from its `sop/` folder as `guidebot ingest sop` does."""
    sop = tmp_path / "content" / "sop"
    sop.mkdir(parents=True)
    (sop / "trade_in_sop.md").write_text(TRADE_IN_V1, encoding="utf-8")
    settings = Settings(home=tmp_path / "home", dashboard_secret="places-test-secret-" + "z" * 16)
    report, _ = ingest_content(settings, [sop], real_embedder)
    assert report.counts()["added"] == 1
    return settings, sop


@pytest.fixture
def owner_client(folder_home: tuple[Settings, Path], real_embedder: Embedder) -> Iterator[TestClient]:
    settings, _ = folder_home
    with session_factory(settings.db_url).begin() as db:
        create_user(db, "content", "content_owner", PASSWORD)
    services = Services(settings)
    services.__dict__["embedder"] = real_embedder
    with TestClient(create_app(settings, services), base_url="http://127.0.0.1") as client:
        sign_in(client, "content")
        yield client


def test_uploading_a_changed_folder_file_in_the_dashboard_updates_that_document(
        folder_home: tuple[Settings, Path], owner_client: TestClient, real_embedder: Embedder) -> None:
    settings, sop = folder_home
    assert "300元" in str(ask(settings, real_embedder)["answer"])
    token = csrf_of(owner_client.get("/documents").text)
    said = owner_client.post("/documents/upload", data={"csrf": token, "doc_type": "sop"},
                             files={"file": ("trade_in_sop.md", TRADE_IN_V2.encode(), "text/markdown")}).text
    assert "trade_in_sop.md uploaded (it updates sop/trade_in_sop.md)" in said
    page = _upload(owner_client, "trade_in_sop.md", TRADE_IN_V2.encode())  # the same bytes again
    assert "updated sop/trade_in_sop.md, version 2" in page
    assert "sop/trade_in_sop.md unchanged: the upload is the same as its version 2" in page
    assert (sop / "trade_in_sop.md").read_text(encoding="utf-8") == TRADE_IN_V2, "written over, in its folder"
    assert not (settings.home / "uploads").exists() or not any((settings.home / "uploads").rglob("*.md"))
    [document] = documents_named(settings, "trade_in_sop.md")
    assert (document.root, document.path, document.version, document.status) == (
        sop.resolve().as_posix(), "trade_in_sop.md", 2, "active")
    assert [v.version for v in document.versions] == [1, 2]
    answer = assert_one_answering_copy(settings, real_embedder, "800元", "300元")
    assert [s["path"] for s in answer["sources"]].count("trade_in_sop.md") >= 1  # type: ignore[union-attr]
    listing = owner_client.get("/documents").text
    assert "sop/trade_in_sop.md" in listing and "content folder 内容目录" in listing
    assert "upload 上传" not in listing
    detail = owner_client.get(f"/documents/{document.id}").text
    assert f"<code>{sop.resolve() / 'trade_in_sop.md'}</code>" in detail
    exported = owner_client.get("/documents", params={"format": "csv"}).text.splitlines()
    assert exported[0].lstrip("\ufeff").startswith("path,where,from,")
    assert exported[1].startswith("trade_in_sop.md,sop/trade_in_sop.md,content folder,")
    assert len(exported) == 2


def test_the_content_function_updates_the_folder_document(
        folder_home: tuple[Settings, Path], real_embedder: Embedder) -> None:
    settings, sop = folder_home
    stored = save_upload(settings, "trade_in_sop.md", TRADE_IN_V2.encode(), "auto")
    assert (stored.root, stored.path, stored.updates, stored.note) == (sop.resolve(), "trade_in_sop.md",
                                                                       "sop/trade_in_sop.md", None)
    lines = upload_lines(stored, *content.ingest_content(settings, [stored.root], real_embedder))
    assert lines[0] == "updated sop/trade_in_sop.md, version 2"
    assert any(line.startswith("  updated   trade_in_sop.md") for line in lines)
    assert [(d.version, d.status) for d in documents_named(settings, "trade_in_sop.md")] == [(2, "active")]
    assert_one_answering_copy(settings, real_embedder, "800元", "300元")


def test_an_earlier_upload_copy_retires_when_the_folder_file_arrives(
        tmp_path: Path, real_embedder: Embedder) -> None:
    """Uploaded first, then the same file put in the content folder: the folder's copy
    takes over, the upload's copy stops answering, and the report says so."""
    settings = Settings(home=tmp_path / "home")
    stored = save_upload(settings, "trade_in_sop.md", TRADE_IN_V1.encode(), "sop")
    assert (stored.place, stored.updates) == ("uploads/sop/trade_in_sop.md", None)
    assert upload_lines(stored, *ingest_upload(settings, stored))[0] == "added uploads/sop/trade_in_sop.md, version 1"
    sop = tmp_path / "content" / "sop"
    sop.mkdir(parents=True)
    (sop / "trade_in_sop.md").write_text(TRADE_IN_V2, encoding="utf-8")
    report, _ = ingest_content(settings, [sop], real_embedder)
    rendered = report.render()
    assert "added     trade_in_sop.md" in rendered
    assert ("removed   sop/trade_in_sop.md  (sop)  — retired: uploads/sop/trade_in_sop.md was a second copy "
            "of sop/trade_in_sop.md, which answers now") in rendered
    assert report.counts() == {"added": 1, "updated": 0, "removed": 1, "unchanged": 0, "failed": 0, "skipped": 0}
    assert not (settings.home / "uploads" / "sop" / "trade_in_sop.md").exists()
    states = sorted((content.place(d.root, d.path), d.status) for d in documents_named(settings, "trade_in_sop.md"))
    assert states == [("sop/trade_in_sop.md", "active"), ("uploads/sop/trade_in_sop.md", "removed")]
    assert_one_answering_copy(settings, real_embedder, "800元", "300元")
    again = save_upload(settings, "trade_in_sop.md", TRADE_IN_V1.encode(), "sop")
    assert again.updates == "sop/trade_in_sop.md", "the next upload goes to the folder's copy"


def test_a_name_two_folders_share_is_not_guessed(tmp_path: Path, real_embedder: Embedder) -> None:
    settings = Settings(home=tmp_path / "home")
    folders = [tmp_path / "content" / "sop", tmp_path / "content" / "knowledge"]
    for folder in folders:
        folder.mkdir(parents=True)
        (folder / "trade_in_sop.md").write_text(TRADE_IN_V1.replace("# 以旧换新SOP", f"# {folder.name}"),
                                                encoding="utf-8")
    ingest_content(settings, folders, real_embedder)
    stored = save_upload(settings, "trade_in_sop.md", TRADE_IN_V2.encode(), "sop")
    assert (stored.place, stored.updates) == ("uploads/sop/trade_in_sop.md", None)
    assert stored.note == ("2 documents in the content folders are named trade_in_sop.md (knowledge/trade_in_sop.md,"
                           " sop/trade_in_sop.md): not guessing which one this updates, so it is stored as an upload "
                           "of its own; to update one of them, change the file in its folder")
    lines = upload_lines(stored, *ingest_upload(settings, stored))
    assert lines[:2] == ["added uploads/sop/trade_in_sop.md, version 1", f"note: {stored.note}"]
    assert all((f / "trade_in_sop.md").read_text(encoding="utf-8") == TRADE_IN_V1.replace(
        "# 以旧换新SOP", f"# {f.name}") for f in folders), "neither folder file touched"
    assert sorted(d.status for d in documents_named(settings, "trade_in_sop.md")) == ["active"] * 3


def _make_unwritable(folder: Path) -> bool:
    """Whether the folder could be made unwritable (root ignores modes; `chattr +i`
    binds it too where the file system has it)."""
    folder.chmod(0o555)
    probe = folder / ".probe"
    try:
        probe.touch()
    except PermissionError:
        return True
    probe.unlink()
    return subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False).returncode == 0


def test_an_upload_over_an_unwritable_content_folder_is_refused(
        folder_home: tuple[Settings, Path], owner_client: TestClient) -> None:
    settings, sop = folder_home
    if not _make_unwritable(sop):
        pytest.skip("this file system cannot make a folder unwritable for this user")
    try:
        page = _upload(owner_client, "trade_in_sop.md", TRADE_IN_V2.encode())
        with pytest.raises(UploadError) as refused:
            save_upload(settings, "trade_in_sop.md", TRADE_IN_V2.encode())
    finally:
        subprocess.run(["chattr", "-i", str(sop)], capture_output=True, check=False)
        sop.chmod(0o755)
    line = (f"trade_in_sop.md updates sop/trade_in_sop.md, but the server cannot write its content folder "
            f"{sop.resolve()} (no permission); change the file there, or have the folder made writable")
    assert str(refused.value) == line
    assert f"upload refused: {line}" in page
    assert (sop / "trade_in_sop.md").read_text(encoding="utf-8") == TRADE_IN_V1
    assert not (settings.home / "uploads").exists(), "not stored as a second copy either"
    assert [d.version for d in documents_named(settings, "trade_in_sop.md")] == [1]


async def test_a_changed_folder_file_sent_to_the_bot_updates_that_document(
        folder_home: tuple[Settings, Path], real_embedder: Embedder) -> None:
    settings, sop = folder_home
    services = Services(settings)
    services.__dict__["embedder"] = real_embedder
    async with BotApiStandIn() as api, bot_running(settings, services, api) as h:
        owner = api.user(71, "Owner", language_code="zh-hans")
        await h.register(owner, "content_owner")
        before = len(api.sent(owner))
        api.send_document(owner, "trade_in_sop.md", TRADE_IN_V2.encode(), caption="sop")
        received, report = (await api.wait_sent(owner, before + 2, timeout=60))[-2:]
        assert len(api.sent(owner)) == before + 2, "one acknowledgement, one report"
        assert "已收到 trade_in_sop.md：它更新知识库中的 sop/trade_in_sop.md，正在导入" in received["rendered"]
        assert "updated sop/trade_in_sop.md, version 2" in report["rendered"]
    assert (sop / "trade_in_sop.md").read_text(encoding="utf-8") == TRADE_IN_V2
    assert [d.version for d in documents_named(settings, "trade_in_sop.md")] == [2]
    assert_one_answering_copy(settings, real_embedder, "800元", "300元")
