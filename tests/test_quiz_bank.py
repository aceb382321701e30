"""The question bank follows a content change by remaking only what the change can
touch: an upload costs the same in a large knowledge base as in a small one, and the
bank ends as a full regeneration would leave the changed document's questions."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from bot.content import ingest_content
from bot.quiz import generate
from bot.quiz.bank import bank
from bot.quiz.generate import generate_questions
from bot.settings import Settings
from ingest.db import session_factory
from ingest.index import IndexReader
from tests.test_quiz_generate import SOP_ZH, write_knowledge


def _active(settings: Settings) -> dict[str, tuple[str | None, Any]]:
    with session_factory(settings.db_url)() as db:
        return {q.id: (q.source_path, q.created_at) for q in bank(db) if q.status == "active"}


def test_a_changed_document_remakes_only_its_own_questions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = write_knowledge(tmp_path / "content")
    settings = Settings(home=tmp_path / "home")
    _, first = ingest_content(settings, [content])
    assert first is not None and first.added > 20
    before = _active(settings)
    made: list[str] = []
    finish = generate._finish

    def spy(**kwargs: Any) -> Any:
        made.append(kwargs["doc"].path)
        return finish(**kwargs)

    monkeypatch.setattr(generate, "_finish", spy)
    changed = "sop/收银差错.md"
    (content / changed).write_text(SOP_ZH.replace("30分钟内", "15分钟内"), encoding="utf-8")
    report, questions = ingest_content(settings, [content])
    assert report.counts()["updated"] == 1 and questions is not None
    assert made and set(made) == {changed}, "no other document's questions were made again"
    after = _active(settings)
    untouched = {i: v for i, v in before.items() if v[0] != changed}
    assert {i: v for i, v in after.items() if v[0] != changed} == untouched, "kept as they were"
    monkeypatch.setattr(generate, "_finish", finish)
    reader = IndexReader(settings)
    try:
        full = {q.id for q in generate_questions(reader) if q.source_path == changed}
    finally:
        reader.close()
    assert {i for i, v in after.items() if v[0] == changed} == full, "as a full regeneration makes them"
    assert questions.retired >= 1 and questions.added >= 1
    assert questions.kept + questions.added == len(full)


def test_a_deleted_document_retires_its_questions_and_no_others(tmp_path: Path) -> None:
    content = write_knowledge(tmp_path / "content")
    settings = Settings(home=tmp_path / "home")
    ingest_content(settings, [content])
    before = _active(settings)
    gone = "courses/陈列基础.md"
    assert any(path == gone for path, _ in before.values())
    (content / gone).unlink()
    _, questions = ingest_content(settings, [content])
    after = _active(settings)
    assert questions is not None and questions.retired == sum(1 for p, _ in before.values() if p == gone)
    assert after == {i: v for i, v in before.items() if v[0] != gone}


def test_a_copy_of_a_document_elsewhere_shares_its_questions_without_a_clash(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two stores' folders hold the same SOP and it makes the same questions (here every
    choice is made alike, so the copies' questions are identical): they are kept once,
    as a full run keeps them, and changing or removing either copy neither fails nor
    loses them."""
    monkeypatch.setattr(generate, "_rng", lambda seed, *parts: random.Random(seed))
    content = write_knowledge(tmp_path / "content")
    for store in ("东区店", "西区店"):
        (content / "sop" / store).mkdir()
        (content / "sop" / store / "开箱验货.md").write_text(UNBOXING, encoding="utf-8")
    settings = Settings(home=tmp_path / "home")
    ingest_content(settings, [content])
    shared = {i for i, (path, _) in _active(settings).items() if path == "sop/东区店/开箱验货.md"}
    assert len(shared) >= 3, "the first copy in order keeps the shared questions"
    west = content / "sop" / "西区店" / "开箱验货.md"
    west.write_text(UNBOXING.replace("冷链商品优先验收", "冷链商品到店后优先验收"), encoding="utf-8")
    _, questions = ingest_content(settings, [content])
    assert questions is not None and questions.problem is None, questions
    assert shared <= set(_active(settings)), "still asked"
    (content / "sop" / "东区店" / "开箱验货.md").unlink()
    _, questions = ingest_content(settings, [content])
    assert questions is not None and questions.problem is None, questions
    kept = _active(settings)
    assert not {i for i, (p, _) in kept.items() if p == "sop/东区店/开箱验货.md"}
    reader = IndexReader(settings)
    try:
        full = {q.id for q in generate_questions(reader) if q.source_path == "sop/西区店/开箱验货.md"}
    finally:
        reader.close()
    assert {i for i, (p, _) in kept.items() if p == "sop/西区店/开箱验货.md"} == full


UNBOXING = """# 开箱验货流程

## 验货步骤

1. 核对送货单与箱数是否一致。
2. 当着司机的面开箱检查外观。
3. 扫码入库并在系统中确认收货。
4. 破损商品拍照并通知采购专员。

## 注意事项

冷链商品优先验收，验完立即入冷柜。
"""


def test_a_rule_that_stops_contradicting_another_document_is_asked_again(tmp_path: Path) -> None:
    """A rule given another number in a second document is not asked; remove the second
    document and the first one's question comes back, though the first did not change."""
    content = write_knowledge(tmp_path / "content")
    settings = Settings(home=tmp_path / "home")
    ingest_content(settings, [content])
    stems = {i: stem for i, stem in _stems(settings).items() if "复盘会" in stem}
    assert stems, "the monthly review rule is asked"
    other = content / "sop" / "复盘.md"
    other.write_text("# 复盘规定\n\n## 复盘\n\n每月第一个周一召开收银复盘会，时长不超过60分钟。\n", encoding="utf-8")
    ingest_content(settings, [content])
    assert not {i for i, stem in _stems(settings).items() if "复盘会" in stem and "45" not in stem
                and i in stems}, "contradicted: no longer asked"
    assert not set(stems) & set(_active(settings))
    other.unlink()
    ingest_content(settings, [content])
    assert set(stems) <= set(_active(settings)), "asked again, as a full run would"


def test_a_refresh_that_failed_is_made_whole_by_the_next_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = write_knowledge(tmp_path / "content")
    settings = Settings(home=tmp_path / "home")
    ingest_content(settings, [content])
    before = set(_active(settings))
    real = generate.generate_detailed

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(generate, "generate_detailed", broken)
    (content / "courses" / "陈列基础.md").unlink()
    report, questions = ingest_content(settings, [content])
    assert report.counts()["removed"] == 1
    assert questions is not None and questions.problem == "disk full"
    assert "questions: not brought up to date (disk full)" in questions.render()
    assert set(_active(settings)) == before, "nothing synced"
    monkeypatch.setattr(generate, "generate_detailed", real)
    (content / "sop" / "gift_wrapping.md").write_text(
        (content / "sop" / "gift_wrapping.md").read_text(encoding="utf-8") + "\nWrap within 10 minutes.\n",
        encoding="utf-8")
    _, questions = ingest_content(settings, [content])
    assert questions is not None and questions.problem is None
    reader = IndexReader(settings)
    try:
        full = {q.id for q in generate_questions(reader)}
    finally:
        reader.close()
    assert set(_active(settings)) == full, "the missed removal is made up for: a full run"
    assert not any(p == "courses/陈列基础.md" for p, _ in _active(settings).values())


def _stems(settings: Settings) -> dict[str, str]:
    with session_factory(settings.db_url)() as db:
        return {q.id: q.stem for q in bank(db) if q.status == "active"}
