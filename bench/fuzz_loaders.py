"""Fuzz every loader for longer than the test suite does, and print what it found.

    .venv/bin/python bench/fuzz_loaders.py                 # bounded default (about a minute)
    .venv/bin/python bench/fuzz_loaders.py --examples 2000 # longer

Three parts: (1) every hand-made hostile file in tests/hostile_files.py through the
isolated loader process (the way ingest runs loaders), timed; (2) mutations of a small
valid file per format, and of the XML inside .docx/.xlsx; (3) arbitrary bytes under
every extension. Parts 2 and 3 call loaders in this process and count anything other
than a document or a LoadError as a finding, and any file slower than --slow seconds.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.document import LoadError  # noqa: E402
from ingest.loaders import loader_for  # noqa: E402
from ingest.loaders.isolated import LoaderProcess  # noqa: E402
from tests.hostile_files import HOSTILE, mutate, mutate_zip_member, seed_files  # noqa: E402


def hostile(folder: Path, timeout_s: float) -> list[str]:
    worker = LoaderProcess(timeout_s, 2048)
    findings = []
    try:
        for name, (suffix, build) in HOSTILE.items():
            path = folder / f"{name}{suffix}"
            path.write_bytes(build())
            started = time.perf_counter()
            try:
                worker.load(path)
                outcome = "loaded"
            except LoadError as exc:
                outcome = f"failed: {exc}"
            seconds = time.perf_counter() - started
            print(f"  {name:<22} {seconds:6.2f} s  {outcome}")
            if seconds > timeout_s + 5:
                findings.append(f"{name}: {seconds:.1f} s, past the {timeout_s:g} s limit")
    finally:
        worker.close()
    return findings


def random_edits(rng: random.Random) -> list[tuple[int, int, bytes]]:
    return [(rng.randrange(4), rng.randrange(1 << 20), rng.randbytes(rng.randint(1, 16)))
            for _ in range(rng.randint(1, 4))]


def fuzz(folder: Path, examples: int, seed: int, slow_s: float) -> tuple[Counter[str], list[str]]:
    rng = random.Random(seed)
    seeds = seed_files()
    suffixes = sorted(seeds)
    tally: Counter[str] = Counter()
    findings: list[str] = []
    for i in range(examples):
        suffix = rng.choice(suffixes)
        kind = rng.choice(["mutate", "zip-xml", "bytes"])
        if kind == "zip-xml" and suffix in (".docx", ".xlsx"):
            data = mutate_zip_member(seeds[suffix], random_edits(rng), rng.randrange(20))
        elif kind == "bytes":
            data = rng.randbytes(rng.randint(0, 4096))
        else:
            kind = "mutate"
            data = mutate(seeds[suffix], random_edits(rng))
        path = folder / f"case{i}{suffix}"
        path.write_bytes(data)
        loader = loader_for(path)
        assert loader is not None
        started = time.perf_counter()
        try:
            loader(path)
            tally["loaded"] += 1
        except LoadError:
            tally["failed with a reason"] += 1
        except Exception as exc:  # a finding: the loader let a parser error escape
            tally["crashed"] += 1
            keep = Path(tempfile.gettempdir()) / "guidebot-fuzz" / f"crash-{seed}-{i}{suffix}"
            keep.parent.mkdir(exist_ok=True)
            keep.write_bytes(data)
            findings.append(f"{kind} {suffix}: {exc.__class__.__name__}: {str(exc)[:80]} (kept {keep})")
        seconds = time.perf_counter() - started
        if seconds > slow_s:
            findings.append(f"{kind} {suffix}: {seconds:.1f} s")
        path.unlink()
    return tally, findings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1500, help="random cases (default 1500)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=10.0, help="per-file limit for hostile files")
    parser.add_argument("--slow", type=float, default=2.0, help="report random cases slower than this")
    parser.add_argument("--skip-hostile", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    findings: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "cases"
        folder.mkdir()
        if not args.skip_hostile:
            print(f"hostile files ({len(HOSTILE)}), isolated loader, {args.timeout:g} s limit:")
            findings += hostile(folder, args.timeout)
        print(f"random cases: {args.examples} (seed {args.seed}) over {', '.join(sorted(seed_files()))}")
        tally, found = fuzz(folder, args.examples, args.seed, args.slow)
        findings += found
        print("  " + ", ".join(f"{n} {k}" for k, n in sorted(tally.items())))
    print(f"findings: {len(findings)}" + "".join(f"\n  {f}" for f in findings))
    print(f"done in {time.perf_counter() - started:.1f} s")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
