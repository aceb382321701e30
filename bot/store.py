"""What must last about people and conversations: regions, stores, people and their
roles, invite codes, every exchange with its feedback, and knowledge gaps.

The schema is created and changed only through Alembic migrations (ingest/migrations),
on SQLite by default and PostgreSQL by URL.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.followup import Turn
from ingest.db import Base
from ingest.registry import utcnow


class Role(enum.StrEnum):
    guide = "guide"
    trainer = "trainer"
    content_owner = "content_owner"
    admin = "admin"


class Region(Base):
    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)


class Store(Base):
    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    region: Mapped[Region | None] = relationship()


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    reach: Mapped[str | None] = mapped_column(String(8))  # a trainer's: store | region (bot.policy)
    language: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    deactivated_at: Mapped[dt.datetime | None]
    store: Mapped[Store | None] = relationship()


class Invite(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    role: Mapped[str] = mapped_column(String(16))
    reach: Mapped[str] = mapped_column(String(8), default="store")  # store | region (bot.policy)
    expires_at: Mapped[dt.datetime]
    max_uses: Mapped[int] = mapped_column(default=1)
    uses: Mapped[int] = mapped_column(default=0)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    store: Mapped[Store] = relationship()


class InviteRedemption(Base):
    __tablename__ = "invite_redemptions"
    __table_args__ = (UniqueConstraint("invite_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invite_id: Mapped[int] = mapped_column(ForeignKey("invites.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    redeemed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Exchange(Base):
    """One question and the bot's answer, as the person saw it."""

    __tablename__ = "exchanges"
    # every message looks up the asker's recent exchanges (the rate limit)
    __table_args__ = (Index("ix_exchanges_person_created", "person_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    channel: Mapped[str] = mapped_column(String(16))
    update_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    question: Mapped[str] = mapped_column(Text)
    # What a follow-up after it needs (bot.followup.Turn): the question as answered (a
    # follow-up with its subject filled in) and what it was about; None before 0006.
    asked: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    found: Mapped[bool] = mapped_column(Boolean)
    answer: Mapped[str] = mapped_column(Text)
    sources: Mapped[str] = mapped_column(Text)  # JSON list as in `ask --json`
    latency_ms: Mapped[int]
    feedback: Mapped[str | None] = mapped_column(String(8))  # up | down
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def turn(self) -> Turn | None:
        """What a follow-up after this exchange may refer to (as `Answer.turn`), or None
        when it had no subject (not answered, or stored before subjects were)."""
        return Turn(self.asked or self.question, self.subject) if self.subject else None


class KnowledgeGap(Base):
    """A question the knowledge base could not answer, for the content team."""

    __tablename__ = "knowledge_gaps"

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id"), unique=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    question: Mapped[str] = mapped_column(Text)
    closest: Mapped[str] = mapped_column(Text)  # JSON list of the closest passages
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
