"""Dashboard accounts: argon2 password hashes (pwdlib), roles, the regions and stores a
trainer looks after, and login throttling kept in the database (so it holds across
dashboard processes)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from pwdlib import PasswordHash
from sqlalchemy import Boolean, ForeignKey, String, delete, func, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.access import get_or_create_region, get_or_create_store
from bot.policy import stores_reached
from ingest.db import Base
from ingest.registry import utcnow

ROLES = ("trainer", "content_owner", "admin")
MIN_PASSWORD = 8
SESSION_HOURS = 12
# Failed sign-ins within THROTTLE_WINDOW that stop further tries (each limit counted
# separately). A name is locked only from the address that failed: someone guessing a
# trainer's password from elsewhere does not lock the trainer out, and one guide's typos
# on a shop's shared network do not lock out the others there.
THROTTLE_WINDOW = dt.timedelta(minutes=15)
FAILURES_PER_NAME_AND_ADDRESS = 5
FAILURES_PER_ADDRESS = 30  # one address trying many names
FAILURES_PER_NAME = 100  # many addresses trying one name
KEEP_ATTEMPTS = dt.timedelta(days=30)  # sign-in records are deleted after this

_hasher = PasswordHash.recommended()


class DashboardUser(Base):
    __tablename__ = "dashboard_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class UserScope(Base):
    """A region or store a trainer looks after."""

    __tablename__ = "dashboard_user_scopes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("dashboard_users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # region | store
    target_id: Mapped[int]


class SignIn(Base):
    """A signed-in session, kept server-side: the cookie only names it, so signing out
    (or an admin deactivating the account) ends it even if the cookie was copied."""

    __tablename__ = "dashboard_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("dashboard_users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LoginAttempt(Base):
    __tablename__ = "dashboard_login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


@dataclass(frozen=True)
class Account:
    """The signed-in user as pages see it; `stores` None means every store."""

    id: int
    name: str
    role: str
    stores: frozenset[int] | None

    @property
    def sees_people(self) -> bool:
        return self.role in ("trainer", "admin")

    @property
    def sees_content(self) -> bool:
        return self.role in ("content_owner", "admin")

    def may_see_store(self, store_id: int | None) -> bool:
        return self.stores is None or (store_id is not None and store_id in self.stores)


class AccountError(ValueError):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(db: Session, name: str, role: str, password: str, *, regions: list[str] = (),  # type: ignore[assignment]
                stores: list[str] = ()) -> DashboardUser:  # type: ignore[assignment]
    """A new account; regions and stores are created when new (as invites do)."""
    name = name.strip()
    if not name:
        raise AccountError("the name is empty")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    if db.scalar(select(DashboardUser).where(DashboardUser.name == name)) is not None:
        raise AccountError(f"there is already an account called '{name}'")
    if role == "trainer" and not regions and not stores:
        raise AccountError("a trainer needs at least one --region or --store")
    user = DashboardUser(name=name, password_hash=hash_password(password), role=role, active=True)
    db.add(user)
    db.flush()
    for region_name in regions:
        db.add(UserScope(user_id=user.id, kind="region", target_id=get_or_create_region(db, region_name).id))
    for store_name in stores:
        db.add(UserScope(user_id=user.id, kind="store", target_id=get_or_create_store(db, store_name).id))
    return user


def find_user(db: Session, name: str) -> DashboardUser:
    user = db.scalar(select(DashboardUser).where(DashboardUser.name == name.strip()))
    if user is None:
        raise AccountError(f"there is no account called '{name.strip()}'")
    return user


def end_sign_ins(db: Session, user: DashboardUser) -> int:
    """Sign out everywhere: every session of the account ends at its next request."""
    return db.execute(delete(SignIn).where(SignIn.user_id == user.id)).rowcount  # type: ignore[attr-defined, no-any-return]


def set_active(db: Session, user: DashboardUser, active: bool) -> None:
    """A deactivated account cannot sign in, and its open sessions end."""
    if not active and user.role == "admin" and db.scalar(select(func.count()).select_from(DashboardUser).where(
            DashboardUser.role == "admin", DashboardUser.active.is_(True), DashboardUser.id != user.id)) == 0:
        raise AccountError("this is the last active admin account")
    user.active = active
    if not active:
        end_sign_ins(db, user)


def set_password(db: Session, user: DashboardUser, password: str) -> None:
    """A new password ends every session signed in with the old one."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    user.password_hash = hash_password(password)
    end_sign_ins(db, user)


def account_of(db: Session, user: DashboardUser) -> Account:
    if user.role != "trainer":
        return Account(user.id, user.name, user.role, None)
    grants = [(s.kind, s.target_id) for s in db.scalars(select(UserScope).where(UserScope.user_id == user.id))]
    return Account(user.id, user.name, user.role, stores_reached(db, grants))


def note_attempt(db: Session, name: str, address: str, now: dt.datetime | None = None) -> int:
    """Record a sign-in attempt, as failed until the password proves right, in its own
    transaction before the password is checked: parallel attempts then each see the
    ones that came before them, so no more than the limit are ever checked. Old
    sign-in records and expired sessions go at the same time."""
    now = now or utcnow()
    if db.get_bind().dialect.name == "postgresql":
        # ids from a sequence may commit out of order (a later id seen first would miss
        # an earlier one still open): attempts are noted one at a time. SQLite writes
        # one at a time anyway.
        db.execute(text("LOCK TABLE dashboard_login_attempts IN SHARE ROW EXCLUSIVE MODE"))
    attempt = LoginAttempt(name=name.strip()[:128], address=address[:64], ok=False, at=now)
    db.add(attempt)
    db.execute(delete(LoginAttempt).where(LoginAttempt.at < now - KEEP_ATTEMPTS))
    db.execute(delete(SignIn).where(SignIn.created_at < now - dt.timedelta(hours=SESSION_HOURS)))
    db.flush()
    return attempt.id


def throttled(db: Session, attempt_id: int) -> bool:
    """Too many failures before this attempt, by name and address, address, or name."""
    attempt = db.get(LoginAttempt, attempt_id)
    if attempt is None:
        return True
    earlier = [LoginAttempt.id < attempt.id, LoginAttempt.ok.is_(False),
               LoginAttempt.at >= attempt.at - THROTTLE_WINDOW]
    limits = (([LoginAttempt.name == attempt.name, LoginAttempt.address == attempt.address],
               FAILURES_PER_NAME_AND_ADDRESS),
              ([LoginAttempt.address == attempt.address], FAILURES_PER_ADDRESS),
              ([LoginAttempt.name == attempt.name], FAILURES_PER_NAME))
    for where, limit in limits:
        if (db.scalar(select(func.count()).select_from(LoginAttempt).where(*earlier, *where)) or 0) >= limit:
            return True
    return False


def authenticate(db: Session, attempt_id: int, password: str) -> Account | str:
    """The account of a noted attempt (note_attempt), or why not: 'throttled' or
    'invalid' (never which of name or password was wrong)."""
    attempt = db.get(LoginAttempt, attempt_id)
    if attempt is None or throttled(db, attempt_id):
        if attempt is not None:  # never checked, so not a failure: hammering does not extend a lock
            db.delete(attempt)
        return "throttled"
    user = db.scalar(select(DashboardUser).where(DashboardUser.name == attempt.name))
    ok = user is not None and user.active and _hasher.verify(password, user.password_hash)
    if user is None:
        _hasher.hash(password)  # same work either way: timing tells nothing
    if not ok or user is None:
        return "invalid"
    attempt.ok = True
    return account_of(db, user)


def start_session(db: Session, account: Account) -> str:
    sign_in = secrets.token_urlsafe(32)
    db.add(SignIn(id=sign_in, user_id=account.id))
    return sign_in


def end_session(db: Session, sign_in: object) -> None:
    if isinstance(sign_in, str):
        found = db.get(SignIn, sign_in)
        if found is not None:
            db.delete(found)
