"""Synthetic knowledge bases grown from the sample content, for the scale benchmark.

Every sample file is loaded with guidebot's own loaders and written again N times as
text files (FAB tables as UTF-8 CSV, everything else as Markdown). Clone i gets its own
label (a made-up brand and a number, e.g. "星禾0037") on its title, headings and product
names, and every digit shifted by i (SKU "HY-AF550" becomes "HY-BG661"-like codes,
prices and hours change), so no two clones share a title, section or product record.

`template_key` undoes both changes: clones of one passage share a key, which lets the
benchmark give them vectors derived from one real embedding (see bench/scale.py).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from ingest.chunkers.fab import find_fab_header
from ingest.document import Block, LoadedDocument
from ingest.loaders import loader_for

BRANDS = ("星禾", "云朵", "青柠", "木棉", "海盐", "松果", "晴川", "白鹭")
_LABEL = re.compile(rf"(?:{'|'.join(BRANDS)})\d{{4}}")
_DIGIT = re.compile(r"\d")


def label(i: int) -> str:
    return f"{BRANDS[i % len(BRANDS)]}{i:04d}"


def shift_digits(text: str, i: int) -> str:
    """Same length, other numbers: keeps formats (dates, SKUs) plausible."""
    return _DIGIT.sub(lambda m: str((int(m.group()) + i) % 10), text)


def template_key(text: str) -> str:
    """What a cloned text was before cloning, up to its digits."""
    return _DIGIT.sub("0", _LABEL.sub("", text))


def _table_csv(block: Block, i: int) -> str:
    rows = [[shift_digits(c, i) for c in row] for row in block.rows]
    fab = find_fab_header(block.rows)
    if fab is not None:
        product_cols = [c for c, f in fab.columns.items() if f == "product"]
        for row in rows[fab.row_index + 1:]:
            for col in product_cols:
                if col < len(row) and row[col]:
                    row[col] = label(i) + row[col]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def _markdown(document: LoadedDocument, title: str, i: int) -> str:
    lines = [f"# {label(i)} {shift_digits(title, i)}", ""]
    for block in document.blocks:
        if block.kind == "heading":
            level = min(6, max(2, block.level + 1))
            lines.append(f"{'#' * level} {shift_digits(block.text, i)}（{label(i)}）")
        elif block.kind == "list_item":
            lines.append(f"- {shift_digits(block.text, i)}")
        elif block.kind == "table":
            lines.extend(shift_digits("；".join(c for c in row if c), i) for row in block.rows)
        else:
            lines.append(shift_digits(block.text, i))
        lines.append("")
    return "\n".join(lines)


def render_clone(path: Path, document: LoadedDocument, i: int) -> dict[str, str]:
    """File name -> text of clone i of one sample file."""
    stem = f"{path.stem}_{label(i)}"
    tables = [b for b in document.blocks if b.kind == "table" and find_fab_header(b.rows)]
    if tables:
        return {f"{stem}_{n}.csv": _table_csv(t, i) for n, t in enumerate(tables)}
    return {f"{stem}.md": _markdown(document, document.title or path.stem, i)}


def load_samples(roots: list[Path]) -> list[tuple[Path, LoadedDocument]]:
    samples = []
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            loader = loader_for(path)
            if loader is not None:
                samples.append((path.relative_to(root.parent), loader(path)))
    return samples


def write_clones(samples: list[tuple[Path, LoadedDocument]], out: Path, copies: int) -> int:
    """Clones 0..copies-1 of every sample under OUT (kept in the sample's folder
    layout, 200 files a folder); returns the number of files written."""
    written = 0
    for i in range(copies):
        for rel, document in samples:
            folder = out / rel.parent / f"set{i // 25:03d}"
            folder.mkdir(parents=True, exist_ok=True)
            for name, text in render_clone(rel, document, i).items():
                (folder / name).write_text(text, encoding="utf-8")
                written += 1
    return written
