"""Fit the "found" decision on development golden sets.

    python bench/calibrate.py --home HOME eval/questions.jsonl eval/calibration.jsonl

HOME must hold an index of the content those sets ask about (knowledge/ and sop/). The
script fits a logistic model over the top passage's features (bot.answer.FOUND_FEATURES),
shifts its bias so that at most --max-false-decline of the answerable questions are
declined, and prints the settings to put in guidebot.toml or bot/settings.py. Use development
sets only: the held-out set is for measuring.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from bot.answer import FOUND_FEATURES
from bot.evaluate import DEPTH, load_golden
from bot.retrieve import Passage
from bot.service import Services
from bot.settings import Settings


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3) -> tuple[float, np.ndarray]:
    design = np.hstack([np.ones((len(x), 1)), x])

    def loss(w: np.ndarray) -> float:
        p = 1 / (1 + np.exp(-(design @ w)))
        eps = 1e-9
        return float(-np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)) + l2 * np.sum(w[1:] ** 2))

    w = minimize(loss, np.zeros(design.shape[1])).x
    return float(w[0]), w[1:]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("questions", type=Path, nargs="+")
    parser.add_argument("--max-false-decline", type=float, default=0.08)
    parser.add_argument("--show", action="store_true", help="print every question's features")
    args = parser.parse_args()
    settings = Settings(home=args.home)
    retriever = Services(settings).retriever
    tops: list[tuple[bool, Passage]] = []
    for path in args.questions:
        for item in load_golden(path):
            passages = retriever.search(item.question, k=DEPTH)
            if not passages:
                continue
            top = passages[0]
            tops.append((item.path is not None, top))
            if args.show:
                features = " ".join(f"{n}={getattr(top, n):.2f}" for n in FOUND_FEATURES)
                print(f"{'ANS' if item.path else 'NO '} {features} product={top.product_match:d} "
                      f"detail={top.detail_coverage:.2f} {item.question}")

    products = [(ok, p.detail_coverage) for ok, p in tops if p.product_match]
    others = [(ok, p) for ok, p in tops if not p.product_match]
    x = np.array([[getattr(p, n) for n in FOUND_FEATURES] for _, p in others])
    y = np.array([1.0 if ok else 0.0 for ok, _ in others])
    bias, weights = fit_logistic(x, y)
    scores = bias + x @ weights
    n_ok = sum(1 for ok, _ in tops if ok)
    n_no = max(1, len(tops) - n_ok)
    best: tuple[tuple[float, float], float, float] | None = None
    # Joint search: how strict to be with product questions and with the rest, under
    # one budget of wrongly declined answerable questions.
    for detail in np.arange(0.0, 1.01, 0.05):
        for shift in np.unique(-scores):
            declined_ok = sum(1 for ok, d in products if ok and d < detail)
            declined_ok += int(np.sum((scores + shift < 0) & (y == 1)))
            if declined_ok > args.max_false_decline * n_ok:
                continue
            declined_no = sum(1 for ok, d in products if not ok and d < detail)
            declined_no += int(np.sum((scores + shift < 0) & (y == 0)))
            key = (declined_no / n_no, -declined_ok / max(1, n_ok))
            if best is None or key > best[0]:
                best = (key, float(detail), float(shift))
    if best is None:
        print("no setting meets the false-decline limit")
        return
    (declined, neg_false), detail, shift = best
    print(f"questions: {len(tops)} ({len(products)} name a product)")
    print(f"declines {declined:.1%} of unanswerable, {-neg_false:.1%} of answerable")
    print(f"found_bias = {bias + shift:.3f}")
    print("found_weights = " + json.dumps({n: round(float(w), 3) for n, w in zip(FOUND_FEATURES, weights, strict=True)}))
    print(f"found_min_product_detail = {detail:.2f}")


if __name__ == "__main__":
    main()
