"""Trainers' pages: overview, guides and their attempt logs, question statistics,
assignments and invite codes. Everything is limited to the account's stores; an id
from outside them is refused, whatever the URL says."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from bot.access import AccessError, create_invite
from bot.dashboard import charts
from bot.dashboard.accounts import Account
from bot.dashboard.people_data import (
    assignment_rows,
    assignment_visible,
    guide_rows,
    outcomes,
    question_stats,
    regions_in,
    stores_in,
    weakest_topics,
    weekly_trend,
)
from bot.dashboard.web import (
    FormId,
    QueryId,
    RowId,
    check_days,
    download,
    flash,
    people_viewer,
    render,
    sessions_of,
    settings_of,
)
from bot.policy import GRANTABLE, may_grant
from bot.quiz.bank import BankQuestion
from bot.quiz.plans import Plans
from bot.quiz.progress import ATTEMPT_COLUMNS, attempt_rows, progress, store_reports
from bot.quiz.records import Assignment
from bot.store import Invite, InviteRedemption, Person, Store
from ingest.registry import utcnow

router = APIRouter()
Viewer = Annotated[Account, Depends(people_viewer)]
PERIOD_DAYS = 30


def _zone(request: Request) -> ZoneInfo:
    return ZoneInfo(settings_of(request).quiz_timezone)


def _local_day_start(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC).replace(tzinfo=None)


@router.get("/overview")
def overview(request: Request, account: Viewer, format: str | None = None) -> Response:
    now = utcnow()
    since = now - dt.timedelta(days=PERIOD_DAYS)
    zone = _zone(request)
    with sessions_of(request)() as db:
        rows = store_reports(db, account.stores, since)
        if format:
            return download("stores", ["region", "store", "people", "practising", f"answers_{PERIOD_DAYS}d",
                                       "accuracy", "sessions_finished", "assignments_done", "assignments_given"],
                            [[r.region, r.store, r.people, r.practising, r.answered,
                              None if r.accuracy is None else round(r.accuracy, 3), r.sessions_finished,
                              r.assignments_done, r.assignments_given] for r in rows], format)
        attempts = outcomes(db, account.stores, now - dt.timedelta(weeks=8))
        recent = [a for a in attempts if a.answered_at and a.answered_at >= since]
        weak = weakest_topics(db, recent)
        labels, series = weekly_trend(db, attempts, zone, now.replace(tzinfo=dt.UTC).astimezone(zone).date())
    by_region: dict[str, list[int]] = {}
    for row in rows:
        tally = by_region.setdefault(row.region or row.store, [0, 0])
        tally[0] += row.answered
        tally[1] += row.correct
    totals = {
        "people": sum(r.people for r in rows), "practising": sum(r.practising for r in rows),
        "answered": sum(r.answered for r in rows), "correct": sum(r.correct for r in rows),
        "done": sum(r.assignments_done for r in rows), "given": sum(r.assignments_given for r in rows),
    }
    return render(
        request, "overview.html", account, rows=rows, totals=totals, days=PERIOD_DAYS,
        region_chart=charts.bars([(name, 100 * c / n) for name, (n, c) in by_region.items() if n]),
        store_chart=charts.bars([(r.store, 100 * r.assignments_done / r.assignments_given)
                                 for r in rows if r.assignments_given], color=charts.PALETTE[2]),
        trend_chart=charts.lines(series, labels),
        weak_chart=charts.bars([(t.topic, 100 * t.accuracy) for t in weak], color=charts.PALETTE[1]),
    )


@router.get("/guides")
def guides(request: Request, account: Viewer, store: QueryId = None, format: str | None = None) -> Response:
    since = utcnow() - dt.timedelta(days=PERIOD_DAYS)
    with sessions_of(request)() as db:
        if store is not None and not account.may_see_store(store):
            raise HTTPException(403, "that store is not one of yours")
        rows = guide_rows(db, account.stores, since, store)
        stores = stores_in(db, account.stores)
    if format:
        return download("guides", ["name", "role", "store", "active", f"answers_{PERIOD_DAYS}d", "accuracy",
                                   "last_active_utc", "certificates"],
                        [[r.name, r.role, r.store, r.active, r.answered,
                          None if r.accuracy is None else round(r.accuracy, 3), r.last_active, r.certificates]
                         for r in rows], format)
    return render(request, "guides.html", account, rows=rows, stores=stores, store=store, days=PERIOD_DAYS)


@router.get("/guides/{person_id}")
def guide(request: Request, account: Viewer, person_id: RowId,
          start: Annotated[dt.date | None, Query(alias="from")] = None,
          end: Annotated[dt.date | None, Query(alias="to")] = None,
          topic: str | None = None, format: str | None = None) -> Response:
    check_days(start, end)
    zone = _zone(request)
    today = utcnow().replace(tzinfo=dt.UTC).astimezone(zone).date()
    start = start or today - dt.timedelta(days=PERIOD_DAYS)
    end = end or today
    with sessions_of(request)() as db:
        person = db.get(Person, person_id)
        if person is None or not account.may_see_store(person.store_id):
            raise HTTPException(403, "this person is not in your stores")
        store = db.get(Store, person.store_id) if person.store_id else None
        rows = attempt_rows(db, _local_day_start(start, zone), _local_day_start(end + dt.timedelta(days=1), zone),
                            account.stores, person_id=person.id, topic=topic or None)
        topics = sorted({t for t in db.scalars(select(BankQuestion.topic).distinct())})
        name = person.name
    if format:
        return download(f"attempts_{person_id}", ATTEMPT_COLUMNS, rows, format)
    plans = Plans(settings_of(request), sessions_of(request))
    mine = progress(plans, person_id, utcnow())
    entries = [dict(zip(ATTEMPT_COLUMNS, row, strict=True)) for row in rows]
    return render(request, "guide.html", account, person=person, name=name, store=store, entries=entries,
                  progress=mine, start=start, end=end, topic=topic or "",
                  topics=topics)


@router.get("/questions")
def questions(request: Request, account: Viewer, format: str | None = None) -> Response:
    since = utcnow() - dt.timedelta(days=90)
    with sessions_of(request)() as db:
        stats = question_stats(db, account.stores, since)
    if format:
        return download("question_stats", ["id", "topic", "question", "answers", "wrong", "wrong_rate",
                                           "mean_seconds", "most_picked_wrong", "its_share", "looks_broken", "status"],
                        [[s.id, s.topic, s.stem, s.answered, s.wrong, round(s.wrong_rate, 3),
                          None if s.mean_ms is None else round(s.mean_ms / 1000, 1), s.top_wrong,
                          round(s.top_wrong_share, 3), s.looks_broken, s.status] for s in stats], format)
    return render(request, "questions.html", account, stats=stats)


@router.get("/assignments")
def assignments(request: Request, account: Viewer, format: str | None = None) -> Response:
    with sessions_of(request)() as db:
        rows = assignment_rows(db, account.stores)
        stores = stores_in(db, account.stores)
        regions = regions_in(db, account.stores)
        topics = sorted(set(db.scalars(select(BankQuestion.topic).where(BankQuestion.status == "active"))))
    if format:
        return download("assignments", ["id", "title", "target", "due", "active", "questions", "done", "assigned"],
                        [[r.id, r.title, r.target, r.due_on, r.active, r.question_count, r.done, r.given]
                         for r in rows], format)
    return render(request, "assignments.html", account, rows=rows, stores=stores, regions=regions,
                  topics=topics, today=dt.date.today())


@router.post("/assignments")
def create_assignment(request: Request, account: Viewer, target: Annotated[str, Form()],
                      due: Annotated[dt.date, Form()], topic: Annotated[str, Form()] = "",
                      questions: Annotated[int, Form(ge=1, le=30)] = 5) -> Response:
    check_days(due)
    with sessions_of(request)() as db:
        names = {f"store:{s.id}": s.name for s in stores_in(db, account.stores)}
        names.update({f"region:{r.id}": r.name for r in regions_in(db, account.stores)})
    if target not in names:
        raise HTTPException(403, "you can only assign to your own stores and regions")
    kind = target.partition(":")[0]
    made = Plans(settings_of(request), sessions_of(request)).assign(
        by=None, target_kind=kind, target=names[target], topic=topic.strip() or None, due_on=due,
        question_count=questions)
    flash(request, f"assignment created: {made.title}" if not isinstance(made, str) else f"not created: {made}")
    return RedirectResponse("/assignments", status_code=303)


@router.post("/assignments/{assignment_id}")
def edit_assignment(request: Request, account: Viewer, assignment_id: RowId, due: Annotated[dt.date, Form()],
                    title: Annotated[str, Form(min_length=1, max_length=256)],
                    active: Annotated[bool, Form()] = False) -> Response:
    check_days(due)
    with sessions_of(request).begin() as db:
        assignment = db.get(Assignment, assignment_id)
        if assignment is None or not assignment_visible(db, assignment, account.stores):
            raise HTTPException(403, "not one of your assignments")
        assignment.due_on, assignment.title, assignment.active = due, title.strip(), active
    flash(request, "assignment saved")
    return RedirectResponse("/assignments", status_code=303)


@router.get("/invites")
def invites(request: Request, account: Viewer, format: str | None = None) -> Response:
    with sessions_of(request)() as db:
        stores = {s.id: s for s in stores_in(db, account.stores)}
        listed = list(db.scalars(select(Invite).where(Invite.store_id.in_(stores)).order_by(Invite.id.desc())))
        used_by: dict[int, list[str]] = defaultdict(list)
        for invite_id, name in db.execute(
                select(InviteRedemption.invite_id, Person.name).join(Person, Person.id == InviteRedemption.person_id)
                .where(InviteRedemption.invite_id.in_([i.id for i in listed])).order_by(InviteRedemption.id)):
            used_by[invite_id].append(name)
        now = utcnow()
        rows = []
        for invite in listed:
            rows.append({"id": invite.id, "code": invite.code, "store": stores[invite.store_id].name,
                         "role": invite.role, "reach": invite.reach, "uses": invite.uses, "max_uses": invite.max_uses,
                         "expires": invite.expires_at, "revoked": invite.revoked, "used_by": used_by[invite.id],
                         "expired": invite.expires_at < now})
        store_list = list(stores.values())
    if format:
        return download("invites", ["code", "store", "role", "reach", "uses", "max_uses", "expires_utc", "revoked", "used_by"],
                        [[r["code"], r["store"], r["role"], r["reach"], r["uses"], r["max_uses"], r["expires"], r["revoked"],
                          ", ".join(r["used_by"])] for r in rows], format)
    return render(request, "invites.html", account, rows=rows, stores=store_list,
                  roles=GRANTABLE.get(account.role, ()), new_code=request.session.pop("new_code", None))


@router.post("/invites")
def create_invite_page(request: Request, account: Viewer, store: FormId,
                       role: Annotated[str, Form()], days: Annotated[float, Form(gt=0, le=365)] = 14,
                       uses: Annotated[int, Form(ge=1, le=500)] = 1,
                       reach: Annotated[Literal["store", "region"], Form()] = "store") -> Response:
    with sessions_of(request).begin() as db:
        target = db.get(Store, store) if account.may_see_store(store) else None
        if target is None or not may_grant(db, account.role, account.stores, role, target, reach):
            raise HTTPException(403, "you cannot invite to that store, role or scope")
        try:
            invite = create_invite(db, store=target.name, role=role, days=days, max_uses=uses,
                                   created_by=f"dashboard:{account.name}", reach=reach)
        except AccessError as exc:
            flash(request, f"not created: {exc}")
            return RedirectResponse("/invites", status_code=303)
        request.session["new_code"] = invite.code
    return RedirectResponse("/invites", status_code=303)


@router.post("/invites/{invite_id}/revoke")
def revoke_invite(request: Request, account: Viewer, invite_id: RowId) -> Response:
    with sessions_of(request).begin() as db:
        invite = db.get(Invite, invite_id)
        if invite is None or not account.may_see_store(invite.store_id):
            raise HTTPException(403, "not one of your invite codes")
        invite.revoked = True
    flash(request, "invite code revoked")
    return RedirectResponse("/invites", status_code=303)
