"""Fit the "found" decision on development golden sets.

    python bench/calibrate.py --home HOME eval/questions.jsonl eval/calibration.jsonl \
        --also SEEDS_HOME eval/seeds/questions.jsonl

HOME must hold an index of the content those sets ask about (knowledge/ and sop/);
`--also HOME FILE` adds a set over another index (the seed documents), so the fit sees
more than one knowledge base. The script fits a logistic model over the top passage's
features (bot.answer.FOUND_FEATURES), shifts its bias so that the decision the bot makes
(found when one of the top FOUND_DEPTH passages scores >= 0) declines at most
--max-false-decline of the answerable questions, prints a 5-fold
cross-validated estimate of what that rule declines on questions it was not fitted on,
and prints the settings to put in guidebot.toml or bot/settings.py. Use development
sets only: the held-out set is for measuring.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from bot.answer import FOUND_DEPTH, FOUND_FEATURES
from bot.evaluate import answered, load_golden
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


def fit_rule(x: np.ndarray, y: np.ndarray, max_false_decline: float) -> tuple[float, np.ndarray]:
    """Fit on each question's top passage, then raise the bias as far as the
    false-decline budget allows for the rule the bot applies (best of the top passages).
    x has shape (questions, FOUND_DEPTH, features); missing passages are NaN."""
    bias, weights = fit_logistic(x[:, 0, :], y)
    answerable = np.sort(best_scores(x[y == 1], weights))
    allowed = int(np.floor(max_false_decline * len(answerable)))
    # decline when bias + best score < 0: the `allowed` lowest answerable scores fall below
    return float(-answerable[min(allowed, len(answerable) - 1)]), weights


def best_scores(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each question's best passage score (without the bias); missing passages never win."""
    return np.where(np.isnan(x[..., 0]), -np.inf, np.nan_to_num(x) @ weights).max(axis=1)


def features(home: Path, path: Path, names: list[str], show: bool) -> tuple[list[list[list[float]]], list[float]]:
    answerer = Services(Settings(home=home)).answerer
    rows, labels = [], []
    for item, answer in answered(answerer, load_golden(path)):
        passages = answer.retrieved
        if not passages:
            continue
        tops = [[float(getattr(p, n)) for n in names] for p in passages[:FOUND_DEPTH]]
        rows.append(tops + [[float("nan")] * len(names)] * (FOUND_DEPTH - len(tops)))
        labels.append(1.0 if item.path is not None else 0.0)
        if show:
            shown = " ".join(f"{n}={getattr(passages[0], n):.2f}" for n in names)
            print(f"{'ANS' if item.path else 'NO '} {shown} {item.question}")
    return rows, labels


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("questions", type=Path, nargs="+")
    parser.add_argument("--also", nargs=2, action="append", default=[], metavar=("HOME", "QUESTIONS"),
                        help="a further golden set over another index")
    parser.add_argument("--max-false-decline", type=float, default=0.08)
    parser.add_argument("--features", default=",".join(FOUND_FEATURES),
                        help="comma-separated subset of bot.answer.FOUND_FEATURES (the rest weigh 0)")
    parser.add_argument("--show", action="store_true", help="print every question's features")
    args = parser.parse_args()
    names = args.features.split(",")
    unknown = set(names) - set(FOUND_FEATURES)
    if unknown:
        parser.error(f"unknown features: {', '.join(sorted(unknown))}")
    sets = [(args.home, q) for q in args.questions] + [(Path(h), Path(q)) for h, q in args.also]
    rows: list[list[list[float]]] = []
    labels: list[float] = []
    for home, path in sets:
        r, lab = features(home, path, names, args.show)
        rows += r
        labels += lab
    x, y = np.array(rows), np.array(labels)
    n_ok, n_no = int(y.sum()), int(len(y) - y.sum())

    folds = np.array_split(np.random.RandomState(0).permutation(len(y)), 5)
    declined = np.zeros(len(y), dtype=bool)
    for fold in folds:
        train = np.setdiff1d(np.arange(len(y)), fold)
        bias, weights = fit_rule(x[train], y[train], args.max_false_decline)
        declined[fold] = bias + best_scores(x[fold], weights) < 0
    print(f"questions: {len(y)} ({n_ok} answerable, {n_no} without an answer)")
    print(f"5-fold cross-validated: declines {np.mean(declined[y == 0]):.1%} of unanswerable, "
          f"{np.mean(declined[y == 1]):.1%} of answerable")

    bias, weights = fit_rule(x, y, args.max_false_decline)
    declined = bias + best_scores(x, weights) < 0
    print(f"fitted on all: declines {np.mean(declined[y == 0]):.1%} of unanswerable, "
          f"{np.mean(declined[y == 1]):.1%} of answerable")
    print(f"found_bias = {bias:.3f}")
    print("found_weights = " + json.dumps({n: round(float(w), 3) for n, w in zip(names, weights, strict=True)}))


if __name__ == "__main__":
    main()
