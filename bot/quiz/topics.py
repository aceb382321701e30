"""Which bank topics a guide's or trainer's words point at."""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz

from ingest.normalize import for_matching

TOPIC_MATCH_MIN = 80


def topic_matches(query: str, topics: Sequence[str]) -> list[str]:
    """A substring either way after normalisation (full/half width, traditional/
    simplified, case), else a close fuzzy match."""
    wanted = for_matching(query).strip()
    if not wanted:
        return []
    exact = [t for t in topics if wanted in for_matching(t) or for_matching(t) in wanted]
    if exact:
        return exact
    return [t for t in topics if fuzz.partial_ratio(wanted, for_matching(t)) >= TOPIC_MATCH_MIN]
