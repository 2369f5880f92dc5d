"""XLSX portfolio report, for a portfolio owner to keep and print: four sheets.

- Summary: the terminal summary's tables, and a bar chart of services per model.
- Services: one row per entry (see row_headers); a suggested model reads "B (suggested)".
- Findings: one row per finding the conclusion kinds list (kinds.Kind.listed_findings: conflicts,
  risks nobody has accepted, governance areas, open decisions), with its text, severity (or priority)
  and the rule.
- Accountability: one row per service, the accountable party for each process's application and
  interface (two columns per process: 28 with the default pack).

The data sheets have a bold frozen header row with filters, every other row shaded.
Every sheet prints legibly: landscape, fitted to the page's width, the header row repeated on every
page, the print area set, the chart on the first page, the sheet's name and page number in the
footer. Long texts wrap in columns of set widths, and each row is as high as its longest text needs
(neither Excel nor LibreOffice fits row heights when it opens a file, so the height is written).

How it is written, for speed (docs/batch.md, Performance; benchmarks/xlsx_report.py): the rows of
Services, Findings and Accountability are made as the outcomes come, as the sheet XML that XlsxWriter
itself writes in its constant-memory mode (inline strings), into unnamed temporary files (files.Spool).
When the batch is done, XlsxWriter builds the rest of the workbook (styles, the Summary sheet and its
chart, header rows, filters, shading, frozen panes, print settings) and the rows are streamed into their
sheets as the package is saved. Through XlsxWriter's cell calls the rows cost 10 to 25 µs a cell, and a
service has 70 to 200 cells: more than its assessment.

Text stays text, never a formula (inline strings), with control characters and what XML cannot hold
written as escapes. The same portfolio gives a byte-identical workbook (fixed times in the package).
"""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from ... import kinds
from ...files import Spool, binary_file, write_failed
from ...text import CONTROL, SURROGATE, party, printable
from ...xlsx_style import FIXED_TIME
from ..runner import OK, Outcome
from ..summary import Summary
from . import ReportContext, row, row_headers
from .drift_heat import add_drift_sheet

FINDING_HEADERS = ("service", "name", "finding", "what", "severity", "text", "rule", "location")
FINDING_WIDTHS = (16, 24, 12, 24, 9, 60, 24, 24)
# Services' columns by header (a kind's own column: OTHER_WIDTH); wide enough for a header word
SERVICE_WIDTHS = {
    "location": 30,
    "id": 16,
    "name": 24,
    "status": 8,
    "model": 14,
    "mode": 6,
    "pending_risks": 34,  # most risk ids whole
    "error": 40,
}
OTHER_WIDTH = 20
ACCOUNTABILITY_WIDTHS = (16, 24)  # service, name; then a party's label per column ("IT Delivery")
PARTY_WIDTH = 12
PROCESSES_PER_PAGE = 7  # Accountability prints 7 processes (14 columns) and the service a page wide
PAGE_WIDTH = 1045  # pixels (96 dpi) inside the margins of a landscape A4 page
PAGE_HEIGHT = 516  # points inside the margins of a landscape A4 page
DEFAULT_WIDTH = 9  # a column XlsxWriter leaves as it is (8.43 characters)
CHART_WIDTH = 480  # pixels: XlsxWriter's chart
SUMMARY_WIDTHS = (45, 28, 36, 12)  # the widest table, the top services: id, name, location, findings
CHART_ROWS = 16  # the rows the chart covers, from the second: the first page holds them
LINE_HEIGHT = 15  # points: a line of the default font (Calibri 11)
MAX_CELL = 32767  # characters a cell holds (Excel)
MAX_ROWS = 1_048_575  # rows a sheet holds under its header (Excel)
STYLE = "<s>"  # stands for the data cells' style index until it is known: escaped text never holds a "<"
# what a cell cannot hold: control characters and lone surrogates (written as printable() writes them),
# and the two characters XML 1.0 cannot hold
_NOT_TEXT = re.compile(f"[\ufffe\uffff]|{CONTROL.pattern}|{SURROGATE.pattern}")
_SPECIAL = re.compile(f"[&<>]|{_NOT_TEXT.pattern}")


def without_trace(line: str) -> dict[str, Any]:
    """An assessment's JSON line, read without its trace and what follows it (most of its bytes: 11 of 13 KB
    in the example portfolio; no finding is listed from them) when it can be: every kind's part comes
    before the trace (Assessment.to_dict), and the text before the last `,"trace":` closed as an object
    reads as JSON only where that key is the document's own (elsewhere its brackets would not balance).
    Else the whole line."""
    cut = line.rfind(',"trace":')
    if cut > 0:
        with contextlib.suppress(orjson.JSONDecodeError):
            return dict(orjson.loads(line[:cut] + "}"))
    return dict(orjson.loads(line))


def findings_of(document: dict[str, Any], context: ReportContext) -> list[kinds.Finding]:
    """The findings of one assessment (its JSON) in words, as every conclusion kind lists its own, in the
    summary's kind order: conflicts, risks nobody has accepted, governance areas, open decisions."""
    return [
        finding
        for kind in kinds.summarised()
        if kind.part in document
        for finding in kind.listed_findings(document[kind.part], context)
    ]


def _escape(match: re.Match[str]) -> str:
    character = match.group()
    return f"\\u{ord(character):04x}" if character in "\ufffe\uffff" else printable(character)


def xml_text(text: str) -> str:
    """A cell's text as XML element content: printable, within a cell's length, escaped."""
    if _SPECIAL.search(text) is None:
        return text[:MAX_CELL]
    text = _NOT_TEXT.sub(_escape, text)[:MAX_CELL]
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@lru_cache(maxsize=4096)
def _text_cell(text: str) -> str:
    """A cell of text: an inline string, which is never a formula (kept for the texts that repeat: the
    parties, severities, kinds, rules and the service's own id and name under each of its findings)."""
    escaped = xml_text(text)
    space = ' xml:space="preserve"' if escaped[:1].isspace() or escaped[-1:].isspace() else ""
    return f'<c s="{STYLE}" t="inlineStr"><is><t{space}>{escaped}</t></is></c>'


def lines(text: str, per_line: int) -> int:
    """How many lines a text wraps to, `per_line` characters a line."""
    if "\n" not in text:
        return max(1, -(-len(text) // per_line))
    return sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))


def per_line(width: int) -> int:
    """About how many characters of text a line of a column `width` characters wide holds: a line of
    Calibri (or Carlito) holds about 1.25 times the width, less what a word that does not fit leaves
    empty at its end; 1.1 times errs on the tall side."""
    return max(width * 11 // 10, 1)


def row_height(values: Sequence[Any], widths: Sequence[int]) -> int:
    """Points a row needs for its longest wrapped text."""
    return LINE_HEIGHT * max(lines(str(value), per_line(width)) for value, width in zip(values, widths, strict=True))


def _cells(values: Sequence[Any], fits: Sequence[int]) -> tuple[str, int]:
    """Cells of a row, and how many lines its tallest text takes, `fits` characters a line in each column.
    A cell names no position (`r`): it is the next one in its row, an empty text an empty cell."""
    tallest = 1
    cells = []
    for value, per_line in zip(values, fits, strict=True):
        if isinstance(value, int):
            cells.append(f'<c s="{STYLE}"><v>{value}</v></c>')
        elif value:
            if len(value) > per_line or "\n" in value:
                tallest = max(tallest, lines(value, per_line))
            cells.append(_text_cell(value))
        else:
            cells.append("<c/>")
    return "".join(cells), tallest


@lru_cache(maxsize=1024)
def _party_cells(matrix: tuple[tuple[str, str], ...], per_line: int) -> tuple[str, int]:
    """A service's accountability matrix as cells: most services share one of a few matrices."""
    return _cells([party(value) for pair in matrix for value in pair], [per_line] * 2 * len(matrix))


class SheetRows:
    """The data rows of one sheet, from row 2 (under its header), as sheet XML in a Spool, a row a line."""

    def __init__(self, target: Path, headers: Sequence[str], widths: Sequence[int]) -> None:
        self.headers = tuple(headers)
        self.widths = tuple(widths)
        self.per_line = [per_line(width) for width in widths]
        self.spool = Spool(target)
        self.count = 0
        self.left_out = 0  # rows beyond what a sheet holds

    def add(self, *parts: tuple[str, int]) -> None:
        """A row of cells made by cells(), in parts (what several rows share is made once)."""
        if self.count == MAX_ROWS:
            self.left_out += 1
            return
        self.count += 1
        tallest = max(lines for _, lines in parts)
        height = f' ht="{LINE_HEIGHT * tallest}" customHeight="1"' if tallest > 1 else ""
        self.spool.write(f'<row r="{self.count + 1}"{height}>{"".join(xml for xml, _ in parts)}</row>\n')

    def cells(self, values: Sequence[Any], first: int = 0) -> tuple[str, int]:
        """The cells of `values` from column `first` on, and the lines its tallest text takes."""
        return _cells(values, self.per_line[first : first + len(values)])

    def filled(self, xml: bytes, style: int) -> Iterator[bytes]:
        """The sheet's XML as XlsxWriter built it (the header row), with the rows under it and its
        dimension (the range it holds) made to hold them."""
        from xlsxwriter.utility import xl_rowcol_to_cell

        head, tail = xml.split(b"</sheetData>")
        last = xl_rowcol_to_cell(self.count, len(self.headers) - 1).encode()
        head, found = re.subn(rb'<dimension ref="A1:[A-Z]+1"/>', b'<dimension ref="A1:' + last + b'"/>', head)
        assert found == 1, "XlsxWriter writes the dimension of the header row"
        yield head
        marker, index = f'"{STYLE}"', f'"{style}"'
        for chunk in self.spool.chunks():  # each ends at a row's end: the marker is never cut in two
            yield chunk.replace(marker, index).encode("utf-8")
        yield b"</sheetData>" + tail

    def size(self) -> int:
        """Bytes spooled so far."""
        return self.spool.file.seek(0, io.SEEK_END)

    def close(self) -> None:
        self.spool.close()


class XlsxWriter:
    needs_json = True  # the findings' texts
    lines = None  # it takes each Outcome

    def __init__(self, path: Path, context: ReportContext) -> None:
        self.path = path
        self.context = context
        headers = row_headers()
        widths = [max(SERVICE_WIDTHS.get(header, OTHER_WIDTH), len(header) + 1) for header in headers]
        columns = ("application", "interface")
        processes = [f"{name}: {column}" for _, name in context.processes for column in columns]
        self.sheets = {
            "Services": SheetRows(path, headers, widths),
            "Findings": SheetRows(path, FINDING_HEADERS, FINDING_WIDTHS),
            "Accountability": SheetRows(
                path, ("service", "name", *processes), (*ACCOUNTABILITY_WIDTHS, *([PARTY_WIDTH] * len(processes)))
            ),
        }

    def add(self, outcome: Outcome) -> None:
        values = row(outcome)
        location, service_id, name = values[:3]
        services, findings, accountability = self.sheets.values()
        services.add(services.cells(values))
        if outcome.status == OK and outcome.json is not None:
            found = findings_of(without_trace(outcome.json), self.context)
            service, where = findings.cells((service_id, name)), findings.cells((location,), len(FINDING_HEADERS) - 1)
            for finding in found:
                findings.add(service, findings.cells(finding, 2), where)
        accountability.add(accountability.cells((service_id, name)), _party_cells(outcome.cells, per_line(PARTY_WIDTH)))

    def finish(self, summary: Summary) -> None:
        try:
            skeleton, style = self._skeleton(summary)
            with binary_file(self.path) as stream:
                self._save(skeleton, style, stream)
        except OSError as error:
            raise write_failed(self.path, error) from None
        finally:
            self.abort()

    def abort(self) -> None:
        for sheet in self.sheets.values():
            sheet.close()

    def _skeleton(self, summary: Summary) -> tuple[bytes, int]:
        """The workbook without the data rows (XlsxWriter, in memory), and the data cells' style index."""
        import xlsxwriter

        saved = io.BytesIO()
        workbook = xlsxwriter.Workbook(saved, {"in_memory": True})
        workbook.set_properties({"created": FIXED_TIME})
        bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        data = workbook.add_format({"text_wrap": True, "valign": "top", "align": "left"})  # a count by its header
        band = workbook.add_format({"bg_color": "#EEF2F7"})
        left_out = {name: rows.left_out for name, rows in self.sheets.items() if rows.left_out}
        _summary_sheet(workbook, (bold, data), summary, self.context, left_out)
        for name, rows in self.sheets.items():
            _data_sheet(workbook, name, rows, (bold, data, band))
        add_drift_sheet(workbook, summary, self.context.process_names, bold)  # after the data sheets (_save)
        workbook.close()
        assert data.xf_index is not None, "the data style is the columns' style, so it has an index"
        return saved.getvalue(), data.xf_index

    def _save(self, skeleton: bytes, style: int, stream: Any) -> None:
        """The package: the skeleton's members at a fixed time, the data sheets with their rows streamed in."""
        sheets = {f"xl/worksheets/sheet{index}.xml": rows for index, rows in enumerate(self.sheets.values(), 2)}
        with zipfile.ZipFile(io.BytesIO(skeleton)) as source, zipfile.ZipFile(stream, "w") as target:
            for info in source.infolist():
                member = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
                member.compress_type = zipfile.ZIP_DEFLATED
                xml = source.read(info)
                rows = sheets.get(info.filename)
                if rows is None:
                    target.writestr(member, xml)
                    continue
                # the rows at the fastest level: 3 times faster than the default, the workbook 1.6 times larger
                # (ZipFile.open takes no level; it reads this attribute, compress_level from Python 3.13 on)
                member._compresslevel = 1  # type: ignore[attr-defined]
                with target.open(member, "w", force_zip64=len(xml) + rows.size() >= zipfile.ZIP64_LIMIT) as out:
                    for chunk in rows.filled(xml, style):
                        out.write(chunk)


def _print_settings(sheet: Any, last_row: int, last_column: int, header: bool = True, scale: int = 0) -> None:
    """Landscape A4, as wide as the page (or at `scale` percent), the header row on every page, the sheet's
    name and page in the footer."""
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    if scale:
        sheet.set_print_scale(scale)
    else:
        sheet.fit_to_pages(1, 0)
    sheet.print_area(0, 0, last_row, last_column)
    if header:
        sheet.repeat_rows(0)
    sheet.set_footer("&L&A&RPage &P of &N")


def _pages_of_processes(sheet: Any, rows: SheetRows) -> int:
    """Accountability's print: a page's width holds the service's id and name (repeated) and 7 processes,
    each further 7 on the next page; returns the scale that fits them. Its 30 columns fitted to one
    width would print at 40%, 4.5-point text. (Excel ignores page breaks when fitting to pages: a scale.)"""
    fixed = len(ACCOUNTABILITY_WIDTHS)
    per_page = 2 * PROCESSES_PER_PAGE
    sheet.set_v_pagebreaks(list(range(fixed + per_page, len(rows.widths), per_page)))
    sheet.repeat_columns(0, fixed - 1)
    return _scale(sum(_pixels(width) for width in rows.widths[: fixed + per_page]))


def _scale(pixels: int) -> int:
    """The print scale (percent) at which `pixels` of columns fill a page's width, a tenth less: LibreOffice
    draws the columns a little wider than Excel."""
    return min(100, PAGE_WIDTH * 90 // pixels)


def _pixels(width: int) -> int:
    """A column's width in pixels as Excel draws it: a digit of the default font is 7, and 5 of padding."""
    return width * 7 + 5


def _data_sheet(workbook: Any, name: str, rows: SheetRows, formats: tuple[Any, ...]) -> None:
    """A data sheet's columns, header row (bold, frozen, with filters) and print settings, every other row
    shaded; its rows are streamed in when the package is saved. The columns have the data cells' style
    (wrapped, at the top), so that the style has an index. (An Excel table would cost XlsxWriter a
    dictionary entry per cell of its range.)"""
    bold, data, band = formats
    sheet = workbook.add_worksheet(name)
    for index, width in enumerate(rows.widths):
        sheet.set_column(index, index, width, data)
    headers = [printable(header) for header in rows.headers]
    last = len(headers) - 1
    sheet.write_row(0, 0, headers, bold)
    sheet.set_row(0, row_height(headers, [width - 1 for width in rows.widths]))  # bold is wider
    sheet.autofilter(0, 0, rows.count, last)
    if rows.count:
        shaded = {"type": "formula", "criteria": "=MOD(ROW(),2)=1", "format": band}
        sheet.conditional_format(1, 0, rows.count, last, shaded)
    sheet.freeze_panes(1, 0)
    _print_settings(sheet, rows.count, last, scale=_pages_of_processes(sheet, rows) if name == "Accountability" else 0)


def _summary_sheet(
    workbook: Any, formats: tuple[Any, Any], summary: Summary, context: ReportContext, left_out: dict[str, int]
) -> None:
    """The summary's tables under each other, none split over two pages, and the chart of services per
    model beside them; first, what a sheet could not hold (Excel's 1,048,576 rows)."""
    bold, data = formats
    sheet = workbook.add_worksheet("Summary")
    for column, width in enumerate(SUMMARY_WIDTHS):
        sheet.set_column(column, column, width, data)
    scale = _scale(sum(map(_pixels, SUMMARY_WIDTHS)) + _pixels(DEFAULT_WIDTH) + CHART_WIDTH)
    pages = _Pages(PAGE_HEIGHT * 90 // scale)  # points of rows a page holds, a tenth less, as for the width
    line = 0
    for name, count in left_out.items():
        note = f"{name}: {count:,} more rows than a sheet holds are left out; the JSON Lines report has them all"
        sheet.write_string(line, 0, note, bold)
        line = pages.add(line, [LINE_HEIGHT])
    per_model = summary.per_model()
    tables: list[tuple[str, list[str], list[tuple[Any, ...]]]] = [
        *summary.tables(context.process_names),
        ("Services per model", ["model", "services"], list(per_model.items())),  # the chart's data
    ]
    first = line  # of the last table's rows: the chart's data
    for title, headers, rows in tables:
        heights = [row_height(values, _summary_widths(values)) for values in rows]
        pages.keep_together(line, [LINE_HEIGHT, LINE_HEIGHT, *heights])
        first = line + 2
        sheet.write_string(line, 0, printable(title), bold)
        sheet.write_row(line + 1, 0, [printable(header) for header in headers], bold)
        for offset, values in enumerate(rows, 2):
            _summary_row(sheet, line + offset, values, data, heights[offset - 2])
        line = pages.add(line, [LINE_HEIGHT, LINE_HEIGHT, *heights, LINE_HEIGHT])
    sheet.set_h_pagebreaks(pages.breaks)
    last_row = first + len(per_model) - 1
    chart_column = len(SUMMARY_WIDTHS) + 1
    if per_model:
        chart = workbook.add_chart({"type": "column"})
        chart.add_series(
            {
                "name": "services",
                "categories": ["Summary", first, 0, last_row, 0],
                "values": ["Summary", first, 1, last_row, 1],
            }
        )
        chart.set_title({"name": "Services per model"})
        chart.set_y_axis({"name": "services"})
        chart.set_legend({"none": True})
        sheet.insert_chart(1, chart_column, chart)
    _print_settings(sheet, max(line - 2, CHART_ROWS), chart_column + 7, header=False, scale=scale)  # no gap


class _Pages:
    """Where the pages of a printed sheet end, row by row, and the breaks that keep a table on one page."""

    def __init__(self, height: int) -> None:
        self.height = height  # points of rows a page holds
        self.used = 0
        self.breaks: list[int] = []

    def keep_together(self, line: int, heights: Sequence[int]) -> None:
        """A page break before `line` when the rows of `heights` from there would not fit on the rest of
        this page but fit a page (never above the chart's rows, on the first page)."""
        total = sum(heights)
        if self.used and self.used + total > self.height >= total and line > CHART_ROWS:
            self.breaks.append(line)
            self.used = 0

    def add(self, line: int, heights: Sequence[int]) -> int:
        """The line after rows of `heights` from `line`, a page filled where the printer would end it."""
        for height in heights:
            self.used = height if self.used + height > self.height else self.used + height
        return line + len(heights)


def _summary_widths(values: Sequence[Any]) -> list[int]:
    return [*SUMMARY_WIDTHS, *([OTHER_WIDTH] * len(values))][: len(values)]


def _summary_row(sheet: Any, line: int, values: Sequence[Any], data: Any, height: int) -> None:
    """One row of a summary table: numbers as numbers, texts as text, as high as its texts need."""
    for column, value in enumerate(values):
        if isinstance(value, int):
            sheet.write_number(line, column, value, data)
        else:
            sheet.write_string(line, column, printable(value), data)
    if height > LINE_HEIGHT:
        sheet.set_row(line, height)
