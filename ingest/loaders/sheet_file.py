"""Spreadsheets (.xlsx every sheet, .csv in any encoding) as table blocks."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl

from ingest.document import Block, LoadedDocument, LoadError
from ingest.loaders.archive import check_zip
from ingest.loaders.text_file import read_text

MAX_ROWS = 20_000


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _clean_rows(rows: list[list[str]]) -> list[list[str]]:
    rows = [row for row in rows if any(cell for cell in row)]
    width = max((max((i for i, c in enumerate(r) if c), default=-1) for r in rows), default=-1) + 1
    return [row[:width] + [""] * (width - len(row)) for row in rows]


def open_workbook(path: Path) -> Any:
    """A read-only workbook, after the zip-bomb check; LoadError when it is not one."""
    check_zip(path, "Excel .xlsx")
    try:
        return openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    except Exception:
        raise LoadError("not a valid Excel .xlsx file (corrupt, or another format renamed)") from None


def load_xlsx(path: Path) -> LoadedDocument:
    workbook = open_workbook(path)
    blocks: list[Block] = []
    try:
        for sheet in workbook.worksheets:
            rows: list[list[str]] = []
            try:  # read-only sheets are parsed row by row, so broken XML shows up here
                for values in sheet.iter_rows(values_only=True):
                    rows.append([cell_text(v) for v in values])
                    if len(rows) > MAX_ROWS:
                        raise LoadError(f"sheet '{sheet.title}' has more than {MAX_ROWS} rows")
            except LoadError:
                raise
            except Exception:
                raise LoadError(f"not a valid Excel .xlsx file (sheet '{sheet.title}' is corrupt)") from None
            rows = _clean_rows(rows)
            if rows:
                blocks.append(Block("table", rows=rows, name=sheet.title))
    finally:
        workbook.close()
    if not blocks:
        raise LoadError("the spreadsheet has no data")
    return LoadedDocument(blocks=blocks, title=path.stem)


def load_csv(path: Path) -> LoadedDocument:
    text = read_text(path)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = _clean_rows([[c.strip() for c in row] for row in csv.reader(io.StringIO(text, newline=''), dialect)])
    except csv.Error as exc:  # e.g. one cell over csv's field size limit (131072 characters)
        raise LoadError(f"not a readable CSV file ({exc})") from None
    if not rows:
        raise LoadError("the spreadsheet has no data")
    if len(rows) > MAX_ROWS:
        raise LoadError(f"the file has more than {MAX_ROWS} rows")
    return LoadedDocument(blocks=[Block("table", rows=rows)], title=path.stem)
