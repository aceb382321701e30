"""The dashboard over HTTP (the real FastAPI app through httpx): sign-in, throttling,
CSRF, session fixation, scopes and id tampering, every page and every export."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from collections import Counter
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import delete, select

from bot.access import redeem
from bot.conversation import Conversation
from bot.dashboard.accounts import DashboardUser, LoginAttempt, create_user
from bot.dashboard.app import create_app
from bot.quiz.plans import Plans
from bot.quiz.progress import report
from bot.service import Services
from bot.store import Invite, Person, Store
from ingest.db import session_factory
from ingest.registry import utcnow
from tests.conftest import Corpus, run_guidebot
from tests.dashboard_site import PASSWORD, Site, seed_site, site_settings


@pytest.fixture(scope="module")
def site(corpus: Corpus, services: Services, tmp_path_factory: pytest.TempPathFactory) -> Site:
    return seed_site(site_settings(corpus.home, tmp_path_factory.mktemp("site")))


@pytest.fixture
def app_client(site: Site, services: Services) -> Iterator[TestClient]:
    with session_factory(site.settings.db_url).begin() as db:  # no test inherits another's lockout
        db.execute(delete(LoginAttempt))
    fresh = Services(site.settings)
    fresh.__dict__["reader"] = services.reader
    fresh.__dict__["embedder"] = services.embedder
    with TestClient(create_app(site.settings, fresh), base_url="http://127.0.0.1") as client:
        yield client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "every form carries a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD, follow: bool = True) -> object:
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"name": name, "password": password, "csrf": token, "next": "/"},
                       follow_redirects=follow)


PEOPLE_PAGES = ["/overview", "/guides", "/questions", "/assignments", "/invites"]
CONTENT_PAGES = ["/documents", "/gaps", "/feedback"]


def test_every_page_renders_and_exports_for_an_admin(app_client: TestClient, site: Site) -> None:
    sign_in(app_client, "admin")
    guide = site.guides["王芳"]
    for page in [*PEOPLE_PAGES, *CONTENT_PAGES, "/users", f"/guides/{guide}"]:
        response = app_client.get(page)
        assert response.status_code == 200, page
        assert "<svg" in response.text or page != "/overview"
    for page in [*PEOPLE_PAGES, *CONTENT_PAGES, f"/guides/{guide}"]:
        as_csv = app_client.get(page, params={"format": "csv"})
        assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv"), page
        rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
        assert len(rows) >= (1 if page == "/documents" else 2), f"{page} exports a header and rows"
        as_xlsx = app_client.get(page, params={"format": "xlsx"})
        sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
        assert sheet is not None and sheet.max_row == len(rows), page
    overview = app_client.get("/overview").text
    assert "湖滨店" in overview and "深圳店" in overview
    for page in ("/overview", f"/guides/{guide}?format=csv"):  # no copy left in a shared browser's cache
        assert app_client.get(page).headers["cache-control"] == "no-store", page
    assert "looks broken" in app_client.get("/questions").text
    gaps = app_client.get("/gaps").text
    assert "2×" in gaps and "刻字" in gaps, "two phrasings of one missing fact form one group"
    assert "退货要几天" in app_client.get("/feedback").text


def test_a_trainer_sees_only_their_region_and_tampering_is_refused(app_client: TestClient, site: Site) -> None:
    sign_in(app_client, "east")
    listed = app_client.get("/guides").text
    assert "王芳" in listed and "李雷" in listed and "陈静" not in listed
    assert app_client.get(f"/guides/{site.guides['王芳']}").status_code == 200
    for url in (f"/guides/{site.guides['陈静']}", f"/guides/{site.guides['陈静']}?format=csv"):
        refused = app_client.get(url)
        assert refused.status_code == 403 and "陈静" not in refused.text
    with session_factory(site.settings.db_url)() as db:
        shenzhen = db.scalar(select(Store).where(Store.name == "深圳店"))
        assert shenzhen is not None
        foreign_invite = db.scalar(select(Invite).where(Invite.store_id == shenzhen.id))
        assert foreign_invite is not None
    assert app_client.get(f"/guides?store={shenzhen.id}").status_code == 403
    token = csrf_of(app_client.get("/invites").text)
    assert app_client.post(f"/invites/{foreign_invite.id}/revoke", data={"csrf": token}).status_code == 403
    assert app_client.post("/invites", data={"csrf": token, "store": shenzhen.id, "role": "guide"}).status_code == 403
    assert app_client.post("/assignments", data={"csrf": token, "target": f"store:{shenzhen.id}",
                                                  "due": "2099-01-01"}).status_code == 403
    export = app_client.get("/guides", params={"format": "csv"}).content.decode("utf-8-sig")
    assert "陈静" not in export and "王芳" in export
    assert "深圳店" not in app_client.get("/overview").text
    for page in [*CONTENT_PAGES, "/users"]:
        assert app_client.get(page).status_code == 403, page


def test_a_content_owner_sees_content_pages_only(app_client: TestClient) -> None:
    sign_in(app_client, "content")
    assert app_client.get("/", follow_redirects=False).headers["location"] == "/documents"
    for page in CONTENT_PAGES:
        assert app_client.get(page).status_code == 200
    for page in [*PEOPLE_PAGES, "/users"]:
        assert app_client.get(page).status_code == 403


def test_products_list_every_product_record_once_for_every_role(app_client: TestClient, services: Services) -> None:
    records = services.reader.product_chunks()
    expected = Counter(chunk.metadata["product"] for chunk, _ in records)
    assert len(records) >= 5
    for who in ("admin", "east", "content"):
        sign_in(app_client, who)
        page = app_client.get("/products")
        assert page.status_code == 200, who
        listed = [html.unescape(n) for n in re.findall(r'<a href="/products/[0-9a-f]+">(.*?)</a>', page.text)]
        assert Counter(listed) == expected, who
        first = re.search(r'<a href="(/products/[0-9a-f]+)">', page.text)
        assert first and app_client.get(first.group(1)).status_code == 200


def test_forms_without_the_sessions_csrf_token_are_refused(app_client: TestClient, site: Site) -> None:
    sign_in(app_client, "admin")
    with session_factory(site.settings.db_url)() as db:
        store = db.scalar(select(Store).where(Store.name == "湖滨店"))
        assert store is not None
    form = {"store": store.id, "role": "guide"}
    assert app_client.post("/invites", data=form).status_code == 403
    assert app_client.post("/invites", data={**form, "csrf": "forged"}).status_code == 403
    made = app_client.post("/invites", data={**form, "csrf": csrf_of(app_client.get("/invites").text)})
    assert made.status_code == 200 and "New code" in made.text


def test_signing_in_starts_a_new_session_and_old_cookies_grant_nothing(app_client: TestClient) -> None:
    app_client.get("/login")
    before = app_client.cookies.get("guidebot_session")
    assert before
    sign_in(app_client, "admin")
    after = app_client.cookies.get("guidebot_session")
    assert after and after != before
    assert app_client.get("/overview").status_code == 200
    app_client.cookies.clear()
    app_client.cookies.set("guidebot_session", before)
    assert app_client.get("/overview", follow_redirects=False).status_code == 303, "the pre-login cookie is anonymous"
    app_client.cookies.clear()
    app_client.cookies.set("guidebot_session", after)
    token = csrf_of(app_client.get("/overview").text)
    app_client.post("/logout", data={"csrf": token})
    app_client.cookies.clear()
    app_client.cookies.set("guidebot_session", after)
    replayed = app_client.get("/overview", follow_redirects=False)
    assert replayed.headers["location"].startswith("/login"), "a copied cookie dies with sign-out"


def test_pages_need_a_sign_in(app_client: TestClient) -> None:
    for page in ["/overview", "/documents", "/guides/1", "/users", "/products", "/products/0"]:
        response = app_client.get(page, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_after_sign_in_only_local_paths_are_followed(app_client: TestClient) -> None:
    token = csrf_of(app_client.get("/login").text)
    sent = app_client.post("/login", data={"name": "admin", "password": PASSWORD, "csrf": token,
                                           "next": "//evil.example/x"}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == "/"


def test_repeated_failures_lock_sign_in_out(app_client: TestClient) -> None:
    """The lock-out holds for everyone at this address for 15 minutes."""
    for _ in range(5):
        failed = sign_in(app_client, "east", "wrong password")
        assert failed.status_code == 401  # type: ignore[attr-defined]
    locked = sign_in(app_client, "east")
    assert locked.status_code == 429 and "15" in locked.text  # type: ignore[attr-defined]


def test_a_store_trainer_cannot_mint_a_trainer_for_the_region(app_client: TestClient, site: Site,
                                                              services: Services) -> None:
    """The same scope on the dashboard and in chat: a trainer of one store invites
    trainers for that store only, and the chat trainer who redeems the code reports on,
    deactivates and assigns to that store alone."""
    sessions = session_factory(site.settings.db_url)
    with sessions.begin() as db:
        if db.scalar(select(DashboardUser).where(DashboardUser.name == "lake")) is None:
            create_user(db, "lake", "trainer", PASSWORD, stores=["湖滨店"])
        lake = db.scalar(select(Store).where(Store.name == "湖滨店"))
        assert lake is not None and lake.region_id is not None
    assert "Sign out" in str(getattr(sign_in(app_client, "lake"), "text", ""))
    token = csrf_of(app_client.get("/invites").text)
    form = {"csrf": token, "store": lake.id, "role": "trainer"}
    assert app_client.post("/invites", data={**form, "reach": "region"}).status_code == 403
    assert app_client.post("/invites", data={**form, "role": "admin"}).status_code == 403
    assert app_client.post("/invites", data={**form, "role": "content_owner"}).status_code == 403
    made = app_client.post("/invites", data=form)
    assert made.status_code == 200
    code = re.search(r'<b id="new-code">([A-Z0-9]+)</b>', made.text)
    assert code is not None

    with sessions.begin() as db:
        redeemed = redeem(db, code.group(1), telegram_id=9100, name="新培训师", language="zh")
        assert redeemed.person is not None
        trainer_id = redeemed.person.id
    conversation = Conversation(site.settings, services)
    plans = Plans(site.settings, sessions)
    stores = [r.store for r in report(plans, trainer_id, utcnow() - dt.timedelta(days=30)) or []]
    assert stores == ["湖滨店"], "not the region's other store (西湖店)"
    assert plans.assign(by=trainer_id, target_kind="region", target="华东", topic=None,
                        due_on=dt.date(2099, 1, 1)) == "not_allowed"
    assert plans.assign(by=trainer_id, target_kind="person", target="李雷", topic=None,
                        due_on=dt.date(2099, 1, 1)) == "not_allowed"
    assert conversation.deactivate(trainer_id, "李雷") is None
    with sessions() as db:
        li = db.get(Person, site.guides["李雷"])
        assert li is not None and li.active


def test_the_command_line_can_invite_a_trainer_for_the_whole_region(site: Site, services: Services) -> None:
    sessions = session_factory(site.settings.db_url)
    made = run_guidebot(site.settings.home, "invite", "create", "--store", "湖滨店", "--role", "trainer",
                        "--scope", "region", env={"GUIDEBOT_DATABASE_URL": site.settings.db_url})
    assert made.returncode == 0, made.stderr
    with sessions.begin() as db:
        redeemed = redeem(db, made.stdout.strip(), telegram_id=9101, name="区域培训师", language="zh")
        assert redeemed.person is not None
        trainer_id = redeemed.person.id
    stores = {r.store for r in report(Plans(site.settings, sessions), trainer_id,
                                      utcnow() - dt.timedelta(days=30)) or []}
    assert stores == {"湖滨店", "西湖店"}, "the region's stores, not 深圳店"
    nowhere = run_guidebot(site.settings.home, "invite", "create", "--store", "无区域店", "--role", "trainer",
                           "--scope", "region", env={"GUIDEBOT_DATABASE_URL": site.settings.db_url})
    assert nowhere.returncode != 0 and nowhere.stderr.count("\n") == 1 and "no region" in nowhere.stderr
