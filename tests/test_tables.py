"""Exports a trainer opens in Excel or WPS: what a guide typed is never run as a formula."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from bot.tables import csv_text, xlsx_bytes

TYPED = ["=HYPERLINK(\"http://x\",\"点我\")", "＝1+1", " =1+1", "＋86 138", "－5", "＠SUM(A1)", "@x", "\t=1"]
PLAIN = ["退货要几天", "7天", "-", ""]


def test_text_a_spreadsheet_would_run_is_written_as_text() -> None:
    rows = [[value, 3] for value in TYPED + PLAIN]
    read = list(csv.reader(io.StringIO(csv_text(["answer", "n"], rows))))[1:]
    assert [r[0] for r in read[: len(TYPED)]] == ["'" + v for v in TYPED]
    assert [r[0] for r in read[len(TYPED):]] == ["退货要几天", "7天", "'-", ""]
    sheet = load_workbook(io.BytesIO(xlsx_bytes(["answer", "n"], rows))).active
    assert sheet is not None
    cells = [sheet.cell(row=i + 2, column=1) for i in range(len(TYPED))]
    assert all(c.data_type == "s" and str(c.value).startswith("'") for c in cells)
    assert sheet.cell(row=2, column=2).value == 3
