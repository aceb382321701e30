"""`guidebot quiz ...`: the bank on the command line, in the exact form DESIGN.md gives."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_guidebot

BANK_CSV = """topic,type,question,option_a,option_b,option_c,option_d,answer,explanation,source
退换货,mc,无理由退货的期限是几天？,3天,7天,15天,30天,B,签收后七天内可无理由退货,sop/returns.md
退换货,tf,样机可以无理由退货。,,,,,错,样机不适用无理由退货,
产品,short,云朵空气净化器的SKU是什么？,,,,,HY-AP300,,
退换货,mc,这行没有选项？,,,,,A,,
"""

CONTRACT = {"id": str, "topic": str, "kind": str, "stem": str, "options": list,
            "answer_index": (int, type(None)), "explanation": str,
            "source_path": (str, type(None)), "status": str}


def _bank(home: Path) -> list[dict[str, object]]:
    listed = run_guidebot(home, "quiz", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    return [json.loads(line) for line in listed.stdout.splitlines()]


def test_imported_bank_is_listed_in_the_contract_form_and_can_be_disabled(tmp_path: Path) -> None:
    home = tmp_path / "home"
    bank = tmp_path / "bank.csv"
    bank.write_text(BANK_CSV, encoding="utf-8")
    imported = run_guidebot(home, "quiz", "import", str(bank))
    assert imported.returncode == 0, imported.stderr
    assert "3 added" in imported.stdout and "1 problems" in imported.stdout
    assert "bank.csv:5:" in imported.stderr, "the bad row is reported with its line"

    rows = _bank(home)
    assert len(rows) == 3
    for row in rows:
        assert set(row) == set(CONTRACT)
        for key, kind in CONTRACT.items():
            assert isinstance(row[key], kind), (key, row)
        assert row["status"] == "active"
    mc = next(r for r in rows if r["kind"] == "multiple_choice")
    assert mc["options"] == ["3天", "7天", "15天", "30天"] and mc["answer_index"] == 1
    assert mc["source_path"] == "sop/returns.md"

    disabled = run_guidebot(home, "quiz", "disable", str(mc["id"]))
    assert disabled.returncode == 0, disabled.stderr
    assert next(r for r in _bank(home) if r["id"] == mc["id"])["status"] == "disabled"
    again = run_guidebot(home, "quiz", "import", str(bank))
    assert "0 added" in again.stdout, "importing again adds nothing"


def test_disabling_an_unknown_question_is_one_line(tmp_path: Path) -> None:
    result = run_guidebot(tmp_path / "home", "quiz", "disable", "q-nope")
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0 and "q-nope" in result.stderr


RETURNS_SOP = """# 退货处理SOP

## 一、退货时限
1. 顾客签收后{days}天内可申请无理由退货，商品须保持完好。
2. 退款在审核通过后{refund}个工作日内原路退回。
3. 超过时限的退货申请须报店长审批。
"""


def test_ingest_regenerates_questions_and_retires_those_of_the_old_text(tmp_path: Path) -> None:
    home, content = tmp_path / "home", tmp_path / "content" / "sop"
    content.mkdir(parents=True)
    sop = content / "returns.md"
    sop.write_text(RETURNS_SOP.format(days=7, refund=3), encoding="utf-8")
    first = run_guidebot(home, "ingest", str(content))
    assert first.returncode == 0 and "questions:" in first.stdout, first.stderr
    before = _bank(home)
    keyed = [r for r in before if "7天" in r["options"] and r["options"][r["answer_index"]] == "7天"]
    assert keyed and all(r["status"] == "active" for r in before)

    sop.write_text(RETURNS_SOP.format(days=15, refund=3), encoding="utf-8")
    second = run_guidebot(home, "ingest", str(content))
    assert second.returncode == 0 and "retired" in second.stdout, second.stderr
    after = {r["id"]: r for r in _bank(home)}
    assert all(after[r["id"]]["status"] == "retired" for r in keyed), "old text's questions retire"
    assert any(r["status"] == "active" and r["options"][r["answer_index"]] == "15天" for r in after.values())
    unchanged = run_guidebot(home, "ingest", str(content))
    assert "questions:" not in unchanged.stdout, "nothing changed: the bank is left alone"


def test_bank_files_are_parsed_under_the_loader_time_limit(tmp_path: Path) -> None:
    """An imported bank is parsed in the isolated loader process, as content files are:
    a parse that runs past load_timeout_s fails with that reason, and nothing is added."""
    home = tmp_path / "home"
    bank = tmp_path / "bank.csv"
    bank.write_text(BANK_CSV, encoding="utf-8")
    slow = run_guidebot(home, "quiz", "import", str(bank), env={"GUIDEBOT_LOAD_TIMEOUT_S": "0.001"})
    assert slow.returncode == 1
    assert f"{bank}:0: reading it took longer than 0.001 s (load_timeout_s)" in slow.stderr
    assert "0 added" in slow.stdout
