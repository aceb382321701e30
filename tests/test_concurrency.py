"""Several processes share one index: two `guidebot ingest` runs started together and a
bot-like reader asking questions the whole time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.service import Services
from bot.settings import Settings
from ingest.embedder import Embedder
from ingest.pipeline import ingest
from tests.builders import build_corpus
from tests.conftest import REPO, indexed_documents

OPENING = "# 开店检查\n\n## 到店时间\n\n值班店员早上九点半到店，先打开灯光和空调。\n"
CLOSING = "# 闭店检查\n\n## 关门\n\n晚上十点整关闭卷帘门，并打开防盗报警器。\n"

READER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from bot.service import Services
    from bot.settings import Settings

    settings = Settings(home=Path(sys.argv[1]))
    stop, log = Path(sys.argv[2]), open(sys.argv[3], "a", encoding="utf-8")
    long_lived = Services(settings).answerer      # like the bot: one for the whole run
    i = 0
    while not stop.exists():
        # every other pair of questions from a freshly opened reader, like a new `ask` process
        answerer = long_lived if (i // 2) % 2 == 0 else Services(settings).answerer
        question = ["早上几点到店", "晚上几点关卷帘门"][i % 2]
        log.write(json.dumps(answerer.answer(question).to_json(), ensure_ascii=False) + "\\n")
        log.flush()
        i += 1
        time.sleep(0.05)
    """
)


# `guidebot ingest` exactly as the console script runs it, except that the process first
# finishes its imports and then waits for a starting signal: under a loaded machine two
# cold starts can be seconds apart, and the test is about two writers meeting at the lock.
WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from bot.cli import main
    import ingest.pipeline  # noqa: F401  (what `ingest` imports, loaded before the start)

    go = Path(sys.argv[1])
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.01)
    sys.exit(main(sys.argv[2:]))
    """
)


def _wait_for(log: Path, text: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if log.exists() and text in log.read_text(encoding="utf-8"):
            return True
        time.sleep(0.1)
    return False


def _popen(args: list[str], stdout: int = subprocess.PIPE) -> subprocess.Popen[str]:
    return subprocess.Popen(
        args, cwd=REPO, env=dict(os.environ), stdout=stdout, stderr=subprocess.PIPE,
        text=True, encoding="utf-8",
    )


def test_two_ingests_and_a_reader_share_one_home(tmp_path: Path, real_embedder: Embedder) -> None:
    base = tmp_path / "base" / "sop"
    base.mkdir(parents=True)
    (base / "opening.md").write_text(OPENING, encoding="utf-8")
    settings = Settings(home=tmp_path / "home")
    assert ingest(settings, [base.parent], embedder=real_embedder).counts()["added"] == 1
    first_generation = (settings.index_dir / "CURRENT").read_text()

    # two content folders, each big enough that its writer holds the lock for a while
    corpus = build_corpus(tmp_path / "corpus")
    extra = tmp_path / "extra" / "sop"
    extra.mkdir(parents=True)
    (extra / "closing.md").write_text(CLOSING, encoding="utf-8")

    script = tmp_path / "reader.py"
    script.write_text(READER, encoding="utf-8")
    stop, log = tmp_path / "stop", tmp_path / "answers.jsonl"
    reader = _popen([sys.executable, str(script), str(settings.home), str(stop), str(log)],
                    stdout=subprocess.DEVNULL)
    warm = _wait_for(log, "九点半", 120)  # the reader is up and answering before writers start
    assert warm, reader.poll() is not None and reader.communicate()[1]

    writer_script, go = tmp_path / "writer.py", tmp_path / "go"
    writer_script.write_text(WRITER, encoding="utf-8")
    command = [sys.executable, str(writer_script), str(go), "--home", str(settings.home), "ingest"]
    writers = [_popen([*command, str(corpus)]), _popen([*command, str(extra.parent)])]
    for writer in writers:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
    go.touch()  # both start at once
    results = [w.communicate(timeout=240) for w in writers]

    _wait_for(log, "晚上十点整", 60)  # let the reader see the final generation
    stop.touch()
    _, reader_err = reader.communicate(timeout=60)
    lines = log.read_text(encoding="utf-8").splitlines()

    for writer, (out, err) in zip(writers, results, strict=True):
        assert writer.returncode == 0, err
        assert "Traceback" not in out + err
    waited = [err for _, err in results if "Another process is updating the index" in err]
    assert len(waited) == 1, [err for _, err in results]
    assert "waiting" in waited[0]

    assert reader.returncode == 0, reader_err
    assert "Traceback" not in reader_err
    answers = [json.loads(line) for line in lines]
    assert len(answers) >= 10
    for answer in answers:
        if answer["question"] == "早上几点到店":
            assert answer["found"] and "九点半" in answer["answer"], answer
    assert any("晚上十点整" in a["answer"] for a in answers), "the reader never saw new content"

    final = Services(settings).answerer
    assert "九点半" in final.answer("早上几点到店").text
    assert final.answer("晚上几点关卷帘门").passages[0].document.path == "sop/closing.md"
    price = final.answer("云朵空气净化器多少钱")
    assert price.found and "2999元" in price.text
    documents = indexed_documents(settings)
    assert {"sop/opening.md", "sop/closing.md", "sop/returns.md", "knowledge/fab/主推产品FAB.xlsx"} <= set(documents)
    # each writer published its own generation on top of the other's
    assert first_generation == "gen-000001"
    assert (settings.index_dir / "CURRENT").read_text() == "gen-000003"
    assert not list(settings.index_dir.glob("gen-*.tmp-*"))


def test_ingest_gives_up_with_one_clear_line_when_the_index_stays_busy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    (home / "index").mkdir(parents=True)
    (home / "guidebot.toml").write_text("lock_timeout_s = 1\n", encoding="utf-8")
    content = tmp_path / "sop"
    content.mkdir()
    (content / "closing.md").write_text(CLOSING, encoding="utf-8")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(home / "index" / "write.lock")],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        code = main(["--home", str(home), "ingest", str(content)])
    finally:
        holder.kill()
        holder.wait()
    out, err = capsys.readouterr()
    assert code != 0
    assert "Traceback" not in out + err
    assert "Another process is updating the index" in err and "waiting up to 1 s" in err
    assert err.strip().splitlines()[-1] == (
        "guidebot: error: the index is still being updated by another process "
        "(unknown process); try again later"
    )
    assert not (home / "index" / "CURRENT").exists()


HOLD_LOCK = """
import sys, time
from filelock import FileLock
lock = FileLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
time.sleep(120)
"""
