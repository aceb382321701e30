"""Who may do what, over which stores: one policy for the chat channels, the command
line and the dashboard.

A scope is the set of store ids someone looks after (None: every store). It is made of
grants, each a store or a whole region:
- a dashboard account's grants are its rows in `dashboard_user_scopes`;
- a chat trainer's grant is the store of the invite they redeemed, or that store's
  region when the invite said so (`Invite.reach`, kept as `Person.reach`);
- admins have every store; guides and content owners have no people to look after.

Who may grant which role (invites): admins any role, reaching a store or a region;
trainers guides and trainers for one store already in their own scope (never a whole
region: a region grows as stores join it). Content owners and guides invite
nobody. The command line is the machine's operator and acts as an admin.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store import Person, Role, Store

Reach = Literal["store", "region"]
Scope = frozenset[int] | None
REACHES: tuple[Reach, ...] = ("store", "region")

GRANTABLE: dict[str, tuple[str, ...]] = {
    "admin": ("guide", "trainer", "content_owner", "admin"),
    "trainer": ("guide", "trainer"),
}
MANAGEABLE: dict[str, tuple[str, ...]] = {  # whose accounts a role may deactivate
    "admin": ("guide", "trainer", "content_owner", "admin"),
    "trainer": ("guide", "trainer"),
}


def stores_reached(db: Session, grants: Iterable[tuple[str, int]]) -> frozenset[int]:
    """The stores covered by grants of ("store", store id) or ("region", region id)."""
    stores: set[int] = set()
    for kind, target in grants:
        if kind == "store":
            stores.add(target)
        else:
            stores.update(db.scalars(select(Store.id).where(Store.region_id == target)))
    return frozenset(stores)


def grant_of(store: Store, reach: str) -> tuple[str, int]:
    """A store grant, or its region's when the reach is the region (a store without a
    region reaches only itself)."""
    if reach == "region" and store.region_id is not None:
        return ("region", store.region_id)
    return ("store", store.id)


def person_scope(db: Session, person: Person) -> Scope:
    if person.role == Role.admin:
        return None
    if person.role != Role.trainer or person.store is None:
        return frozenset()
    return stores_reached(db, [grant_of(person.store, person.reach or "store")])


def within(scope: Scope, stores: frozenset[int]) -> bool:
    return scope is None or stores <= scope


def may_grant(db: Session, role_of_granter: str, scope: Scope, role: str, store: Store, reach: str) -> bool:
    """May someone of this role and scope create an invite for `role` at `store`?"""
    if role not in GRANTABLE.get(role_of_granter, ()):
        return False
    if reach == "region" and role_of_granter != "admin":
        return False  # a region grows with its stores: only admins hand out a region
    return within(scope, stores_reached(db, [grant_of(store, reach)]))


def may_manage(db: Session, manager: Person, person: Person) -> bool:
    """Deactivating someone, or assigning them quizzes: people of a role the manager may
    manage, in a store within the manager's scope."""
    if person.role not in MANAGEABLE.get(manager.role, ()):
        return False
    scope = person_scope(db, manager)
    return scope is None or (person.store_id is not None and person.store_id in scope)
