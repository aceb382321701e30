"""The vector store keeps a collection per passage language, so a question gets the
nearest passages of its own language and of the other one from two plain searches."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ingest.settings import IngestSettings
from ingest.vectors import ChromaVectors


def _unit(rows: list[list[float]]) -> np.ndarray:
    vectors = np.asarray(rows, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_each_language_has_its_own_nearest_passages(tmp_path: Path) -> None:
    store = ChromaVectors(IngestSettings(home=tmp_path), tmp_path / "gen")
    ids = ["zh-near", "zh-far", "en-near", "en-far"]
    vectors = _unit([[1, 0.1, 0], [0, 1, 0], [1, 0.3, 0], [0, 0, 1]])
    store.add(ids, vectors, [{"lang": "zh"}, {"lang": "zh"}, {"lang": "en"}, {"lang": "en"}])

    hits = store.query(_unit([[1, 0, 0]])[0], k=1)

    assert [i for i, _ in hits["zh"]] == ["zh-near"]
    assert [i for i, _ in hits["en"]] == ["en-near"], "the other language is searched on its own"
    assert hits["zh"][0][1] > hits["en"][0][1] > 0.9
    assert store.count() == 4
    assert set(store.vectors(["zh-far", "en-far", "gone"])) == {"zh-far", "en-far"}

    store.delete(["zh-near", "en-far"])
    after = store.query(_unit([[1, 0, 0]])[0], k=5)
    assert [i for i, _ in after["zh"]] == ["zh-far"] and [i for i, _ in after["en"]] == ["en-near"]
    assert store.count() == 2
    store.close()
