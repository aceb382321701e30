"""Re-ingest is incremental: unchanged files cost nothing, changed files replace their
old text, deleted files stop answering, and a file that turns bad keeps its last good
version answering."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.service import Services
from bot.settings import Settings
from ingest.pipeline import IngestRun
from ingest.report import IngestReport
from tests.builders import RETURNS_SOP_MD, write_fab_xlsx
from tests.conftest import CountingEmbedder, indexed_documents

OPENING_V1 = """# 开店检查

## 到店时间

值班店员早上九点半到店，先打开灯光和空调。

## 备用金

收银机备用金为五百元，由值班主管当面点清。
"""

OPENING_V2 = OPENING_V1.replace("九点半", "八点四十五分")


class Workspace:
    """A content folder and a HOME, ingested with a counting wrapper around the real embedder."""

    def __init__(self, root: Path, embedder: CountingEmbedder) -> None:
        self.content = root / "content"
        self.settings = Settings(home=root / "home")
        self.embedder = embedder
        (self.content / "sop").mkdir(parents=True)

    def write(self, rel: str, text: str) -> Path:
        path = self.content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def ingest(self) -> IngestReport:
        return IngestRun(self.settings, embedder=self.embedder).run([self.content])

    def ask(self, question: str):  # type: ignore[no-untyped-def]
        return Services(self.settings).answerer.answer(question)

    def all_text(self) -> str:
        return "\n".join(c.text for _, chunks in indexed_documents(self.settings).values() for c in chunks)


@pytest.fixture
def ws(tmp_path: Path, counting_embedder: CountingEmbedder) -> Workspace:
    workspace = Workspace(tmp_path, counting_embedder)
    workspace.write("sop/opening.md", OPENING_V1)
    workspace.write("sop/returns.md", RETURNS_SOP_MD)
    write_fab_xlsx(workspace.content / "fab" / "products.xlsx")
    first = workspace.ingest()
    assert first.counts()["added"] == 3, first.render()
    return workspace


def statuses(report: IngestReport) -> dict[str, str]:
    return {o.path: o.status for o in report.outcomes}


def test_rerun_on_unchanged_files_embeds_nothing_and_reports_unchanged(ws: Workspace) -> None:
    generation_before = (ws.settings.index_dir / "CURRENT").read_text()
    calls_before = ws.embedder.document_calls
    report = ws.ingest()
    assert ws.embedder.document_calls == calls_before
    assert report.embedded_chunks == 0
    assert set(statuses(report).values()) == {"unchanged"}
    assert report.generation is None
    assert "index unchanged" in report.render()
    assert (ws.settings.index_dir / "CURRENT").read_text() == generation_before


def test_changed_file_is_updated_and_only_its_old_text_disappears(ws: Workspace) -> None:
    before = ws.ask("早上几点到店")
    assert before.found and "九点半" in before.text

    ws.write("sop/opening.md", OPENING_V2)
    report = ws.ingest()
    assert statuses(report) == {
        "sop/opening.md": "updated", "sop/returns.md": "unchanged", "fab/products.xlsx": "unchanged",
    }
    after = ws.ask("早上几点到店")
    assert after.found and "八点四十五分" in after.text
    assert all("九点半" not in p.chunk.text for p in after.passages)
    assert "九点半" not in ws.all_text()


def test_changed_file_reembeds_only_its_changed_passages(ws: Workspace) -> None:
    ws.write("sop/opening.md", OPENING_V2)
    before = len(ws.embedder.texts)
    report = ws.ingest()
    # one of the two sections changed: one passage embedded, none duplicated (the other
    # texts embedded are single new words, kept for the "found" decision)
    assert report.embedded_chunks == 1
    passages = [t for t in ws.embedder.texts[before:] if "\n" in t]
    assert len(passages) == 1
    record, chunks = indexed_documents(ws.settings)["sop/opening.md"]
    assert record.chunk_count == len(chunks) == 2


def test_deleted_file_is_removed_and_no_longer_answers(ws: Workspace) -> None:
    assert ws.ask("云朵空气净化器多少钱").found
    (ws.content / "fab" / "products.xlsx").unlink()
    report = ws.ingest()
    assert statuses(report)["fab/products.xlsx"] == "removed"
    assert "removed   fab/products.xlsx" in report.render()
    answer = ws.ask("云朵空气净化器多少钱")
    assert all(p.document.path != "fab/products.xlsx" for p in answer.passages)
    assert "2999" not in answer.text
    assert "云朵空气净化器" not in ws.all_text()


def test_file_that_turns_corrupt_fails_and_its_last_version_keeps_answering(ws: Workspace) -> None:
    (ws.content / "fab" / "products.xlsx").write_bytes(b"PK\x03\x04 this zip was cut off")
    report = ws.ingest()
    outcome = next(o for o in report.outcomes if o.path == "fab/products.xlsx")
    assert outcome.status == "failed"
    assert "not a valid Excel .xlsx file" in (outcome.reason or "")
    assert "version 1 is still answering" in (outcome.reason or "")
    answer = ws.ask("云朵空气净化器多少钱")
    assert answer.found
    assert answer.passages[0].document.path == "fab/products.xlsx"
    assert "2999元" in answer.text


def test_versions_count_up_with_each_change(ws: Workspace) -> None:
    versions = [indexed_documents(ws.settings)["sop/opening.md"][0].version]
    for text in (OPENING_V2, OPENING_V1):
        ws.write("sop/opening.md", text)
        report = ws.ingest()
        outcome = next(o for o in report.outcomes if o.path == "sop/opening.md")
        versions.append(outcome.version)
        assert f"(sop, 2 chunks, v{outcome.version})" in report.render()
    assert versions == [1, 2, 3]
    assert indexed_documents(ws.settings)["sop/opening.md"][0].version == 3


def test_renamed_file_moves_its_content_without_duplicates(ws: Workspace) -> None:
    (ws.content / "sop" / "opening.md").rename(ws.content / "sop" / "store_opening.md")
    report = ws.ingest()
    assert statuses(report)["sop/opening.md"] == "removed"
    assert statuses(report)["sop/store_opening.md"] == "added"
    answer = ws.ask("早上几点到店")
    assert answer.passages[0].document.path == "sop/store_opening.md"
    assert ws.all_text().count("值班店员早上九点半到店") == 1


def test_file_outside_the_ingested_folder_is_kept(ws: Workspace) -> None:
    """Ingesting one folder does not delete what came from another."""
    other = ws.content.parent / "extra" / "sop"
    other.mkdir(parents=True)
    (other / "closing.md").write_text("# 闭店\n\n## 关门\n\n晚上十点关闭卷帘门并设防。\n", encoding="utf-8")
    report = IngestRun(ws.settings, embedder=ws.embedder).run([other])
    assert statuses(report) == {"closing.md": "added"}
    paths = set(indexed_documents(ws.settings))
    assert {"sop/opening.md", "fab/products.xlsx", "closing.md"} <= paths
