"""An ingest killed at any point (GUIDEBOT_FAULT makes the process die there, as a power
cut or `kill -9` would) leaves the published index answering, and the next run
finishes the job."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.service import Services
from bot.settings import Settings
from ingest.embedder import Embedder
from ingest.pipeline import ingest
from ingest.report import IngestReport
from tests.builders import RETURNS_SOP_MD
from tests.conftest import REPO, guidebot_command, indexed_documents

FAULTS = ["after_copy", "after_document", "before_publish", "after_publish"]

OPENING_OLD = """# 开店检查

## 到店时间

值班店员早上九点半到店，先打开灯光和空调。
"""
OPENING_NEW = OPENING_OLD.replace("九点半", "八点四十五分")
CLOSING = """# 闭店检查

## 关门

晚上十点整关闭卷帘门，并打开防盗报警器。
"""

Q_OPENING = "早上几点到店"
Q_CLOSING = "晚上几点关卷帘门"
Q_RETURNS = "退货怎么操作"


@dataclass
class Scenario:
    fault: str
    content: Path
    settings: Settings
    embedder: Embedder
    killed: subprocess.CompletedProcess[str] | None = None
    answers: dict[str, dict] = field(default_factory=dict)
    ask_error: str = ""
    _recovery: IngestReport | None = None

    def recover(self) -> IngestReport:
        """The next, uninterrupted run (once per scenario)."""
        if self._recovery is None:
            self._recovery = ingest(self.settings, [self.content], embedder=self.embedder)
        return self._recovery


def _popen(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        args, cwd=REPO, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, encoding="utf-8",
    )


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory: pytest.TempPathFactory, real_embedder: Embedder) -> dict[str, Scenario]:
    """For each fault point: a published index of the old content, then content changes
    (one file edited, one added, one deleted) and an ingest killed at that point, then
    questions asked by a fresh process. The killed runs and the askers run side by side
    to keep the suite quick; each scenario has its own HOME."""
    out: dict[str, Scenario] = {}
    for fault in FAULTS:
        base = tmp_path_factory.mktemp(f"fault-{fault}")
        content = base / "content"
        (content / "sop").mkdir(parents=True)
        (content / "sop" / "opening.md").write_text(OPENING_OLD, encoding="utf-8")
        (content / "sop" / "returns.md").write_text(RETURNS_SOP_MD, encoding="utf-8")
        settings = Settings(home=base / "home")
        first = ingest(settings, [content], embedder=real_embedder)
        assert first.counts()["added"] == 2, first.render()
        (content / "sop" / "opening.md").write_text(OPENING_NEW, encoding="utf-8")
        (content / "sop" / "closing.md").write_text(CLOSING, encoding="utf-8")
        (content / "sop" / "returns.md").unlink()
        out[fault] = Scenario(fault, content, settings, real_embedder)

    killers = {
        fault: _popen([*guidebot_command(), "--home", str(s.settings.home), "ingest", str(s.content)],
                      env={"GUIDEBOT_FAULT": fault})
        for fault, s in out.items()
    }
    for fault, process in killers.items():
        stdout, stderr = process.communicate(timeout=180)
        out[fault].killed = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)

    questions = tmp_path_factory.mktemp("questions") / "questions.txt"
    questions.write_text(f"{Q_OPENING}\n{Q_CLOSING}\n{Q_RETURNS}\n", encoding="utf-8")
    askers = {
        fault: _popen([*guidebot_command(), "--home", str(s.settings.home), "ask", "--json",
                       "--batch", str(questions)])
        for fault, s in out.items()
    }
    for fault, process in askers.items():
        stdout, stderr = process.communicate(timeout=180)
        scenario = out[fault]
        scenario.ask_error = stderr if process.returncode else ""
        for line in stdout.splitlines():
            answer = json.loads(line)
            scenario.answers[answer["question"]] = answer
    return out


def source_paths(answer: dict) -> list[str]:
    return [s["path"] for s in answer["sources"]]


@pytest.mark.parametrize("fault", FAULTS)
def test_killed_ingest_dies_where_it_was_told(scenarios: dict[str, Scenario], fault: str) -> None:
    killed = scenarios[fault].killed
    assert killed is not None and killed.returncode == 137, killed and killed.stderr


@pytest.mark.parametrize("fault", ["after_copy", "after_document", "before_publish"])
def test_index_killed_before_publishing_still_answers_old_content(
    scenarios: dict[str, Scenario], fault: str
) -> None:
    s = scenarios[fault]
    assert not s.ask_error, s.ask_error
    opening = s.answers[Q_OPENING]
    assert opening["found"] and "九点半" in opening["answer"]
    assert "八点四十五分" not in json.dumps(opening, ensure_ascii=False)
    assert "sop/closing.md" not in source_paths(s.answers[Q_CLOSING])
    returns = s.answers[Q_RETURNS]
    assert returns["found"] and source_paths(returns)[0] == "sop/returns.md"


def test_index_killed_after_publishing_answers_the_new_content(scenarios: dict[str, Scenario]) -> None:
    s = scenarios["after_publish"]
    assert not s.ask_error, s.ask_error
    assert "八点四十五分" in s.answers[Q_OPENING]["answer"]
    closing = s.answers[Q_CLOSING]
    assert closing["found"] and source_paths(closing)[0] == "sop/closing.md"
    assert "sop/returns.md" not in source_paths(s.answers[Q_RETURNS])


@pytest.mark.parametrize("fault", ["after_copy", "after_document", "before_publish"])
def test_next_run_after_a_kill_completes_and_serves_new_content(
    scenarios: dict[str, Scenario], fault: str
) -> None:
    s = scenarios[fault]
    report = s.recover()
    assert {o.path: o.status for o in report.outcomes} == {
        "sop/closing.md": "added", "sop/opening.md": "updated", "sop/returns.md": "removed",
    }
    assert not list(s.settings.index_dir.glob("gen-*.tmp-*")), "half-built generation left behind"
    answerer = Services(s.settings).answerer
    opening = answerer.answer(Q_OPENING)
    assert opening.found and "八点四十五分" in opening.text
    closing = answerer.answer(Q_CLOSING)
    assert closing.found and closing.passages[0].document.path == "sop/closing.md"
    assert all(p.document.path != "sop/returns.md" for p in answerer.answer(Q_RETURNS).passages)


def test_next_run_after_a_kill_past_publishing_has_nothing_left_to_do(
    scenarios: dict[str, Scenario],
) -> None:
    report = scenarios["after_publish"].recover()
    assert {o.status for o in report.outcomes} == {"unchanged"}
    assert report.embedded_chunks == 0


@pytest.mark.parametrize("fault", ["after_copy", "after_document", "before_publish"])
def test_versions_after_a_killed_run_count_only_published_changes(
    scenarios: dict[str, Scenario], fault: str
) -> None:
    s = scenarios[fault]
    versions = {o.path: o.version for o in s.recover().outcomes if o.status in ("added", "updated")}
    assert versions == {"sop/closing.md": 1, "sop/opening.md": 2}
    assert indexed_documents(s.settings)["sop/opening.md"][0].version == 2
