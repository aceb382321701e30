"""Typos of a pinyin keyboard: 价宝 for 价保, 自题 for 自提, 吹风鸡 for 吹风机. A stretch
of the question that the knowledge base never uses is replaced by a word it does use
that sounds the same and differs in one character; the answer then says which word it
answered for ("按「价保」回答"), so a wrong guess is visible at once."""

from __future__ import annotations

from dataclasses import dataclass

import jieba

from ingest.index import IndexReader
from ingest.lexical import QueryTerms
from ingest.normalize import (
    CJK_RUN,
    SOUND_CHARS,
    STOP_CHARS,
    cjk_bigrams,
    for_matching,
    pinyin_of,
    sound_of,
)

MAX_CORRECTIONS = 2


@dataclass(frozen=True)
class Correction:
    typed: str
    meant: str


@dataclass(frozen=True)
class _Window:
    text: str
    within: str | None  # the longer jieba word it lies inside, if it does


def _windows(run: str) -> list[_Window]:
    """Stretches of a run of Chinese that could be one mistyped word: those that start
    and end where jieba cuts, or lie inside one of its words (花雨卡 holds 花雨). Words of
    jieba's dictionary are real words, not typos, whatever the knowledge base says."""
    cuts, position = {0}, 0
    spans: list[tuple[int, int]] = []
    for token in jieba.lcut(run, HMM=False):
        spans.append((position, position + len(token)))
        position += len(token)
        cuts.add(position)
    out: list[_Window] = []
    low, high = SOUND_CHARS
    for start in range(len(run)):
        for end in range(start + low, min(start + high, len(run)) + 1):
            text = run[start:end]
            if _in_dictionary(text) or set(text) & STOP_CHARS:
                continue
            if start in cuts and end in cuts:
                out.append(_Window(text, None))
                continue
            within = next((run[a:b] for a, b in spans if a <= start and end <= b and b - a > end - start), None)
            if within is not None and not _in_dictionary(within):
                out.append(_Window(text, within))
    return out


def _in_dictionary(word: str) -> bool:
    return bool(jieba.dt.FREQ.get(word))


def _one_character_apart(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


class Speller:
    def __init__(self, reader: IndexReader) -> None:
        self.reader = reader

    def correct(self, question: str) -> tuple[str, list[Correction]]:
        """The question with its typos replaced, and what was replaced."""
        norm = for_matching(question)
        jieba.initialize()
        candidates = [w for run in CJK_RUN.finditer(norm) for w in _windows(run.group())]
        if not candidates:
            return question, []
        asked = [w.text for w in candidates] + [w.within for w in candidates if w.within]
        pairs = [b for w in candidates for b in cjk_bigrams(w.text)]
        known, _ = self.reader.document_frequencies(QueryTerms(asked, pairs, []))
        # a stretch the knowledge base writes (as a word, inside a word, or character by
        # character pair: 体脂 of 体脂秤) is no typo
        unknown = [w for w in candidates if not known.get(w.text) and not (w.within and known.get(w.within))
                   and not all(known.get(b) for b in cjk_bigrams(w.text))]
        sounds = {w.text: sound_of(w.text) for w in unknown}
        alike = self.reader.words_sounding([s for s in sounds.values() if s])
        meant_words = sorted({m for words in alike.values() for m in words})
        frequencies, _ = self.reader.document_frequencies(QueryTerms(meant_words, [], []))
        chosen: list[Correction] = []
        taken: set[str] = set()
        for window in sorted(unknown, key=lambda w: -len(w.text)):
            sound = sounds[window.text]
            if sound is None or window.text in taken or len(chosen) >= MAX_CORRECTIONS:
                continue
            exact = pinyin_of(window.text)
            options = [m for m in alike.get(sound, []) if frequencies.get(m) and _one_character_apart(m, window.text)]
            if not options:
                continue
            best = max(options, key=lambda m: (pinyin_of(m) == exact, frequencies[m], m))
            if any(window.text in c.typed or c.typed in window.text for c in chosen):
                continue
            chosen.append(Correction(window.text, best))
            taken.add(window.text)
        fixed = question if all(c.typed in question for c in chosen) else norm
        for correction in chosen:
            fixed = fixed.replace(correction.typed, correction.meant)
        return fixed, chosen
