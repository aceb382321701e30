"""The products page over HTTP, on a real ingested knowledge base (the sample content
in knowledge/ plus a FAB sheet and a product page of this test's own): every product
record once, search by name or SKU (Chinese, traditional characters and case alike),
each field with the column or heading it came from, question counts, paging, who may
look, and markup in a product's name shown as text."""

from __future__ import annotations

import html
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.access import create_invite, redeem
from bot.dashboard import products as catalog
from bot.dashboard.accounts import create_user
from bot.dashboard.app import create_app
from bot.quiz.bank import add_imported, set_status
from bot.quiz.model import QuizQuestion
from bot.service import Services
from bot.settings import Settings
from ingest.db import session_factory
from ingest.embedder import Embedder
from ingest.index import IndexReader
from ingest.pipeline import ingest
from tests.conftest import REPO
from tests.dashboard_site import PASSWORD
from tests.test_dashboard_http import csrf_of, sign_in

MARKUP_NAME = "<b>炫彩</b>水杯<script>alert(1)</script>"
SHEET = f"""产品,SKU,价格,品类,特点,优势,利益,推荐话术,常见异议,异议回复,赠品说明
星河保温杯,HY-CUP01,99元,杯壶,不锈钢内胆,保温12小时,冬天随时有热水,您摸一下杯壁不烫手,太贵了,一天不到三毛钱,送杯刷一个
"{MARKUP_NAME}",HY-XSS1,59元,杯壶,"<i>轻</i>",轻便,好带,好看,易碎,耐摔,"<img src=x onerror=alert(2)>"
"""
PAGE = """# 星河恒温保温杯 Pro（HY-CUP02）

价格：189元
保修：一年只换不修

## 产品特点

- 316不锈钢内胆，500毫升
- 杯盖实时显示水温

## 优势

- 比普通保温杯多保温6小时

## 顾客利益

- 出门一整天都有热水喝
"""


def _question(topic: str, n: int) -> QuizQuestion:
    return QuizQuestion(topic=topic, kind="multiple_choice", stem=f"{topic}：第{n}题", options=["对", "错", "不知道"],
                        answer_index=0, explanation="", origin="imported")


@dataclass
class Shop:
    client: TestClient
    settings: Settings
    reader: IndexReader


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, real_embedder: Embedder) -> Iterator[Shop]:
    content = tmp_path_factory.mktemp("products-content")
    shutil.copytree(REPO / "knowledge", content / "knowledge")
    (content / "counter" / "fab").mkdir(parents=True)
    (content / "counter" / "fab" / "柜台新品.csv").write_text(SHEET, encoding="utf-8")
    (content / "counter" / "products").mkdir()
    (content / "counter" / "products" / "保温杯Pro.md").write_text(PAGE, encoding="utf-8")
    settings = Settings(home=tmp_path_factory.mktemp("products-home"),
                        dashboard_secret="products-test-secret-" + "p" * 16)
    ingest(settings, [content / "knowledge", content / "counter"], embedder=real_embedder)
    with session_factory(settings.db_url).begin() as db:
        create_user(db, "admin", "admin", PASSWORD)
        create_user(db, "east", "trainer", PASSWORD, regions=["华东"])
        create_user(db, "content", "content_owner", PASSWORD)
        questions = [_question("星河保温杯", n) for n in range(1, 4)]
        add_imported(db, questions)
        db.flush()
        set_status(db, questions[2].id, "disabled")
        code = create_invite(db, store="湖滨店", role="guide", region="华东").code
        assert redeem(db, code, telegram_id=9101, name="王芳", language="zh").person is not None
    services = Services(settings)
    services.__dict__["embedder"] = real_embedder
    with TestClient(create_app(settings, services), base_url="http://127.0.0.1") as client:
        yield Shop(client, settings, services.reader)
    services.reader.close()


@pytest.fixture
def client(shop: Shop) -> TestClient:
    shop.client.cookies.clear()
    return shop.client


def _rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def _linked_names(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<a href="/products/[0-9a-f]+">(.*?)</a>', page)]


def _detail_url(page: str, name: str) -> str:
    for key, shown in re.findall(r'<a href="/products/([0-9a-f]+)">(.*?)</a>', page):
        if html.unescape(shown) == name:
            return f"/products/{key}"
    raise AssertionError(f"{name} is not listed")


def test_every_product_record_is_listed_exactly_once(client: TestClient, shop: Shop) -> None:
    records = shop.reader.product_chunks()
    names = Counter(chunk.metadata["product"] for chunk, _ in records)
    assert len(records) >= 20 and "星河恒温保温杯 Pro" in names and MARKUP_NAME in names, "sample sheets and pages"
    for who in ("admin", "east", "content"):
        sign_in(client, who)
        page = client.get("/products")
        assert page.status_code == 200, who
        assert len(_rows(page.text)) == len(records), "one row per product record"
        assert Counter(_linked_names(page.text)) == names, who
        assert f"{len(records)} products" in page.text
        assert 'href="/products" class="on"' in page.text, "in the navigation"
    sign_in(client, "content")
    listed = client.get("/products").text
    for _, document in records:
        assert document.path in listed, "each record names its source document"
    exported = client.get("/products", params={"format": "csv"}).content.decode("utf-8-sig")
    assert len(exported.strip().splitlines()) == len(records) + 1 and "HY-CUP02" in exported


def test_search_narrows_the_list_by_name_or_sku(client: TestClient) -> None:
    sign_in(client, "east")
    cups = client.get("/products", params={"q": "保温杯"}).text
    assert sorted(_linked_names(cups)) == ["星河保温杯", "星河恒温保温杯 Pro"]
    assert "2 of" in cups
    assert _linked_names(client.get("/products", params={"q": "保溫杯"}).text) == _linked_names(cups), \
        "traditional characters find the simplified name"
    assert _linked_names(client.get("/products", params={"q": "hy-cup02"}).text) == ["星河恒温保温杯 Pro"]
    assert _linked_names(client.get("/products", params={"q": "  Hy-Ap300 "}).text) == ["禾悦净界空气净化器 Pro"]
    assert _linked_names(client.get("/products", params={"q": "sunrise"}).text) == ["Lumora Sunrise Alarm Clock"]
    nothing = client.get("/products", params={"q": "没有这个产品"}).text
    assert _linked_names(nothing) == [] and "No product matches" in nothing
    exported = client.get("/products", params={"q": "保温杯", "format": "csv"}).content.decode("utf-8-sig")
    assert len(exported.strip().splitlines()) == 3


def test_long_lists_are_paged(client: TestClient, shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog, "PAGE_SIZE", 10)
    total = len(shop.reader.product_chunks())
    sign_in(client, "admin")
    seen: list[str] = []
    page_count = -(-total // 10)
    for number in range(1, page_count + 1):
        page = client.get("/products", params={"page": number}).text
        assert f"Page {number} / {page_count}" in page
        assert ("rel=\"next\"" in page) == (number < page_count)
        seen += _linked_names(page)
    assert len(seen) == total and len(_rows(client.get("/products", params={"page": 999}).text)) == total - 10 * (page_count - 1)


def test_the_detail_page_shows_each_field_with_its_label(client: TestClient) -> None:
    sign_in(client, "content")
    listed = client.get("/products").text
    sheet = client.get(_detail_url(listed, "星河保温杯"))
    assert sheet.status_code == 200
    for label, value in [("产品", "星河保温杯"), ("SKU", "HY-CUP01"), ("价格", "99元"), ("品类", "杯壶"),
                         ("特点", "不锈钢内胆"), ("推荐话术", "您摸一下杯壁不烫手"), ("异议回复", "一天不到三毛钱"),
                         ("赠品说明", "送杯刷一个")]:
        assert re.search(rf"<tr><td>{re.escape(label)}</td><td>.*?</td><td class=\"value\">{re.escape(value)}</td></tr>",
                         sheet.text), label
    kept = re.search(r"<tr><td>赠品说明</td><td>(.*?)</td>", sheet.text)
    assert kept and "kept as its own field" in kept.group(1), "a column no FAB field matched is shown as kept"
    assert "<code>selling_lines</code>" in sheet.text and "Selling lines 推荐话术" in sheet.text
    assert "Active questions 有效题目: 2" in sheet.text, "the disabled question does not count"
    assert sheet.text.count("星河保温杯：第") == 3 and "disabled" in sheet.text
    assert re.search(r'<a href="/documents/\d+">fab/柜台新品.csv</a>', sheet.text), "links to its document page"
    document = re.search(r'<a href="/documents/(\d+)">fab/柜台新品.csv</a>', sheet.text)
    assert document and client.get(f"/documents/{document.group(1)}").status_code == 200
    page = client.get(_detail_url(listed, "星河恒温保温杯 Pro")).text
    for label in ("价格", "产品特点", "优势", "顾客利益", "保修"):
        assert f"<tr><td>{label}</td>" in page, label
    assert re.search(r"<tr><td>保修</td><td><span class=\"badge\">kept as its own field", page)
    assert re.search(r"no label 无标签</span></td><td>SKU <code>sku</code></td><td class=\"value\">HY-CUP02<", page), \
        "the SKU came from the page's title, under no label of its own"
    assert "No questions about this product yet" in page
    assert client.get("/products/0000000000000000").status_code == 404


def test_question_counts_follow_the_bank(client: TestClient) -> None:
    sign_in(client, "east")
    rows = {html.unescape(re.search(r'">(.*?)</a>', r).group(1)): r  # type: ignore[union-attr]
            for r in _rows(client.get("/products").text)}
    assert rows["星河保温杯"].endswith("<td>2</td>") and rows["星河恒温保温杯 Pro"].endswith("<td>0</td>")
    trainer_view = client.get(_detail_url(client.get("/products").text, "星河保温杯")).text
    assert "/documents/" not in trainer_view.split("<main>", 1)[1], "trainers get no link to pages they may not open"
    assert 'href="/questions"' in trainer_view


def test_markup_in_a_product_is_shown_as_text(client: TestClient) -> None:
    sign_in(client, "admin")
    for url in ("/products", "/products?q=" + "炫彩"):
        page = client.get(url).text
        assert MARKUP_NAME not in page and "<script>alert" not in page
        assert html.escape(MARKUP_NAME, quote=False) in page or html.escape(MARKUP_NAME) in page
    detail = client.get(_detail_url(client.get("/products").text, MARKUP_NAME)).text
    assert "<script>alert" not in detail and "<img src=x" not in detail and "<i>轻</i>" not in detail
    assert "&lt;img src=x onerror=alert(2)&gt;" in detail and "&lt;script&gt;alert(1)&lt;/script&gt;" in detail
    searched = client.get("/products", params={"q": '"><script>alert(3)</script>'}).text
    assert "<script>alert(3)" not in searched and "&lt;script&gt;alert(3)" in searched


def test_only_dashboard_accounts_see_products(client: TestClient) -> None:
    for url in ("/products", "/products?q=杯", "/products?format=csv", "/products/0000000000000000"):
        refused = client.get(url, follow_redirects=False)
        assert refused.status_code == 303 and refused.headers["location"].startswith("/login"), url
    # a guide (王芳, in the bot) has no dashboard account: her name does not sign in, and nothing opens
    token = csrf_of(client.get("/login").text)
    failed = client.post("/login", data={"name": "王芳", "password": PASSWORD, "csrf": token, "next": "/products"},
                         follow_redirects=False)
    assert failed.status_code == 401 and "星河保温杯" not in failed.text
    assert client.get("/products", follow_redirects=False).status_code == 303


def test_before_anything_is_ingested_the_page_says_so(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", dashboard_secret="products-empty-secret-" + "e" * 16)
    with session_factory(settings.db_url).begin() as db:
        create_user(db, "content", "content_owner", PASSWORD)
    with TestClient(create_app(settings, Services(settings)), base_url="http://127.0.0.1") as fresh:
        sign_in(fresh, "content")
        page = fresh.get("/products")
        assert page.status_code == 200 and "Nothing ingested yet" in page.text
        assert fresh.get("/products/0000000000000000").status_code == 404
