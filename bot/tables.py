"""Tables out to CSV or Excel, for trainers and HR (attempt logs, reports)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

TableFormat = Literal["csv", "xlsx"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula is written as text instead
    (CSV/formula injection: a guide's typed answer must never become '=HYPERLINK(…)').
    Read as spreadsheets read it: full-width ＝＋－＠ count as their ASCII forms (NFKC),
    and spaces before them do not hide them."""
    if isinstance(value, str) and unicodedata.normalize("NFKC", value).lstrip(" ").startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([["" if v is None else _safe(v) for v in row] for row in rows])
    return out.getvalue()


def xlsx_bytes(header: Sequence[str], rows: Sequence[Sequence[Any]], title: str = "data") -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(header))
    for row in rows:
        sheet.append([_safe(v.isoformat() if isinstance(v, dt.date | dt.datetime) else v) for v in row])
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(50, len(name) + 4))
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_table(header: Sequence[str], rows: Sequence[Sequence[Any]], fmt: TableFormat,
                path: Path, title: str = "data") -> None:
    if fmt == "csv":
        # with a BOM, Excel opens Chinese text in UTF-8 correctly
        path.write_text(csv_text(header, rows), encoding="utf-8-sig", newline="")
    else:
        path.write_bytes(xlsx_bytes(header, rows, title))
