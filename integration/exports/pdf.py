"""The client's record as a PDF: the plan's renderer (plans/pdf.html_to_pdf: static files only, fonts from
static, tagged PDF/UA-1) over templates/pdf/record.html, with its own small stylesheet from static."""
from __future__ import annotations

from flask import render_template

from ..clock import DAY_FORMAT, to_local
from ..plans.document import long_date, paragraphs
from ..plans.pdf import html_to_pdf
from ..safetyplans.models import REASONS, STEPS
from .record import ExportRecord, insight_line


def render_html(export: ExportRecord, tz_name: str, large_print: bool = False) -> str:
    return render_template("pdf/record.html", export=export, client=export.client, practice=export.client.practice,
                           tz_name=tz_name, large_print=large_print, long_date=long_date, paragraphs=paragraphs,
                           insight_line=insight_line,
                           local=lambda moment: to_local(moment, tz_name), DAY_FORMAT=DAY_FORMAT,
                           SAFETY_STEPS=list(STEPS.items()), SAFETY_REASONS=REASONS)


def render(export: ExportRecord, tz_name: str, large_print: bool = False) -> bytes:
    """The PDF; in large print, the plan's bigger type (16 pt) throughout."""
    return html_to_pdf(render_html(export, tz_name, large_print), export.client.practice.paper_size or "letter",
                       large_print)
