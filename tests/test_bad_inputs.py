"""Bad files get a clear reason of their own; they never stop the run or take good
content with them, and the command's exit code says whether anything could be done."""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfWriter

from bot.cli import main
from bot.service import Services
from bot.settings import Settings
from ingest.pipeline import ingest
from ingest.report import FileOutcome
from tests.builders import write_pdf
from tests.conftest import run_guidebot

GOOD_MD = "# 开店检查\n\n## 开店步骤\n\n1. 九点半到店打开灯光。\n2. 检查收银机备用金是否为五百元。\n"


def make_bad_files(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "empty.md").write_bytes(b"")
    (folder / "blank.txt").write_bytes(b"  \r\n\r\n \t\n")
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog garbage\n%%EOF\n")
    plain = write_pdf(folder.parent / "plain-source.pdf", ["保密文件", "第一条：不得外传。"], title="保密")
    writer = PdfWriter(clone_from=str(plain))
    writer.encrypt(user_password="s3cret", owner_password="owner", algorithm="RC4-128")
    writer.write(str(folder / "encrypted.pdf"))
    (folder / "garbage.txt").write_bytes(random.Random(7).randbytes(6000))
    workbook = openpyxl.Workbook()
    for i in range(1, 8):
        workbook.active.append([i, i * 2.5, i * 100])
    workbook.save(folder / "numbers.xlsx")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(200))
    (folder / "huge.md").write_text("# 大文件\n\n" + "这是一段很长的培训内容。" * 60_000, encoding="utf-8")
    (folder / "renamed.docx").write_text("这其实是一个改了扩展名的文本文件。", encoding="utf-8")


def home_with_small_size_limit(home: Path) -> Path:
    """A HOME whose config file sets the size limit below huge.md (about 2 MB)."""
    home.mkdir(parents=True)
    (home / "guidebot.toml").write_text("max_file_mb = 0.5\n", encoding="utf-8")
    return home


@dataclass
class MixedRun:
    exit_code: int
    out: str
    err: str
    settings: Settings
    folder: Path


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory: pytest.TempPathFactory) -> MixedRun:
    """One `guidebot ingest` over a folder of bad files and one good file, plus a PATH
    that does not exist (run as a real process, the way a content owner runs it)."""
    base = tmp_path_factory.mktemp("bad")
    folder = base / "sop"
    make_bad_files(folder)
    (folder / "open_store.md").write_text(GOOD_MD, encoding="utf-8")
    home = home_with_small_size_limit(base / "home")
    result = run_guidebot(home, "ingest", str(folder), str(base / "no-such-folder"))
    return MixedRun(result.returncode, result.stdout, result.stderr, Settings(home=home), folder)


def report_line(run: MixedRun, name: str) -> str:
    lines = [line for line in run.out.splitlines() if name in line.split("  —")[0]]
    assert len(lines) == 1, f"expected one report line for {name}:\n{run.out}"
    return lines[0]


def test_run_with_some_bad_files_exits_zero_without_traceback(mixed_run: MixedRun) -> None:
    assert mixed_run.exit_code == 0, mixed_run.err
    assert "Traceback" not in mixed_run.out + mixed_run.err
    assert "added     open_store.md" in mixed_run.out
    summary = [line for line in mixed_run.out.splitlines() if line.startswith("Ingest: ")]
    assert summary == [summary[0]] and summary[0].startswith("Ingest: 1 added, 9 failed, 1 skipped")


@pytest.mark.parametrize(
    ("name", "status", "reason"),
    [
        ("empty.md", "failed", "the file is empty"),
        ("blank.txt", "failed", "the file is empty"),
        ("corrupt.pdf", "failed", "corrupt or unreadable PDF"),
        ("encrypted.pdf", "failed", "encrypted"),
        ("garbage.txt", "failed", "not readable text"),
        ("numbers.xlsx", "failed", "no recognisable header row"),
        ("photo.jpg", "skipped", "unsupported file type '.jpg'"),
        ("huge.md", "failed", "over the 0.5 MB limit"),
        ("renamed.docx", "failed", "not a valid Word .docx file"),
        ("no-such-folder", "failed", "path not found"),
    ],
)
def test_each_bad_input_is_reported_with_its_own_reason(
    mixed_run: MixedRun, name: str, status: str, reason: str
) -> None:
    line = report_line(mixed_run, name)
    assert line.split()[0] == status
    assert reason in line


def test_good_file_beside_bad_ones_answers(mixed_run: MixedRun) -> None:
    answer = Services(mixed_run.settings).answerer.answer("开店备用金要多少")
    assert answer.found
    assert answer.passages[0].document.path == "open_store.md"
    assert "五百元" in answer.text


def test_nothing_usable_exits_non_zero_with_reasons(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "only-bad"
    make_bad_files(folder)
    home = home_with_small_size_limit(tmp_path / "home")
    code = main(["--home", str(home), "ingest", str(folder)])
    out, err = capsys.readouterr()
    assert code != 0, out
    assert "Traceback" not in out + err
    assert "over the 0.5 MB limit" in out
    assert "no recognisable header row" in out and "the file is empty" in out


def test_missing_path_alone_exits_non_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--home", str(tmp_path / "home"), "ingest", str(tmp_path / "typo")])
    out, err = capsys.readouterr()
    assert code != 0
    assert "path not found" in out
    assert "Traceback" not in out + err


def test_only_unsupported_files_are_skipped_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "pics"
    folder.mkdir()
    (folder / "shelf.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    code = main(["--home", str(tmp_path / "home"), "ingest", "--json", str(folder)])
    out, _ = capsys.readouterr()
    report = json.loads(out)
    assert code != 0
    assert report["files"] == [
        {**FileOutcome("shelf.png", "skipped").__dict__, "reason": "unsupported file type '.png'"}
    ]


def test_hidden_and_office_lock_files_are_ignored(tmp_path: Path, real_embedder) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "sop"
    folder.mkdir()
    (folder / "open_store.md").write_text(GOOD_MD, encoding="utf-8")
    (folder / "~$open_store.docx").write_bytes(os.urandom(162))
    (folder / ".DS_Store").write_bytes(os.urandom(64))
    report = ingest(Settings(home=tmp_path / "home"), [folder], embedder=real_embedder)
    assert [(o.path, o.status) for o in report.outcomes] == [("open_store.md", "added")]


@pytest.mark.parametrize(("config", "named"), [
    ("top_kk = 3\n", "'top_kk' in guidebot.toml (did you mean 'top_k'?)"),
    ("[found_weights]\ndense_bst = 1.0\n", "'dense_bst' in found_weights (did you mean 'dense_best'?)"),
])
def test_a_misspelt_setting_is_refused_in_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], config: str, named: str
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "guidebot.toml").write_text(config, encoding="utf-8")
    assert main(["--home", str(home), "ask", "退货要几天"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and named in err and "Traceback" not in err


def test_found_weights_given_override_only_themselves(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "guidebot.toml").write_text("[found_weights]\ndense = 2.5\n", encoding="utf-8")
    weights = Settings(home=home).found_weights
    defaults = Settings.model_fields["found_weights"].default
    assert weights == {**defaults, "dense": 2.5}
