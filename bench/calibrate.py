"""Calibrate the 'found' thresholds on a development golden set.

    python bench/calibrate.py --home HOME eval/questions.jsonl eval/calibration.jsonl

Prints each question's features and the threshold triple that declines the most
unanswerable questions while wrongly declining at most --max-false-decline of the
answerable ones. Use the development set only: the held-out set is for measuring.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from bot.answer import decide_found
from bot.evaluate import DEPTH, load_golden
from bot.service import Services
from bot.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("questions", type=Path, nargs="+")
    parser.add_argument("--max-false-decline", type=float, default=0.06)
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    settings = Settings(home=args.home)
    retriever = Services(settings).retriever
    rows = []
    items = [item for path in args.questions for item in load_golden(path)]
    for item in items:
        passages = retriever.search(item.question, k=DEPTH)
        rows.append((item, passages))
        if args.show:
            top = passages[0]
            print(f"{'ANS' if item.path else 'NO '} dense={top.dense:.3f} cov={top.coverage:.2f} "
                  f"prod={top.product_match:d} detail={top.detail_coverage:.2f} [{item.note}] {item.question}")
    answerable = [r for r in rows if r[0].path]
    unanswerable = [r for r in rows if not r[0].path]
    best = None
    grid = itertools.product(
        [x / 100 for x in range(20, 70, 2)],
        [x / 100 for x in range(20, 101, 5)],
        [x / 100 for x in range(10, 50, 2)],
        [x / 100 for x in range(0, 101, 10)],
    )
    for dense, cov, dense_cov, detail in grid:
        if dense_cov > dense:
            continue
        trial = settings.model_copy(update={
            "found_min_dense": dense, "found_min_coverage": cov,
            "found_min_dense_with_coverage": dense_cov, "found_min_product_detail": detail,
        })
        false_decline = sum(not decide_found(p, trial) for _, p in answerable) / len(answerable)
        declined = sum(not decide_found(p, trial) for _, p in unanswerable) / max(1, len(unanswerable))
        if false_decline <= args.max_false_decline:
            key = (declined, -false_decline)
            if best is None or key > best[0]:
                best = (key, dense, cov, dense_cov, detail)
    if best is None:
        print("no threshold meets the false-decline limit")
        return
    (declined, neg_false), dense, cov, dense_cov, detail = best
    print(f"found_min_dense={dense} found_min_coverage={cov} found_min_dense_with_coverage={dense_cov} "
          f"found_min_product_detail={detail}: "
          f"declines {declined:.1%} of unanswerable, {-neg_false:.1%} of answerable")


if __name__ == "__main__":
    main()
