"""The dashboard in a real browser: Playwright driving Debian's headless Chromium
against the app served on localhost by uvicorn, as a trainer and a content owner use it.
Every page is also screenshotted at a desktop and a phone size (kept under
DASHBOARD_SCREENSHOTS when set) and must not overflow the phone's width."""

from __future__ import annotations

import csv
import io
import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from bot.dashboard import products as catalog
from bot.dashboard.app import create_app
from bot.service import Services
from bot.settings import Settings
from ingest.db import session_factory
from ingest.embedder import Embedder
from ingest.pipeline import ingest
from tests.builders import build_corpus
from tests.dashboard_site import PASSWORD, Site, seed_site
from tests.servers import free_port
from tests.test_dashboard_content import SOP_V1

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"),
                                reason="Debian's chromium is not installed (make test installs it)")
sync_api = pytest.importorskip("playwright.sync_api")

@dataclass
class Running:
    url: str
    site: Site
    services: Services


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, real_embedder: Embedder) -> Iterator[Running]:
    home = tmp_path_factory.mktemp("dashboard-home")
    content = build_corpus(tmp_path_factory.mktemp("dashboard-content"))
    settings = Settings(home=home, dashboard_secret="browser-test-secret-" + "y" * 16)
    ingest(settings, [content / "knowledge", content / "sop"], embedder=real_embedder)
    site = seed_site(settings)
    services = Services(settings)
    services.__dict__["embedder"] = real_embedder
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, services), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield Running(f"http://127.0.0.1:{port}", site, services)
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield launched
        launched.close()


def _page(browser: object, running: Running, name: str, **viewport: int) -> object:
    context = browser.new_context(base_url=running.url, accept_downloads=True,  # type: ignore[attr-defined]
                                  viewport=viewport or {"width": 1280, "height": 860})
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def test_trainer_overview_attempt_log_export_and_invite(browser: object, running: Running) -> None:
    page = _page(browser, running, "east")
    assert page.url.endswith("/overview")  # type: ignore[attr-defined]
    assert page.locator("svg.chart").count() >= 3  # type: ignore[attr-defined]
    assert page.get_by_text("湖滨店").count() >= 1  # type: ignore[attr-defined]
    page.click("text=Guides 导购")  # type: ignore[attr-defined]
    page.click("text=王芳")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    rows = page.locator("table.log tbody tr")  # type: ignore[attr-defined]
    assert rows.count() >= 10 and "退换货流程" in rows.first.inner_text()
    with page.expect_download() as event:  # type: ignore[attr-defined]
        page.click("text=CSV")  # type: ignore[attr-defined]
    exported = Path(event.value.path()).read_text(encoding="utf-8-sig")
    records = list(csv.DictReader(io.StringIO(exported)))
    assert len(records) == rows.count() and {r["person"] for r in records} == {"王芳"}
    page.click("text=Invites 邀请码")  # type: ignore[attr-defined]
    page.select_option("select[name=store]", label="湖滨店")  # type: ignore[attr-defined]
    page.click("text=Create 创建")  # type: ignore[attr-defined]
    code = page.locator("#new-code").inner_text()  # type: ignore[attr-defined]
    assert len(code) >= 6 and page.locator(f"td code:text-is('{code}')").count() == 1  # type: ignore[attr-defined]


def test_trainer_is_refused_another_regions_guide(browser: object, running: Running) -> None:
    page = _page(browser, running, "east")
    response = page.goto(f"/guides/{running.site.guides['陈静']}")  # type: ignore[attr-defined]
    assert response.status == 403
    assert "Not allowed" in page.content() and "陈静" not in page.content()  # type: ignore[attr-defined]


def test_content_owner_uploads_a_document_and_it_answers(browser: object, running: Running,
                                                          tmp_path: Path) -> None:
    page = _page(browser, running, "content")
    assert page.url.endswith("/documents")  # type: ignore[attr-defined]
    upload = tmp_path / "保温杯刻字.md"
    upload.write_text(SOP_V1, encoding="utf-8")
    page.set_input_files("input[type=file]", str(upload))  # type: ignore[attr-defined]
    page.select_option("select[name=doc_type]", "sop")  # type: ignore[attr-defined]
    page.click("text=Upload and ingest 上传并导入")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    # answered at once; the page refreshes itself until the ingest's report is there
    page.wait_for_selector("section.job-done pre.report", timeout=120_000)  # type: ignore[attr-defined]
    report = page.locator("section.job-done pre.report").inner_text()  # type: ignore[attr-defined]
    assert "added" in report and "保温杯刻字.md" in report
    answer = running.services.answerer.answer("保温杯刻字要几天")
    assert answer.found and "2个工作日" in answer.text
    assert any("保温杯刻字" in p.document.path for p in answer.cited_passages)


def test_products_list_on_a_phone(browser: object, running: Running) -> None:
    records = running.services.reader.product_chunks()
    page = _page(browser, running, "east", width=390, height=844)
    page.click("text=Products 产品")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    rows = page.locator("table.products tbody tr")  # type: ignore[attr-defined]
    assert rows.count() == len(records) >= 5
    first = rows.first
    name, sku = first.locator("td").nth(0), first.locator("td").nth(1)
    assert name.is_visible() and sku.is_visible() and name.inner_text().strip()
    assert sku.bounding_box()["x"] + sku.bounding_box()["width"] <= 390, "name and SKU fit on the screen"
    assert not first.locator("td.wide-only").first.is_visible(), "less needed columns give way on a phone"
    page.fill("input[name=q]", "hy-ap300")  # type: ignore[attr-defined]
    page.click("text=Search 搜索")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert rows.count() == 1 and "净化器" in rows.first.inner_text()
    rows.first.locator("a").click()
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert page.locator("table.fields tbody tr").count() >= 5  # type: ignore[attr-defined]
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1  # type: ignore[attr-defined]


def test_every_page_looks_like_a_product_on_a_desktop_and_a_phone(browser: object, running: Running,
                                                                  tmp_path: Path) -> None:
    keep = Path(os.environ.get("DASHBOARD_SCREENSHOTS", tmp_path))
    keep.mkdir(parents=True, exist_ok=True)
    guide = running.site.guides["王芳"]
    with session_factory(running.site.settings.db_url)() as db:
        product = catalog.products(running.services.reader, db)[0]
    pages = ["/overview", "/guides", f"/guides/{guide}", "/questions", "/assignments", "/invites",
             "/products", f"/products/{product.key}", "/documents", "/documents/1", "/gaps", "/feedback", "/users"]
    for label, viewport in (("desktop", {"width": 1280, "height": 860}), ("phone", {"width": 390, "height": 844})):
        page = _page(browser, running, "admin", **viewport)
        for path in ["/login", *pages]:
            if path == "/login":
                anonymous = browser.new_context(viewport=viewport, base_url=running.url).new_page()  # type: ignore[attr-defined]
                anonymous.goto(path)
                shot = anonymous
            else:
                response = page.goto(path)  # type: ignore[attr-defined]
                assert response.status == 200, path
                shot = page
            name = path.strip("/").replace("/", "_") or "home"
            shot.screenshot(path=str(keep / f"{label}-{name}.png"), full_page=True)  # type: ignore[attr-defined]
            overflow = shot.evaluate("document.documentElement.scrollWidth - window.innerWidth")  # type: ignore[attr-defined]
            assert overflow <= 1, f"{path} is {overflow}px wider than a {label} screen"
            assert shot.locator("h1").count() == 1, f"{path} has a title"  # type: ignore[attr-defined]
    if "DASHBOARD_SCREENSHOTS" not in os.environ:
        shutil.rmtree(keep, ignore_errors=True)
