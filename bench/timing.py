"""What the benchmark scripts share: warm answer latencies and percentiles."""

from __future__ import annotations

import time

from bot.answer import Answerer


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0–100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def warm_latencies(answerer: Answerer, questions: list[str]) -> list[float]:
    """Milliseconds per answer on a second pass; the first warms caches, the page cache
    and the HNSW pages, as a bot that has been running a while has them."""
    for question in questions:
        answerer.answer(question)
    latencies = []
    for question in questions:
        started = time.perf_counter()
        answerer.answer(question)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies
