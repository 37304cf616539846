"""CSV files that a spreadsheet opens as plain text: every export of the app is written here.

A cell that begins with =, +, - or @ (or a tab or line break before one of them) is run as a
formula by Excel, LibreOffice and Google Sheets; a name, an email or a detail typed into the app
could then fetch a URL or run a command on the admin's computer. Each such cell gets a leading
apostrophe, which every spreadsheet reads as "this is text" and does not show.
"""
import csv
import io
from collections.abc import Iterable

# ASCII triggers, their full-width forms (some spreadsheets fold those), and the control
# characters that let a cell start a formula on a "new line".
FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


def formula_safe(value) -> str:
    """The cell's text, with an apostrophe in front when a spreadsheet would run it."""
    text = "" if value is None else str(value)
    if text[:1] in FORMULA_STARTS or text.lstrip(" ")[:1] in FORMULA_STARTS:
        return "'" + text
    return text


def csv_text(header: Iterable, rows: Iterable[Iterable]) -> str:
    """A whole CSV file (header first), every cell passed through formula_safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([formula_safe(cell) for cell in header])
    for row in rows:
        writer.writerow([formula_safe(cell) for cell in row])
    return buffer.getvalue()


def csv_line(row: Iterable) -> str:
    """One CSV line (for a file streamed row by row), every cell passed through formula_safe."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow([formula_safe(cell) for cell in row])
    return buffer.getvalue()
