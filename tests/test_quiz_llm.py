"""LLM-written questions (LangChain fake chat models stand in for the provider): a
question is kept only when the passage it cites supports the keyed answer."""

from __future__ import annotations

import json
import re
from pathlib import Path

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from bot.quiz.bank import add_imported, bank, refresh_generated
from bot.quiz.llm_questions import draft_question, llm_questions
from bot.quiz.model import QuizQuestion
from bot.service import Services
from bot.settings import Settings
from ingest.db import session_factory
from ingest.lexical import ChunkRecord, DocumentRecord
from tests.conftest import Corpus


def _policy_chunk(services: Services) -> tuple[ChunkRecord, DocumentRecord]:
    reader = services.reader
    for document in reader.documents().values():
        for chunk in reader.document_chunks(document.doc_key):
            if "七天内可无理由退货" in chunk.text:
                return chunk, document
    raise AssertionError("the returns SOP is in the test corpus")


def _model(*replies: dict | str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter(
        AIMessage(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) for r in replies))


GOOD = {"stem": "顾客签收后几天内可以无理由退货？", "options": ["三天", "七天", "十五天", "三十天"],
        "answer_index": 1, "explanation": "政策要点：签收后七天内。",
        "evidence": "顾客签收后七天内可无理由退货，商品和配件必须齐全。"}


def test_a_supported_question_is_kept_with_its_source(services: Services) -> None:
    chunk, document = _policy_chunk(services)
    made = draft_question(_model("好的，题目如下：\n" + json.dumps(GOOD, ensure_ascii=False)), chunk, document, document.path)
    assert isinstance(made, QuizQuestion)
    assert made.origin == "llm" and made.correct_option == "七天"
    assert made.source_chunk_ids == [chunk.id] and made.source_path == document.path and made.source_hash


def test_unsupported_or_malformed_questions_are_dropped(services: Services) -> None:
    chunk, document = _policy_chunk(services)
    cases = {
        "evidence is not in the passage": {**GOOD, "evidence": "顾客签收后三十天内可无理由退货。"},
        "the evidence does not contain the keyed answer": {**GOOD, "answer_index": 3},
        "a wrong option is stated in the evidence too": {**GOOD, "options": ["七天", "七天内", "十五天", "三十天"], "answer_index": 0},
        "options repeat": {**GOOD, "options": ["七天", "七天", "十五天", "三十天"]},
        "no JSON in the reply": "抱歉，我无法生成题目。",
        "reply is not the asked JSON": {"question": "?"},
    }
    for reason, reply in cases.items():
        assert draft_question(_model(reply), chunk, document, document.path) == reason


class QuotingModel(GenericFakeChatModel):
    """Stands in for a provider: writes a question on the passage it was sent, keyed
    on the passage's first sentence; every second reply cites a sentence it made up."""

    calls: int = 0

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):  # type: ignore[no-untyped-def]
        from langchain_core.outputs import ChatGeneration, ChatResult

        self.calls += 1
        passage = str(messages[-1].content).split("<<<\n", 1)[1].split("\n>>>", 1)[0]
        sentence = next(s for s in re.split(r"(?<=[。.!?！？])\s*|\n", passage) if len(s) >= 6)
        evidence = sentence if self.calls % 2 else sentence + "（编造）"
        reply = {"stem": "下列哪一项是文中说的？", "options": [sentence[:20], "错误甲", "错误乙", "错误丙"],
                 "answer_index": 0, "explanation": "", "evidence": evidence}
        return ChatResult(generations=[ChatGeneration(message=AIMessage(json.dumps(reply, ensure_ascii=False)))])


def test_llm_generation_keeps_supported_questions_and_retires_them_when_the_passage_changes(
        corpus: Corpus, services: Services, tmp_path: Path) -> None:
    questions, report = llm_questions(QuotingModel(messages=iter([])), services.reader, limit=6)
    assert (report.asked, report.kept, report.rejected) == (6, 3, 3)
    assert len({q.source_chunk_ids[0] for q in questions}) == 3
    settings = Settings(home=corpus.home, database_url=f"sqlite:///{tmp_path / 'bot.db'}")
    stale = QuizQuestion(**{**questions[0].__dict__, "stem": "旧版本的题目？", "source_hash": "0" * 40})
    sessions = session_factory(settings.db_url)
    with sessions.begin() as session:
        add_imported(session, [*questions, stale])
    refresh_generated(settings)
    with sessions() as session:
        status = {r.stem: r.status for r in bank(session) if r.origin == "llm"}
    assert status.pop("旧版本的题目？") == "retired", "its passage no longer has that text"
    assert set(status.values()) == {"active"}
