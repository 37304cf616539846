"""The demo plans, compact and legible: at most 8 pages in regular print, no page less than half used except
the worksheets (journaling pages, tracker), large print at 16 pt with nothing under 12 pt. Every demo plan is
rendered in both sizes from the real demo data."""
import io
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from integration.extensions import db
from integration.plans.models import Plan

MAX_REGULAR_PAGES = 8
FOOTER_POINTS = 80  # the running footer and page number live in the bottom margin


@pytest.fixture(scope="module")
def demo_pdfs(session_app):
    """{(client, 'regular' or 'large'): PDF bytes} for every demo plan."""
    from tests.conftest import start_afresh

    from integration.plans.assemble import build_document, load_plan
    from integration.plans.pdf import render_plan_pdf

    start_afresh(session_app)
    with session_app.app_context():
        result = session_app.test_cli_runner().invoke(args=["demo-data"])
        assert result.exit_code == 0, result.output
        pdfs = {}
        for plan in db.session.scalars(select(Plan).where(Plan.status == "finalized")):
            for size in ("regular", "large"):
                doc = build_document(load_plan(plan.client_id, plan.id))
                doc.large_print = size == "large"
                pdfs[(plan.client.first_name, size)] = render_plan_pdf(doc)
        db.session.rollback()
    start_afresh(session_app)
    return pdfs


def _fills(pdf: bytes) -> list[float]:
    """How far down each page its text reaches (0..1), the footer left out."""
    out = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    fills = []
    for page in out.split("<page ")[1:]:
        height = float(re.search(r'height="([\d.]+)"', page).group(1))
        bottoms = [float(y) for y in re.findall(r'yMax="([\d.]+)"', page) if float(y) < height - FOOTER_POINTS]
        fills.append(max(bottoms, default=0) / height)
    return fills


def _texts(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def test_every_demo_plan_fits_eight_pages_in_regular_print(demo_pdfs):
    counts = {client: len(_texts(pdf)) for (client, size), pdf in demo_pdfs.items() if size == "regular"}
    assert len(counts) >= 5 and max(counts.values()) <= MAX_REGULAR_PAGES, counts


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler's pdftotext")
def test_no_page_is_less_than_half_used_except_the_worksheets(demo_pdfs):
    for (client, size), pdf in demo_pdfs.items():
        texts = _texts(pdf)
        worksheets_from = next(i for i, text in enumerate(texts) if i > 0 and "Journaling pages" in text)
        for number, fill in enumerate(_fills(pdf)[:worksheets_from], start=1):
            assert fill >= 0.5, f"{client} ({size}), page {number} is {fill:.0%} used"


def _font_sizes(pdf: bytes) -> dict[float, str]:
    """Each effective font size on the pages (points), with a sample of its text."""
    sizes = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            scale = (tm[2] ** 2 + tm[3] ** 2) ** .5 * (cm[2] ** 2 + cm[3] ** 2) ** .5
            sizes.setdefault(round(size * scale, 1), text.strip()[:40])

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return sizes


def test_large_print_is_16_point_with_nothing_under_12(demo_pdfs):
    for (client, size), pdf in demo_pdfs.items():
        if size != "large":
            continue
        sizes = _font_sizes(pdf)
        assert 16.0 in sizes, sorted(sizes)
        assert min(sizes) >= 12.0, f"{client}: {min(sizes)} pt: {sizes[min(sizes)]}"


def test_crisis_help_is_on_page_two_of_every_demo_plan(demo_pdfs):
    for (client, size), pdf in demo_pdfs.items():
        texts = _texts(pdf)
        assert "988lifeline.org" in texts[1], (client, size)
        assert "Help any time: call or text 988" in texts[-1], (client, size)
