"""The workbook's Charts sheet: native Excel charts (openpyxl), each drawn from a table of
its numbers written beside it, so the numbers stay readable and the charts stay live."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from openpyxl.chart import AreaChart, BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.marker import DataPoint
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from bot.summary.charts import COLOURS
from bot.summary.context import Wording
from bot.summary.model import Summary
from storage.records import Status

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
STATUSES = (Status.SUBMITTED, Status.IN_PROGRESS, Status.NOT_STARTED)
SPLIT_ORDER = ("yes", "no", "true", "differs", "answered", "nothing", "unanswered")
"""Columns of the sections' table: the choices, free text, then "not answered"."""
CHART_COLUMN = "J"
"""Charts sit to the right of their tables (columns A to H)."""


def _colour(key: str) -> str:
    return COLOURS[key].lstrip("#").upper()


def _table(
    sheet: Worksheet, row: int, title: str, header: Sequence[str], rows: Sequence[Sequence[object]]
) -> int:
    """Write a titled table at `row`; returns the row of its header."""
    sheet.cell(row=row, column=1, value=title).font = _TITLE
    for c, text in enumerate(header, start=1):
        sheet.cell(row=row + 1, column=c, value=text).font = _BOLD
    for r, values in enumerate(rows, start=row + 2):
        for c, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, date):
                cell.number_format = "dd mmm yyyy"
    return row + 1


def _paint(chart: BarChart | AreaChart, keys: Sequence[str]) -> None:
    for series, key in zip(chart.series, keys, strict=True):
        series.graphicalProperties.solidFill = _colour(key)
        series.graphicalProperties.line.solidFill = _colour(key)


def charts_sheet(sheet: Worksheet, summary: Summary, w: Wording) -> None:
    sheet.title = w.s("sheet.charts")
    # printed, the tables and their charts go across one landscape page
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.column_dimensions["A"].width = 22
    for column in "BCDEFGH":
        sheet.column_dimensions[column].width = 14
    row = _progress(sheet, summary, w, 1)
    row = _timeline(sheet, summary, w, row)
    _sections(sheet, summary, w, row)


def _progress(sheet: Worksheet, summary: Summary, w: Wording, row: int) -> int:
    header_row = _table(
        sheet,
        row,
        w.s("chart.progress"),
        [w.s("column.status"), w.s("column.partnership")],
        [[w.status(s), summary.count(s)] for s in STATUSES],
    )
    chart = BarChart()
    chart.type = "bar"
    chart.title = w.s("chart.progress")
    chart.legend = None
    data = Reference(sheet, min_col=2, min_row=header_row, max_row=header_row + len(STATUSES))
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(
        Reference(sheet, min_col=1, min_row=header_row + 1, max_row=header_row + len(STATUSES))
    )
    (series,) = chart.series
    for index, status in enumerate(STATUSES):
        point = DataPoint(idx=index)
        point.graphicalProperties.solidFill = _colour(status.value)
        series.dPt.append(point)
    series.dLbls = DataLabelList(
        showVal=True, showCatName=False, showSerName=False, showLegendKey=False
    )
    chart.y_axis.majorUnit = 1
    chart.y_axis.title = w.s("column.partnership")
    chart.height, chart.width = 6, 16
    sheet.add_chart(chart, f"{CHART_COLUMN}{row}")
    return row + 16


def _timeline(sheet: Worksheet, summary: Summary, w: Wording, row: int) -> int:
    days = summary.timeline
    if len(days) < 2:
        return row
    header_row = _table(
        sheet,
        row,
        w.s("chart.over_time"),
        [w.s("column.day"), *(w.status(s) for s in STATUSES)],
        [[d.day, d.submitted, d.in_progress, d.not_started] for d in days],
    )
    chart = AreaChart()
    chart.grouping = "stacked"
    chart.title = w.s("chart.over_time")
    data = Reference(
        sheet, min_col=2, max_col=4, min_row=header_row, max_row=header_row + len(days)
    )
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(
        Reference(sheet, min_col=1, min_row=header_row + 1, max_row=header_row + len(days))
    )
    _paint(chart, [s.value for s in STATUSES])
    chart.x_axis.number_format = "dd mmm"
    chart.y_axis.majorUnit = 1
    chart.height, chart.width = 8, 16
    sheet.add_chart(chart, f"{CHART_COLUMN}{row}")
    return row + max(len(days) + 4, 18)


def _sections(sheet: Worksheet, summary: Summary, w: Wording, row: int) -> None:
    """One row per section, one column per answer (a choice, written, nothing to add, not
    answered): a stacked bar per section."""
    keys: list[tuple[str, str]] = []  # (colour key, label)
    rows: list[dict[str, int]] = []
    for section in summary.sections:
        counts: dict[str, int] = {}
        for value, count in section.split():
            key = "unanswered" if value is None else value or "nothing"
            label = w.split_label(section.kind, value)
            if (key, label) not in keys:
                keys.append((key, label))
            counts[label] = count
        rows.append(counts)
    keys.sort(key=lambda k: SPLIT_ORDER.index(k[0]))
    labels = [label for _, label in keys]
    table = [
        [w.s("chart.section", number=s.number), *(counts.get(label, 0) for label in labels)]
        for s, counts in zip(summary.sections, rows, strict=True)
    ]
    header_row = _table(sheet, row, w.s("chart.sections"), [w.s("column.section"), *labels], table)
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = w.s("chart.sections")
    data = Reference(
        sheet,
        min_col=2,
        max_col=1 + len(labels),
        min_row=header_row,
        max_row=header_row + len(table),
    )
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(
        Reference(sheet, min_col=1, min_row=header_row + 1, max_row=header_row + len(table))
    )
    _paint(chart, [key for key, _ in keys])
    chart.y_axis.title = w.s("chart.sections_axis")
    chart.x_axis.scaling.orientation = "maxMin"  # section 1 at the top
    chart.height, chart.width = 9, 16
    sheet.add_chart(chart, f"{CHART_COLUMN}{row}")
