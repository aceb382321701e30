"""Who may use the bot: invite codes bound to a store and role, redeemed with /start."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.policy import REACHES
from bot.store import Invite, InviteRedemption, Person, Region, Role, Store
from ingest.registry import utcnow

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in a store
CODE_LENGTH = 8

RedeemProblem = Literal["unknown", "expired", "used_up", "revoked"]


class AccessError(Exception):
    pass


def get_or_create_store(session: Session, name: str, region: str | None = None) -> Store:
    name = name.strip()
    if not name:
        raise AccessError("a store needs a name")
    store = session.scalar(select(Store).where(Store.name == name))
    if store is None:
        store = Store(name=name)
        session.add(store)
    if region:
        store.region = get_or_create_region(session, region)
    session.flush()
    return store


def get_or_create_region(session: Session, name: str) -> Region:
    name = name.strip()
    region = session.scalar(select(Region).where(Region.name == name))
    if region is None:
        region = Region(name=name)
        session.add(region)
        session.flush()
    return region


def create_invite(
    session: Session, *, store: str, role: str, region: str | None = None, days: float = 14,
    max_uses: int = 1, created_by: str | None = None, reach: str = "store",
) -> Invite:
    """`reach`: whether a trainer redeeming it looks after the store or its whole region
    (see bot.policy; whether the creator may grant that is the caller's check)."""
    if role not in Role.__members__:
        raise AccessError(f"unknown role '{role}': use guide, trainer, content_owner or admin")
    if reach not in REACHES:
        raise AccessError(f"unknown scope '{reach}': use store or region")
    if max_uses < 1 or days <= 0:
        raise AccessError("an invite needs at least one use and a positive lifetime")
    if reach == "region" and not region and (session.scalar(select(Store.region_id).where(
            Store.name == store.strip())) is None):
        raise AccessError(f"store '{store.strip()}' belongs to no region: give --region, or invite for the store")
    invite = Invite(
        code="".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)),
        store=get_or_create_store(session, store, region),
        role=role,
        reach=reach,
        expires_at=utcnow() + dt.timedelta(days=days),
        max_uses=max_uses,
        uses=0,
        revoked=False,
        created_by=created_by,
    )
    session.add(invite)
    session.flush()
    return invite


@dataclass
class Redemption:
    person: Person | None
    problem: RedeemProblem | None = None


def redeem(session: Session, code: str, *, telegram_id: int, name: str, language: str | None) -> Redemption:
    """Register a person with an invite code. Registered people keep their account."""
    invite = session.scalar(select(Invite).where(Invite.code == code.strip().upper()).with_for_update())
    if invite is None:
        return Redemption(None, "unknown")
    if invite.revoked:
        return Redemption(None, "revoked")
    if invite.expires_at < utcnow():
        return Redemption(None, "expired")
    if invite.uses >= invite.max_uses:
        return Redemption(None, "used_up")
    person = session.scalar(select(Person).where(Person.telegram_id == telegram_id))
    if person is None:
        person = Person(telegram_id=telegram_id, name=name, role=invite.role, reach=invite.reach,
                        store_id=invite.store_id, language=language, active=True)
        session.add(person)
    else:  # a deactivated person needs a new invite to come back
        person.role, person.store_id, person.active = invite.role, invite.store_id, True
        person.reach = invite.reach
        person.deactivated_at = None
    invite.uses += 1
    session.flush()
    session.add(InviteRedemption(invite_id=invite.id, person_id=person.id))
    session.flush()
    return Redemption(person)


def active_person(session: Session, telegram_id: int) -> Person | None:
    return session.scalar(select(Person).where(Person.telegram_id == telegram_id, Person.active.is_(True)))


def deactivate(session: Session, person: Person) -> None:
    person.active = False
    person.deactivated_at = utcnow()


def find_person(session: Session, who: str) -> Person | None:
    """By Telegram id, or by exact name when it is unique."""
    who = who.strip()
    if who.lstrip("-").isdigit():
        return session.scalar(select(Person).where(Person.telegram_id == int(who)))
    matches = session.scalars(select(Person).where(Person.name == who)).all()
    return matches[0] if len(matches) == 1 else None
