"""The dashboard application: sign-in, the admin's account page, and the trainer and
content routers. Sessions are signed cookies (Starlette's SessionMiddleware, with
itsdangerous); every form carries a CSRF token; failed sign-ins are throttled."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import func, select
from starlette.middleware.sessions import SessionMiddleware

from bot.dashboard import content_pages, product_pages, trainer_pages
from bot.dashboard.accounts import (
    ROLES,
    SESSION_HOURS,
    Account,
    AccountError,
    DashboardUser,
    SignIn,
    UserScope,
    authenticate,
    create_user,
    end_session,
    end_sign_ins,
    note_attempt,
    set_active,
    set_password,
    start_session,
)
from bot.dashboard.body_limit import BodyLimit
from bot.dashboard.people_data import regions_in, stores_in
from bot.dashboard.web import (
    LoginRequired,
    RowId,
    admin,
    current_account,
    flash,
    render,
    sessions_of,
    verify_csrf,
)
from bot.service import Services
from bot.settings import Settings
from bot.store import Region, Store
from ingest.db import session_factory


def session_secret(settings: Settings) -> str:
    """From config, else a random secret kept in HOME (created once, owner-only)."""
    if settings.dashboard_secret is not None:
        return settings.dashboard_secret.get_secret_value()
    path = settings.home / "dashboard.secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as out:
                out.write(secrets.token_urlsafe(48))
        except FileExistsError:  # another process made it first
            pass
    return path.read_text().strip()


def _secure(name: bytes, value: bytes) -> tuple[bytes, bytes]:
    if name.lower() == b"set-cookie" and b"; secure" not in value.lower():
        return name, value + b"; secure"
    return name, value


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    app = FastAPI(title="guidebot dashboard", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(verify_csrf)])  # every form post, on every router
    app.state.settings = settings
    app.state.sessions = session_factory(settings.db_url)
    app.state.services = services or Services(settings)
    # added first, so it runs inside the session middleware and can see who is signed in
    app.add_middleware(BodyLimit, upload_bytes=int(settings.max_file_mb * 1024 * 1024),
                       upload_paths=frozenset({"/documents/upload"}))
    app.add_middleware(SessionMiddleware, secret_key=session_secret(settings), session_cookie="guidebot_session",
                       max_age=SESSION_HOURS * 3600, same_site="lax", https_only=settings.dashboard_https_only)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.include_router(trainer_pages.router)
    app.include_router(content_pages.router)
    app.include_router(product_pages.router)
    app.include_router(_auth_router())

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        field = str(first.get("loc", ("", "?"))[-1])
        return render(request, "problem.html", None, status_code=400, title="Bad request · 请求有误",
                      detail=f"{field}: {first.get('msg', 'not a valid value')}")

    @app.exception_handler(HTTPException)
    async def problem(request: Request, exc: HTTPException) -> Response:
        titles = {403: "Not allowed · 无权访问", 404: "Not found · 找不到"}
        return render(request, "problem.html", None, status_code=exc.status_code,
                      title=titles.get(exc.status_code, "Problem · 出错了"), detail=str(exc.detail))

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith("/static/"):  # pages and exports hold people's data
            response.headers.setdefault("Cache-Control", "no-store")
        if settings.dashboard_https_only or request.url.scheme == "https":
            # over HTTPS (directly, or as a trusted proxy says with X-Forwarded-Proto) the
            # session cookie is never sent in clear and browsers keep to HTTPS
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            response.raw_headers[:] = [_secure(name, value) for name, value in response.raw_headers]
        response.headers.setdefault(
            "Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            "script-src 'self'; form-action 'self'; frame-ancestors 'none'")
        return response

    return app


def _auth_router() -> APIRouter:
    router = APIRouter()

    @router.get("/")
    def home(account: Annotated[Account, Depends(current_account)]) -> Response:
        return RedirectResponse("/overview" if account.sees_people else "/documents", status_code=303)

    @router.get("/login")
    def login_page(request: Request, next: str = "/") -> Response:
        return render(request, "login.html", None, next=_local(next))

    @router.post("/login")
    def login(request: Request, name: Annotated[str, Form()], password: Annotated[str, Form()],
              next: Annotated[str, Form()] = "/") -> Response:
        address = request.client.host if request.client else "-"  # a trusted proxy's client (serve.py)
        with sessions_of(request).begin() as db:
            attempt = note_attempt(db, name, address)
        with sessions_of(request).begin() as db:
            outcome = authenticate(db, attempt, password)
            sign_in = start_session(db, outcome) if not isinstance(outcome, str) else ""
        if isinstance(outcome, str):
            message = ("Too many failed sign-ins: wait 15 minutes. 登录失败次数过多，请15分钟后再试。"
                       if outcome == "throttled" else "Wrong name or password. 用户名或密码错误。")
            return render(request, "login.html", None, status_code=429 if outcome == "throttled" else 401,
                          error=message, next=_local(next), name=name)
        request.session.clear()  # a new session at sign-in: nothing from before carries over
        request.session.update({"uid": outcome.id, "sid": sign_in, "csrf": secrets.token_urlsafe(32)})
        return RedirectResponse(_local(next), status_code=303)

    @router.post("/logout")
    def logout(request: Request) -> Response:
        with sessions_of(request).begin() as db:
            end_session(db, request.session.get("sid"))
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @router.get("/users")
    def users(request: Request, account: Annotated[Account, Depends(admin)]) -> Response:
        with sessions_of(request)() as db:
            rows = []
            for user in db.scalars(select(DashboardUser).order_by(DashboardUser.name)):
                scopes = [f"{s.kind} {(db.get(Region if s.kind == 'region' else Store, s.target_id) or user).name}"
                          for s in db.scalars(select(UserScope).where(UserScope.user_id == user.id))]
                signed_in = db.scalar(select(func.count()).select_from(SignIn).where(SignIn.user_id == user.id))
                rows.append({"id": user.id, "name": user.name, "role": user.role, "active": user.active,
                             "scopes": scopes, "created": user.created_at, "sessions": signed_in})
            regions = [r.name for r in regions_in(db, None)]
            stores = [s.name for s in stores_in(db, None)]
        return render(request, "users.html", account, rows=rows, roles=ROLES, regions=regions, stores=stores)

    @router.post("/users")
    def add_user(request: Request, account: Annotated[Account, Depends(admin)], name: Annotated[str, Form()],
                 role: Annotated[str, Form()], password: Annotated[str, Form()],
                 region: Annotated[str, Form()] = "", store: Annotated[str, Form()] = "") -> Response:
        try:
            with sessions_of(request).begin() as db:
                create_user(db, name, role, password, regions=[region] if region else [],
                            stores=[store] if store else [])
            flash(request, f"account {name} created")
        except AccountError as exc:
            flash(request, f"not created: {exc}")
        return RedirectResponse("/users", status_code=303)

    @router.post("/users/{user_id}/{action}")
    def change_user(request: Request, account: Annotated[Account, Depends(admin)], user_id: RowId,
                    action: Literal["deactivate", "activate", "signout", "password"],
                    password: Annotated[str, Form()] = "") -> Response:
        """Revoking an account: deactivate it, sign it out everywhere, or reset its
        password (which also signs it out); each takes effect at its next request."""
        try:
            with sessions_of(request).begin() as db:
                user = db.get(DashboardUser, user_id)
                if user is None:
                    raise HTTPException(404, "no such account")
                if action == "password":
                    set_password(db, user, password)
                elif action == "signout":
                    end_sign_ins(db, user)
                else:
                    set_active(db, user, action == "activate")
                name = user.name
            flash(request, {"deactivate": f"{name} deactivated and signed out",
                            "activate": f"{name} may sign in again",
                            "signout": f"{name} signed out everywhere",
                            "password": f"new password set for {name}; signed out everywhere"}[action])
        except AccountError as exc:
            flash(request, f"not changed: {exc}")
        return RedirectResponse("/users", status_code=303)

    return router


def _local(target: str) -> str:
    """Only same-site paths after sign-in (no open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"
