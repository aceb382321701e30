"""The command-line contracts of DESIGN.md that other tools rely on."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from tests.conftest import REPO, Corpus, guidebot_command, run_guidebot

CONTRACT_KEYS = {"question", "found", "answer", "sources"}
SOURCE_KEYS = {"path", "title", "section", "text", "score"}


def ask_json(corpus: Corpus, capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    code = main(["--home", str(corpus.home), "ask", "--json", *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


def assert_contract(obj: dict[str, Any]) -> None:
    assert set(obj) == CONTRACT_KEYS
    assert isinstance(obj["question"], str)
    assert isinstance(obj["found"], bool)
    assert isinstance(obj["answer"], str) and obj["answer"]
    assert isinstance(obj["sources"], list)
    for source in obj["sources"]:
        assert set(source) == SOURCE_KEYS
        assert isinstance(source["path"], str) and source["path"]
        assert isinstance(source["title"], str) and source["title"]
        assert source["section"] is None or isinstance(source["section"], str)
        assert isinstance(source["text"], str) and source["text"]
        assert isinstance(source["score"], float)
        assert not Path(source["path"]).is_absolute()
    scores = [s["score"] for s in obj["sources"]]
    assert scores == sorted(scores, reverse=True), "sources are not best first"


def test_ask_json_prints_exactly_one_contract_object(corpus: Corpus, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--home", str(corpus.home), "ask", "--json", "云朵空气净化器多少钱"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert out.endswith("\n") and out.count("\n") == 1, "more than one line on stdout"
    obj = json.loads(out)
    assert_contract(obj)
    assert obj["question"] == "云朵空气净化器多少钱"
    assert obj["found"] is True
    assert 1 <= len(obj["sources"]) <= 5


def test_source_paths_are_relative_to_the_ingested_directory(
    corpus: Corpus, capsys: pytest.CaptureFixture[str]
) -> None:
    # knowledge/ and sop/ were ingested as two PATHs
    (price,) = ask_json(corpus, capsys, "云朵空气净化器多少钱")
    (steps,) = ask_json(corpus, capsys, "退货怎么操作")
    assert price["sources"][0]["path"] == "fab/主推产品FAB.xlsx"
    assert steps["sources"][0]["path"] == "returns.md"
    assert (corpus.root / "knowledge" / price["sources"][0]["path"]).is_file()


def test_source_text_is_the_passage_the_answer_stands_on(
    corpus: Corpus, capsys: pytest.CaptureFixture[str]
) -> None:
    (obj,) = ask_json(corpus, capsys, "退货怎么操作")
    body = obj["answer"].split("\n来源：")[0].removesuffix(" [1]")
    passage = obj["sources"][0]["text"]
    for line in body.splitlines():
        assert line in passage.splitlines()
    assert obj["sources"][0]["section"] == "二、退货操作步骤"
    assert obj["sources"][0]["title"] == "门店退换货处理流程"


def test_batch_prints_one_object_per_question_in_order(
    corpus: Corpus, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    questions = [
        "云朵空气净化器多少钱",
        "What is the price of the Lumora sunrise alarm clock?",
        "火星上的门店几点开门",
        "退货怎么操作",
        "香港门店收不收人民币现金",
    ]
    batch = tmp_path / "questions.txt"
    batch.write_text("\n".join(questions) + "\n", encoding="utf-8")
    objects = ask_json(corpus, capsys, "--batch", str(batch))
    assert [o["question"] for o in objects] == questions
    for obj in objects:
        assert_contract(obj)
    answered = [o for o in objects if o["question"] != "火星上的门店几点开门"]
    assert all(o["found"] for o in answered)
    assert "Price: 599" in objects[1]["answer"]
    assert objects[1]["sources"][0]["path"] == "fab/imported_en.csv"


def test_batch_file_saved_with_a_byte_order_mark_echoes_clean_questions(
    corpus: Corpus, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    batch = tmp_path / "notepad.txt"
    batch.write_bytes("\ufeff退货怎么操作\r\n盘点什么时候\r\n".encode())
    objects = ask_json(corpus, capsys, "--batch", str(batch))
    assert [o["question"] for o in objects] == ["退货怎么操作", "盘点什么时候"]


def test_console_script_reads_batch_from_stdin(corpus: Corpus) -> None:
    result = subprocess.run(
        [*guidebot_command(), "--home", str(corpus.home), "ask", "--json", "--batch", "-"],
        input="盘点什么时候\nHow do I process a customer return?\n", capture_output=True,
        text=True, encoding="utf-8", cwd=REPO, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["question"] for o in objects] == ["盘点什么时候", "How do I process a customer return?"]
    for obj in objects:
        assert_contract(obj)


@pytest.mark.parametrize(
    ("question", "decline"),
    [
        ("公司年会在哪里举办", "抱歉，知识库里没有找到能回答这个问题的内容"),
        ("Who won the football world cup in 2022?", "Sorry, the knowledge base has nothing that answers this"),
    ],
)
def test_question_without_answer_is_declined_plainly(
    corpus: Corpus, capsys: pytest.CaptureFixture[str], question: str, decline: str
) -> None:
    (obj,) = ask_json(corpus, capsys, question)
    assert_contract(obj)
    assert obj["found"] is False
    assert obj["answer"].startswith(decline)
    assert "[1]" not in obj["answer"], "a declined answer cites nothing"


def test_home_from_environment_works_like_the_option(
    corpus: Corpus, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUIDEBOT_HOME", str(corpus.home))
    assert main(["ask", "--json", "盘点什么时候"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["found"] and obj["sources"][0]["path"] == "stocktake_gb18030.txt"


def test_ask_before_any_ingest_is_a_one_line_error(tmp_path: Path) -> None:
    result = run_guidebot(tmp_path / "fresh-home", "ask", "--json", "退货怎么操作")
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("guidebot: error:")
    assert "guidebot ingest" in lines[0]


def test_ask_without_a_question_is_a_one_line_error(corpus: Corpus, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--home", str(corpus.home), "ask", "--json"])
    out, err = capsys.readouterr()
    assert code != 0 and out == ""
    assert err.strip() == "guidebot: error: ask needs a question, or --batch FILE"


GOLDEN = [
    {"question": "云朵空气净化器多少钱", "path": "fab/主推产品FAB.xlsx", "contains": ["2999"]},
    {"question": "退货怎么操作", "path": "returns.md", "contains": ["原路退款"]},
    # path given with its folder, text given in simplified characters
    {"question": "香港门店收不收人民币现金", "path": "sop/香港門市收款.txt", "contains": ["人民币现金"]},
    {"question": "盘点什么时候", "path": "stocktake_gb18030.txt", "contains": ["最后一个周日"]},
    {"question": "火星上的门店几点开门", "path": None},
    {"question": "公司年会在哪里举办", "path": None},
]


def write_golden(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    return path


def test_eval_prints_recall_mrr_and_no_answer_precision(
    corpus: Corpus, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    golden = write_golden(tmp_path / "golden.jsonl", GOLDEN)
    assert main(["--home", str(corpus.home), "eval", str(golden)]) == 0
    out = capsys.readouterr().out
    assert "questions: 6 (4 answerable, 2 without an answer)" in out
    assert "Recall@1: 100.0%" in out
    assert "Recall@5: 100.0%" in out
    assert "MRR@10: 1.000" in out
    assert "no-answer precision: 100.0%" in out


def test_eval_counts_a_miss(corpus: Corpus, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    wrong = dict(GOLDEN[0], contains=["这句话不在任何文档里"])
    golden = write_golden(tmp_path / "golden.jsonl", [wrong, *GOLDEN[1:]])
    assert main(["--home", str(corpus.home), "eval", "--json", str(golden)]) == 0
    metric = json.loads(capsys.readouterr().out)
    assert metric["recall@1"] == pytest.approx(0.75)
    assert metric["recall@5"] == pytest.approx(0.75)
    assert metric["mrr"] == pytest.approx(0.75)
    assert metric["no_answer_precision"] == pytest.approx(1.0)


def test_eval_with_a_broken_golden_line_is_a_one_line_error(
    corpus: Corpus, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    golden = tmp_path / "golden.jsonl"
    golden.write_text('{"question": "退货怎么操作", "path": "returns.md"}\nnot json\n', encoding="utf-8")
    code = main(["--home", str(corpus.home), "eval", str(golden)])
    out, err = capsys.readouterr()
    assert code != 0 and out == ""
    assert err.strip() == f"guidebot: error: {golden}:2: expected a JSON object with a 'question'"
