#!/usr/bin/env python3
"""Check eval/chain2/questions.jsonl against the generated content.

- every line is a JSON object with question/path/contains/note (+ conversation, original)
- every `contains` word occurs verbatim in the text of the file at `path`:
  md/csv/txt/html are read from disk; xlsx, docx and pdf are read back with
  openpyxl, python-docx and pypdf (the same libraries the ingest uses), and also
  checked against the strings make_content.py wrote
- noanswer items have path null and contains []; typo items point at an existing
  original with the same path/contains; conversations are contiguous, ordered,
  and their later turns carry note "followup"

Usage:  .venv/bin/python eval/chain2/check_questions.py
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONTENT = HERE / "content"
NOTES = {"zh", "en", "cross", "typo", "followup", "noanswer"}

sys.path.insert(0, str(HERE))
from make_content import written_texts  # noqa: E402


def read_back(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        cells = [str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                 for v in row if v is not None]
        return "\n".join(cells)
    if suffix == ".docx":
        from docx import Document

        doc = Document(str(path))
        parts = [p.text for p in doc.paragraphs]
        parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
        return "\n".join(parts)
    if suffix == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
    return path.read_text(encoding="utf-8")


def main() -> int:
    errors: list[str] = []
    items = []
    for n, line in enumerate((HERE / "questions.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"line {n}: bad JSON ({exc})")
            continue
        d["_line"] = n
        items.append(d)

    written = written_texts()
    cache: dict[str, tuple[str, str]] = {}
    by_question = {}
    for d in items:
        n = d["_line"]
        for key, typ in (("question", str), ("contains", list), ("note", str)):
            if not isinstance(d.get(key), typ):
                errors.append(f"line {n}: field {key!r} missing or not {typ.__name__}")
        if d.get("note") not in NOTES:
            errors.append(f"line {n}: unknown note {d.get('note')!r}")
        if d["question"] in by_question and d.get("note") != "followup":
            errors.append(f"line {n}: duplicate question {d['question']!r}")
        by_question.setdefault(d["question"], d)
        path = d.get("path")
        if path is None:
            if d["contains"]:
                errors.append(f"line {n}: path is null but contains is not empty")
            if d["note"] not in ("noanswer", "followup"):
                errors.append(f"line {n}: path null but note is {d['note']!r}")
            continue
        if d["note"] == "noanswer":
            errors.append(f"line {n}: noanswer item has a path")
        if not 1 <= len(d["contains"]) <= 3:
            errors.append(f"line {n}: contains should hold 1-3 words")
        file = CONTENT / path
        if not file.is_file():
            errors.append(f"line {n}: no such file {path}")
            continue
        if path not in cache:
            cache[path] = (read_back(file), written.get(path, ""))
        on_disk, as_written = cache[path]
        for word in d["contains"]:
            if word not in on_disk:
                errors.append(f"line {n}: {word!r} not in text read back from {path}")
            if as_written and word not in as_written:
                errors.append(f"line {n}: {word!r} not in the strings written for {path}")

    # typo items
    for d in items:
        if d["note"] == "typo":
            orig = by_question.get(d.get("original", ""))
            if orig is None or orig is d:
                errors.append(f"line {d['_line']}: typo original {d.get('original')!r} is not its own item")
            elif (orig["path"], orig["contains"]) != (d["path"], d["contains"]):
                errors.append(f"line {d['_line']}: typo item differs from its original in path/contains")
            if d.get("original") == d["question"]:
                errors.append(f"line {d['_line']}: typo question equals its original")
        elif "original" in d:
            errors.append(f"line {d['_line']}: 'original' on a non-typo item")

    # conversations
    convs: dict[str, list[dict]] = {}
    for d in items:
        if "conversation" in d:
            convs.setdefault(d["conversation"], []).append(d)
        elif d["note"] == "followup":
            errors.append(f"line {d['_line']}: followup without a conversation id")
    for cid, turns in convs.items():
        lines = [t["_line"] for t in turns]
        if len(turns) < 2:
            errors.append(f"conversation {cid}: only one turn")
        if lines != list(range(lines[0], lines[0] + len(lines))):
            errors.append(f"conversation {cid}: turns are not contiguous")
        if turns[0]["note"] == "followup":
            errors.append(f"conversation {cid}: first turn marked followup")
        for t in turns[1:]:
            if t["note"] != "followup":
                errors.append(f"conversation {cid}: later turn line {t['_line']} not marked followup")
            if turns[0]["path"] is None and t["path"] is not None:
                errors.append(f"conversation {cid}: follow-up of an unanswerable turn has a path")

    total = sum(f.stat().st_size for f in CONTENT.rglob("*") if f.is_file())
    if total > 1_000_000:
        errors.append(f"content is {total} bytes, over 1 MB")

    for e in errors:
        print("ERROR", e)
    counts = Counter(d["note"] for d in items)
    print(f"{len(items)} questions, {len(convs)} conversations, {len(cache)} files checked, "
          f"content {total / 1024:.0f} KiB")
    print("by note:", dict(sorted(counts.items())))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
