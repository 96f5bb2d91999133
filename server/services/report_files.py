"""A report as files: CSV (UTF-8 with BOM, so spreadsheet programs read Vietnamese right) and XLSX
(a real spreadsheet: headings, number formats, one sheet per grouping)."""
from __future__ import annotations

import csv
import io
from typing import Any

from ..i18n import message

# (field of a report row, i18n code of its heading, kind: text / count / minutes / share)
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("key", "report_col_key", "text"), ("label", "report_col_group", "text"),
    ("issued", "report_col_issued", "count"), ("served", "report_col_served", "count"),
    ("no_show", "report_col_no_show", "count"), ("transferred", "report_col_transferred", "count"),
    ("cancelled", "report_col_cancelled", "count"), ("not_served", "report_col_not_served", "count"),
    ("priority_share", "report_col_priority_share", "share"),
    ("wait_p50_min", "report_col_wait_p50", "minutes"),
    ("wait_p90_min", "report_col_wait_p90", "minutes"),
    ("wait_max_min", "report_col_wait_max", "minutes"),
    ("service_p50_min", "report_col_service_p50", "minutes"),
    ("service_p90_min", "report_col_service_p90", "minutes"),
    ("within_target", "report_col_within_target", "share"),
    ("r4", "report_col_r4", "count"), ("r3", "report_col_r3", "count"),
    ("r2", "report_col_r2", "count"), ("r1", "report_col_r1", "count"),
    ("ratings_n", "report_col_ratings_n", "count"),
    ("satisfaction", "report_col_satisfaction", "share"),
    ("reasons", "report_col_reasons", "text"),
)
FORMATS = {"count": "#,##0", "minutes": "0", "share": "0.0%", "text": "@"}
SHEETS = ("unit", "service", "counter", "officer", "hour", "weekday")


def headings(lang: str) -> list[str]:
    """The column headings, in the reader's language (Vietnamese by default)."""
    return [message(code, lang) for _, code, _ in COLUMNS]


def _value(row: dict[str, Any], field: str) -> Any:
    if field.startswith("r") and field[1:].isdigit():
        return row["ratings"][field[1:]]
    if field == "reasons":
        return "; ".join(f"{k}: {v}" for k, v in row["reasons"].items())
    return row.get(field)


def _lines(report: dict[str, Any], lang: str) -> list[list[Any]]:
    """The table: one line per group, then the totals."""
    total = {**report["totals"], "key": "", "label": message("report_total", lang)}
    label = "label_en" if lang == "en" else "label"
    return [[_value({**r, "label": r[label]}, f) for f, _, _ in COLUMNS]
            for r in report["rows"]] + [[_value(total, f) for f, _, _ in COLUMNS]]


def to_csv(report: dict[str, Any], lang: str = "vi") -> bytes:
    """The report's table as CSV: UTF-8 with a byte-order mark, one heading line, totals last."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(headings(lang))
    for line in _lines(report, lang):
        w.writerow(["" if v is None else v for v in line])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(reports: dict[str, dict[str, Any]], lang: str = "vi", first: str = "") -> bytes:
    """One sheet per grouping (the asked one first): a title, the period and filters, the headings
    and the table with number formats (counts, minutes, percentages), totals in bold."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    order = [first] + [g for g in SHEETS if g != first] if first in SHEETS else list(SHEETS)
    bold, head_fill = Font(bold=True), PatternFill("solid", fgColor="DCE6F1")
    for group in order:
        rep = reports[group]
        ws = wb.create_sheet(message(f"report_sheet_{group}", lang)[:31])
        ws.append([message("report_title", lang, first=rep["from"], last=rep["to"])])
        ws["A1"].font = Font(bold=True, size=14)
        f = rep["filters"]
        ws.append([message("report_filters", lang, zone=f["zone"] or "—",
                           priority=f["priority"] or "—", channel=f["channel"] or "—",
                           unit=f["unit"] or ", ".join(rep["units"] or []) or "—")])
        ws.append([])
        ws.append(headings(lang))
        for cell in ws[4]:
            cell.font, cell.fill = bold, head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        lines = _lines(rep, lang)
        for line in lines:
            ws.append(line)
        for r in range(5, 5 + len(lines)):
            for c, (_, _, kind) in enumerate(COLUMNS, start=1):
                ws.cell(row=r, column=c).number_format = FORMATS[kind]
        for cell in ws[4 + len(lines)]:
            cell.font = bold
        ws.freeze_panes = "C5"
        for c, (_, _, kind) in enumerate(COLUMNS, start=1):
            ws.column_dimensions[get_column_letter(c)].width = \
                {"text": 14, "count": 11, "minutes": 11, "share": 11}[kind]
        ws.column_dimensions["B"].width = 34
        ws.column_dimensions[get_column_letter(len(COLUMNS))].width = 30
        ws.row_dimensions[4].height = 45
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
