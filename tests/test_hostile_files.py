"""Hostile and malformed files never crash ingest or hold it up: each one fails on its
own with a one-line reason, within the per-file time limit, and good files beside them
are still indexed. (bench/fuzz_loaders.py runs the same fuzzing for longer.)"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.document import LoadedDocument, LoadError
from ingest.loaders import loader_for
from ingest.loaders.isolated import LoaderProcess
from tests.conftest import run_guidebot
from tests.hostile_files import HOSTILE, mutate, mutate_zip_member, seed_files

GOOD_MD = "# 开店检查\n\n## 开店步骤\n\n1. 九点半到店打开灯光。\n2. 检查收银机备用金是否为五百元。\n"
LOAD_TIMEOUT_S = 5
# These are odd but legitimate: they must load (or fail with a reason), not just "not crash".
MUST_LOAD = {"utf16-no-bom", "utf8-cut-mid-char", "shift-jis-txt"}
# These take a parser far past any sane time; the per-file limit must stop them.
SLOW = {"pdf-many-operators", "html-deep"}


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, int, float]:
    base = tmp_path_factory.mktemp("hostile")
    folder = base / "content"
    folder.mkdir()
    for name, (suffix, build) in HOSTILE.items():
        (folder / f"{name}{suffix}").write_bytes(build())
    (folder / "open_store.md").write_text(GOOD_MD, encoding="utf-8")
    home = base / "home"
    home.mkdir()
    (home / "guidebot.toml").write_text(f"load_timeout_s = {LOAD_TIMEOUT_S}\n", encoding="utf-8")
    started = time.monotonic()
    result = run_guidebot(home, "ingest", str(folder), timeout=300)
    return result.stdout, result.stderr, result.returncode, time.monotonic() - started


def _line(out: str, name: str) -> str:
    lines = [line.strip() for line in out.splitlines() if f" {name}." in line]
    assert len(lines) == 1, f"expected one report line for {name}:\n{out}"
    return lines[0]


def test_hostile_files_fail_one_by_one_and_the_good_file_is_indexed(hostile_run: tuple[str, str, int, float]) -> None:
    out, err, code, _ = hostile_run
    assert code == 0, err
    assert "Traceback" not in out + err
    assert "added     open_store.md" in out
    for name in HOSTILE:
        line = _line(out, name)
        status = line.split()[0]
        if name in MUST_LOAD:
            assert status == "added", line
        else:
            assert status in ("added", "failed"), line
        if status == "failed":
            assert "—" in line and len(line.split("—", 1)[1].strip()) > 5, f"no reason given: {line}"


@pytest.mark.parametrize("name", sorted(SLOW))
def test_a_file_that_stalls_its_parser_is_stopped_at_the_time_limit(
    hostile_run: tuple[str, str, int, float], name: str
) -> None:
    out, *_ = hostile_run
    line = _line(out, name)
    assert line.startswith("failed") and f"took longer than {LOAD_TIMEOUT_S} s" in line


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("docx-bomb-huge", "expands to 314 MB"),
        ("xlsx-bomb-ratio", "expands to"),
        ("pdf-named-docx", "not a valid Word .docx file"),
        ("binary-named-md", "not readable text"),
        ("csv-huge-field", "not a readable CSV file"),
        ("docx-many-entries", "holds 60001 parts"),
        ("docx-deep-tables", "nested too deeply"),
        ("pdf-stream-bomb", "past one of pypdf's safety limits"),
        ("pdf-many-pages", "more than 2000 pages"),
        ("docx-wrong-root", "its main part is malformed"),
        ("docx-zip-version-6.4", "not a valid Word .docx file"),
        ("xlsx-broken-sheet-xml", "sheet 'Sheet' is corrupt"),
    ],
)
def test_hostile_files_get_a_reason_a_person_can_act_on(
    hostile_run: tuple[str, str, int, float], name: str, reason: str
) -> None:
    out, *_ = hostile_run
    line = _line(out, name)
    assert line.startswith("failed") and reason in line, line


def test_a_file_that_needs_too_much_memory_fails_and_the_next_file_still_loads(tmp_path: Path) -> None:
    small = tmp_path / "small.html"
    small.write_text("<h1>开店</h1><p>九点半开灯。</p>", encoding="utf-8")
    big = tmp_path / "big.html"  # 6 MB of paragraphs: several hundred MB as a parse tree
    big.write_bytes(b"<html><body>" + "<p>退货 a</p>".encode() * 400_000 + b"</body></html>")
    loader = LoaderProcess(timeout_s=60, memory_mb=300)
    try:
        assert loader.load(small).blocks
        with pytest.raises(LoadError, match="needs more than 300 MB of memory"):
            loader.load(big)
        assert [b.text for b in loader.load(small).blocks] == ["开店", "九点半开灯。"]
    finally:
        loader.close()


SEEDS = seed_files()
EDITS = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 1 << 20), st.binary(min_size=1, max_size=16)),
    min_size=1, max_size=4,
)


def _load_or_reason(tmp_path: Path, suffix: str, data: bytes) -> None:
    """The loader's contract: a document, or LoadError; nothing else (how fast is
    bench/fuzz_loaders.py's to say, not a timed test's)."""
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    loader = loader_for(path)
    assert loader is not None
    try:
        assert isinstance(loader(path), LoadedDocument)
    except LoadError as exc:
        assert str(exc) and "\n" not in str(exc)


FUZZ = settings(max_examples=40, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(suffix=st.sampled_from(sorted(SEEDS)), edits=EDITS)
def test_mutated_files_load_or_fail_with_a_reason(tmp_path: Path, suffix: str, edits: list[tuple[int, int, bytes]]) -> None:
    _load_or_reason(tmp_path, suffix, mutate(SEEDS[suffix], edits))


@FUZZ
@given(suffix=st.sampled_from([".docx", ".xlsx"]), edits=EDITS, pick=st.integers(0, 20))
def test_zip_formats_with_mutated_xml_load_or_fail_with_a_reason(
    tmp_path: Path, suffix: str, edits: list[tuple[int, int, bytes]], pick: int
) -> None:
    _load_or_reason(tmp_path, suffix, mutate_zip_member(SEEDS[suffix], edits, pick))


@FUZZ
@given(suffix=st.sampled_from(sorted(SEEDS)), data=st.binary(max_size=2048))
def test_arbitrary_bytes_under_any_extension_load_or_fail_with_a_reason(tmp_path: Path, suffix: str, data: bytes) -> None:
    _load_or_reason(tmp_path, suffix, data)
