"""Readers across index generations: publishing new content never fails, degrades or
crashes a question in flight, and a replaced generation is closed once nobody uses it."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from bot.service import Services
from bot.settings import Settings
from ingest.embedder import Embedder
from ingest.index import IndexReader
from ingest.pipeline import ingest
from tests.conftest import REPO
from tests.servers import chroma_server

OPENING = "# 开店检查\n\n## 到店时间\n\n值班店员早上九点半到店，先打开灯光和空调。\n"


def _closing(i: int) -> str:
    return f"# 闭店检查\n\n## 关门\n\n晚上十点整关闭卷帘门，第{i}版。\n"


def _content(tmp_path: Path) -> Path:
    sop = tmp_path / "content" / "sop"
    sop.mkdir(parents=True)
    (sop / "opening.md").write_text(OPENING, encoding="utf-8")
    return sop.parent


def _deleted_files_open(under: Path) -> list[str]:
    links = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            links.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:  # the listing's own descriptor
            continue
    return [link for link in links if link.startswith(str(under)) and link.endswith("(deleted)")]


def test_a_question_keeps_its_generation_while_a_newer_one_is_published(
    tmp_path: Path, real_embedder: Embedder
) -> None:
    content = _content(tmp_path)
    settings = Settings(home=tmp_path / "home")
    ingest(settings, [content], embedder=real_embedder)
    reader = IndexReader(settings)
    first = reader.generation
    opening = next(iter(reader.documents().values()))
    ids = [c.id for c in reader.document_chunks(opening.doc_key)]

    with reader.pinned():
        assert reader.generation == first
        (content / "sop" / "opening.md").write_text(OPENING.replace("九点半", "九点"), encoding="utf-8")
        assert ingest(settings, [content], embedder=real_embedder).counts()["updated"] == 1
        seen_elsewhere: list[str | None] = []
        other = threading.Thread(target=lambda: seen_elsewhere.append(reader.generation))
        other.start()
        other.join()
        assert seen_elsewhere != [first], "a question started now reads the new generation"
        # the pinned question still reads the generation it started on, stores open
        assert reader.generation == first
        assert "九点半" in reader.chunks(ids)[ids[0]][0].text
        assert len(reader.dense(real_embedder.embed_query("几点到店"), 3)["zh"]) == 1
        assert not reader.degraded
    assert reader.generation != first
    assert "九点半" not in "".join(c.text for c, _ in reader.chunks(
        [c.id for c in reader.document_chunks(opening.doc_key)]).values())
    reader.close()


def test_replaced_generations_are_closed_once_unused(tmp_path: Path, real_embedder: Embedder) -> None:
    content = _content(tmp_path)
    settings = Settings(home=tmp_path / "home")
    ingest(settings, [content], embedder=real_embedder)
    answerer = Services(settings).answerer
    for i in range(6):
        (content / "sop" / "closing.md").write_text(_closing(i), encoding="utf-8")
        ingest(settings, [content], embedder=real_embedder)
        answer = answerer.answer("晚上几点关卷帘门")
        assert answer.found and f"第{i}版" in answer.text
    # pruned generation folders are not held open by the long-lived reader
    assert _deleted_files_open(settings.home) == []
    answerer.retriever.reader.close()


STRESS = textwrap.dedent(
    """
    import json, sys, threading
    from pathlib import Path
    from bot.service import Services
    from bot.settings import Settings
    from ingest.pipeline import ingest

    home, content, rounds = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    services = Services(Settings(home=home))
    answerer, reader = services.answerer, services.reader
    stop, failures, answered = threading.Event(), [], [0]

    def ask():
        while not stop.is_set():
            try:
                answer = answerer.answer("早上几点到店")
                if not answer.found or "九点半" not in answer.text or reader.degraded:
                    failures.append(f"degraded: {answer.found} {answer.text[:40]!r}")
            except Exception as exc:
                failures.append(repr(exc)[:200])
            answered[0] += 1

    askers = [threading.Thread(target=ask) for _ in range(8)]
    for thread in askers:
        thread.start()
    for i in range(rounds):
        (content / "sop" / "closing.md").write_text(
            f"# 闭店检查\\n\\n## 关门\\n\\n晚上十点整关闭卷帘门，第{i}版。\\n", encoding="utf-8")
        ingest(services.settings, [content], embedder=services.embedder)
    stop.set()
    for thread in askers:
        thread.join()
    print(json.dumps({"answered": answered[0], "failures": failures[:5], "failed": len(failures)}))
    """
)


@pytest.mark.parametrize("mode", ["embedded", "server"])
def test_answers_never_fail_while_generations_are_published_in_a_loop(
    mode: str, tmp_path: Path, real_embedder: Embedder
) -> None:
    with contextlib.ExitStack() as stack:
        env = dict(os.environ)
        if mode == "server":
            host, port = stack.enter_context(chroma_server(tmp_path))
            env.update(GUIDEBOT_CHROMA_MODE="http", GUIDEBOT_CHROMA_HOST=host, GUIDEBOT_CHROMA_PORT=str(port))
        content = _content(tmp_path)
        settings = Settings(home=tmp_path / "home", chroma_mode=env.get("GUIDEBOT_CHROMA_MODE", "embedded"),
                            chroma_port=int(env.get("GUIDEBOT_CHROMA_PORT", "8001")))
        ingest(settings, [content], embedder=real_embedder)
        script = tmp_path / "stress.py"
        script.write_text(STRESS, encoding="utf-8")
        # its own process: a crash in Chroma or SQLite shows as an exit code, not a dead suite
        run = subprocess.run(
            [sys.executable, str(script), str(settings.home), str(content), "12"],
            cwd=REPO, env=env, capture_output=True, text=True, encoding="utf-8", timeout=560, check=False,
        )
    assert run.returncode == 0, (run.returncode, run.stderr[-2000:])
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["failed"] == 0, result
    assert result["answered"] > 0
