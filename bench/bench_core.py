"""Core benchmark (not a test): ingest throughput, warm `ask` latency, re-ingest time.

    .venv/bin/python bench/bench_core.py [--content knowledge sop] [--queries eval/questions.jsonl]

Builds a fresh index in a temporary HOME, ingests the content, re-ingests it unchanged,
then answers every question of the golden set twice (the first pass warms the process)
and reports the second pass's latency percentiles.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.timing import percentile, warm_latencies  # noqa: E402
from bot.evaluate import load_golden  # noqa: E402
from bot.service import Services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from ingest.pipeline import ingest  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--content", nargs="+", type=Path, default=[Path("knowledge"), Path("sop")])
    parser.add_argument("--queries", type=Path, default=Path("eval/questions.jsonl"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home))
        start = time.perf_counter()
        first = ingest(settings, args.content)
        ingest_s = time.perf_counter() - start
        files = first.counts()["added"]
        chunks = sum(o.chunks for o in first.outcomes if o.status == "added")
        start = time.perf_counter()
        again = ingest(settings, args.content)
        reingest_s = time.perf_counter() - start
        questions = [q.question for q in load_golden(args.queries)]
        latencies = warm_latencies(Services(settings).answerer, questions)
    result = {
        "files": files,
        "chunks": chunks,
        "ingest_s": round(ingest_s, 2),
        "docs_per_s": round(files / ingest_s, 2),
        "chunks_per_s": round(chunks / ingest_s, 1),
        "reingest_unchanged_s": round(reingest_s, 3),
        "reingest_embedded_chunks": again.embedded_chunks,
        "questions": len(questions),
        "ask_ms_p50": round(statistics.median(latencies), 1),
        "ask_ms_p95": round(percentile(latencies, 95), 1),
        "ask_ms_max": round(max(latencies), 1),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
