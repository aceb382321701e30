#!/usr/bin/env python
"""Sanity-check eval/heldout/questions.jsonl against eval/heldout/content.

For every answerable question: the path exists and each `contains` term (after
normalisation: traditional->simplified, NFKC full->half width, lowercase) literally
appears in the answering file -- for FAB sheets inside a single product row.
Prints a snippet around each hit so a human can confirm it answers the question.

Usage: .venv/bin/python eval/heldout/check_questions.py [-v]
"""
from __future__ import annotations

import csv
import json
import sys
import unicodedata
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONTENT = HERE / "content"

try:
    import opencc
    _T2S = opencc.OpenCC("t2s")
    t2s = _T2S.convert
except Exception:  # pragma: no cover
    t2s = lambda s: s  # noqa: E731


def norm(s: str) -> str:
    return t2s(unicodedata.normalize("NFKC", s)).lower()


def units(path: Path) -> list[str]:
    """Return text units: rows for tabular files, one whole text for documents."""
    suf = path.suffix.lower()
    if suf == ".xlsx":
        from openpyxl import load_workbook
        wb = load_workbook(path, read_only=True)
        out = []
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                out.append(" | ".join("" if v is None else str(v) for v in row))
        return out
    if suf == ".csv":
        with open(path, encoding="utf-8-sig", newline="") as f:
            return [" | ".join(r) for r in csv.reader(f)]
    if suf == ".docx":
        import docx
        d = docx.Document(str(path))
        parts = [p.text for p in d.paragraphs]
        for t in d.tables:
            for r in t.rows:
                parts.append(" | ".join(c.text for c in r.cells))
        return ["\n".join(parts)]
    if suf == ".pdf":
        from pypdf import PdfReader
        return ["\n".join(p.extract_text() or "" for p in PdfReader(str(path)).pages)]
    if suf in (".html", ".htm"):
        from bs4 import BeautifulSoup
        return [BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").get_text("\n")]
    raw = path.read_bytes()
    for enc in ("utf-8", "gb18030"):
        try:
            return [raw.decode(enc)]
        except UnicodeDecodeError:
            continue
    raise ValueError(path)


def main() -> int:
    verbose = "-v" in sys.argv
    qs = [json.loads(line) for line in (HERE / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    notes = Counter(q["note"] for q in qs)
    errors = 0
    cache: dict[str, list[str]] = {}
    for i, q in enumerate(qs, 1):
        assert set(q) == {"question", "path", "contains", "note"}, q
        assert q["note"] in {"zh", "en", "cross", "trad", "noanswer"}, q
        if q["path"] is None:
            if q["contains"] or q["note"] != "noanswer":
                print(f"[{i}] ERROR no-answer question must have empty contains and note=noanswer: {q}")
                errors += 1
            continue
        if q["note"] == "noanswer" or not 1 <= len(q["contains"]) <= 2:
            print(f"[{i}] ERROR bad note/contains: {q}")
            errors += 1
        p = CONTENT / q["path"]
        if not p.is_file():
            print(f"[{i}] ERROR missing file {q['path']}")
            errors += 1
            continue
        us = cache.setdefault(q["path"], [norm(u) for u in units(p)])
        for term in q["contains"]:
            t = norm(term)
            hits = [u for u in us if t in u]
            if not hits:
                print(f"[{i}] ERROR '{term}' not found in {q['path']} :: {q['question']}")
                errors += 1
                continue
            n = sum(u.count(t) for u in hits)
            u = hits[0]
            k = u.index(t)
            snippet = u[max(0, k - 60): k + 60].replace("\n", " ")
            if verbose or n > 1:
                print(f"[{i}] {q['note']:5} x{n} {q['question']}  =>  …{snippet}…")
    print(f"{len(qs)} questions; notes: {dict(notes)}; errors: {errors}")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
