"""Glue every page shares: who is signed in, CSRF tokens, rendering, downloads."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Form, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import sessionmaker

from bot.dashboard.accounts import SESSION_HOURS, Account, DashboardUser, SignIn, account_of
from bot.settings import Settings
from bot.tables import csv_text, xlsx_bytes
from ingest.registry import utcnow

# Row ids and days as pages accept them: an id past the database's integer range or a
# day whose local midnight has no UTC date is a bad request, not a server error.
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(9999, 12, 30)
MAX_ID = 2**63 - 1
RowId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
FormId = Annotated[int, Form(ge=1, le=MAX_ID)]


def check_days(*days: dt.date | None) -> None:
    """Days a page was given (queries, forms) must be ones the records can hold."""
    for day in days:
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise HTTPException(400, f"{day.isoformat()} is not a day the records can hold")

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


class LoginRequired(Exception):
    pass


def settings_of(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def sessions_of(request: Request) -> sessionmaker:
    return request.app.state.sessions  # type: ignore[no-any-return]


def current_account(request: Request) -> Account:
    """The signed-in account, read from the database on every request so that a
    deactivated account or a changed scope takes effect at once."""
    user_id, sign_in = request.session.get("uid"), request.session.get("sid")
    if not isinstance(user_id, int) or not isinstance(sign_in, str):
        raise LoginRequired
    with sessions_of(request)() as db:
        user = db.get(DashboardUser, user_id)
        kept = db.get(SignIn, sign_in)
        if (user is None or not user.active or kept is None or kept.user_id != user_id
                or utcnow() - kept.created_at > dt.timedelta(hours=SESSION_HOURS)):
            request.session.clear()
            raise LoginRequired
        return account_of(db, user)


def people_viewer(account: Annotated[Account, Depends(current_account)]) -> Account:
    if not account.sees_people:
        raise HTTPException(403, "trainers and admins only")
    return account


def content_viewer(account: Annotated[Account, Depends(current_account)]) -> Account:
    if not account.sees_content:
        raise HTTPException(403, "content owners and admins only")
    return account


def product_viewer(account: Annotated[Account, Depends(current_account)]) -> Account:
    """Products are for everyone who trains or keeps content: trainers, content owners, admins."""
    if not (account.sees_people or account.sees_content):
        raise HTTPException(403, "trainers, content owners and admins only")
    return account


def admin(account: Annotated[Account, Depends(current_account)]) -> Account:
    if account.role != "admin":
        raise HTTPException(403, "admins only")
    return account


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def verify_csrf(request: Request) -> None:
    """Every form post carries the session's token (hidden field `csrf`)."""
    if request.method != "POST":
        return
    form = await request.form()
    sent = form.get("csrf")
    expected = request.session.get("csrf")
    if not isinstance(sent, str) or not isinstance(expected, str) or not secrets.compare_digest(sent, expected):
        raise HTTPException(403, "the form expired or did not come from this site; reload the page and try again")


def render(request: Request, template: str, account: Account | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, template, {
        "account": account, "csrf": csrf_token(request), "path": request.url.path,
        "flash": request.session.pop("flash", None), **context,
    }, status_code=status_code)


def flash(request: Request, message: str) -> None:
    request.session["flash"] = message


def download(name: str, header: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> Response:
    """A table as a CSV (UTF-8 with BOM, for Excel) or XLSX attachment."""
    if fmt == "xlsx":
        body = xlsx_bytes(header, rows, name)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = ("\ufeff" + csv_text(header, rows)).encode("utf-8")
        media, fmt = "text/csv; charset=utf-8", "csv"
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})
