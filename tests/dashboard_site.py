"""A dashboard with something to show: two regions, three stores, guides who practised
(through the real Practice code), an assignment, an unhelpful answer, knowledge gaps,
and one account per role. Shared by the HTTP and the browser tests."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from bot.access import create_invite, redeem
from bot.dashboard.accounts import create_user
from bot.quiz.bank import add_imported
from bot.quiz.plans import Plans
from bot.quiz.practice import Practice
from bot.settings import Settings
from bot.store import Exchange, KnowledgeGap
from ingest.db import session_factory
from tests.test_quiz_telegram import RETURNS

PASSWORD = "correct horse 42"


@dataclass
class Site:
    settings: Settings
    guides: dict[str, int]  # name -> person id


def _person(settings: Settings, name: str, telegram_id: int, store: str, region: str) -> int:
    with session_factory(settings.db_url).begin() as db:
        code = create_invite(db, store=store, role="guide", region=region).code
        outcome = redeem(db, code, telegram_id=telegram_id, name=name, language="zh")
        assert outcome.person is not None
        db.flush()
        return outcome.person.id


def seed_site(settings: Settings) -> Site:
    sessions = session_factory(settings.db_url)
    with sessions.begin() as db:
        add_imported(db, RETURNS)
        create_user(db, "admin", "admin", PASSWORD)
        create_user(db, "east", "trainer", PASSWORD, regions=["华东"])
        create_user(db, "content", "content_owner", PASSWORD)
    guides = {
        "王芳": _person(settings, "王芳", 9001, "湖滨店", "华东"),
        "李雷": _person(settings, "李雷", 9002, "西湖店", "华东"),
        "陈静": _person(settings, "陈静", 9003, "深圳店", "华南"),
    }
    now = [dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=3)]
    practice = Practice(settings, sessions, clock=lambda: now[0])
    plan = Plans(settings, sessions).assign(by=None, target_kind="store", target="湖滨店", topic="退换货",
                                            due_on=dt.date.today() + dt.timedelta(days=7))
    assert not isinstance(plan, str)
    for name, person in guides.items():
        for day in range(3):
            now[0] += dt.timedelta(hours=8)
            assignment = plan.id if name == "王芳" and day == 0 else None
            delivery = practice.start(person, assignment_id=assignment).delivery
            n = 0
            while delivery is not None:
                assert delivery.correct_index is not None
                # everyone misses the first question the same way: it "looks broken"
                wrong = delivery.stem.startswith("退换货流程：第1题") or (name == "李雷" and n % 2 == 1)
                choice = delivery.correct_index if not wrong else \
                    delivery.options.index("错误做法1A") if "错误做法1A" in delivery.options else (delivery.correct_index + 1) % 4
                delivery = practice.answer(person, attempt_id=delivery.attempt_id, choice=choice).next
                n += 1
    with sessions.begin() as db:
        for i, question in enumerate(("保温杯可以刻字吗", "保温杯能不能刻字", "门店WiFi密码是多少")):
            exchange = Exchange(person_id=guides["王芳"], store_id=None, channel="telegram", question=question,
                                language="zh", found=False, answer="抱歉，知识库里没有找到。", sources=json.dumps(
                                    [{"path": "sop/returns.md", "title": "门店退换货处理流程", "section": None,
                                      "text": "…", "score": 0.1}], ensure_ascii=False), latency_ms=40 + i)
            db.add(exchange)
            db.flush()
            db.add(KnowledgeGap(exchange_id=exchange.id, person_id=guides["王芳"], store_id=None,
                                question=question, closest=exchange.sources, resolved=False))
        db.add(Exchange(person_id=guides["李雷"], store_id=None, channel="telegram", question="退货要几天",
                        language="zh", found=True, answer="签收后七天内可无理由退货。[1]", sources="[]",
                        latency_ms=30, feedback="down"))
    return Site(settings, guides)


def site_settings(home: Path, tmp: Path) -> Settings:
    return Settings(home=home, database_url=f"sqlite:///{tmp / 'site.db'}", dashboard_secret="test-secret-" + "x" * 20)
