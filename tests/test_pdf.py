"""The client's PDF: what it shows, how it flows, its fonts, tags, paper and preview."""
import re
import subprocess
from io import BytesIO

import pytest
from pypdf import PdfReader

from bench.sample import sample_document
from integration.plans.document import EmptyPlanError, PlanDay, PlanDocument, PlanEntry, PlanGoal
from integration.plans.pdf import preview_html, render_plan_pdf

VENDORED_FONT_NAMES = ("Atkinson-Hyperlegible", "Noto-Sans", "Noto-Emoji")


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def squashed(text: str) -> str:
    """Text without any whitespace, so words wrapped across lines still match."""
    return re.sub(r"\s+", "", text)


def poppler(tool: str, pdf: bytes, tmp_path) -> str:
    path = tmp_path / "plan.pdf"
    path.write_bytes(pdf)
    return subprocess.run([tool, str(path)], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def sample_pdf(session_app):
    """The sample plan's PDF, rendered once for the tests that only read it (bytes cannot change)."""
    with session_app.app_context():
        return render_plan_pdf(sample_document())


def test_the_pdf_shows_the_plan_items_prompts_goals_and_crisis_text(sample_pdf):
    text = squashed(text_of(sample_pdf))
    for expected in ("Your integration plan", "For Zoë", "Ines Alvarez", "Tuesday, May 5, 2026",
                     "An easy evening", "A slow walk outside", "Morning pages", "Gentle yoga",
                     "What do you want to remember from today", "What felt different when you woke up?",
                     "Start things before I feel ready", "I talk to myself in a way I would never talk to a friend.",
                     "When I just began, the fear got smaller.", "Because you noticed",
                     "I felt calm for the first time in months when I pictured the lake.",
                     "Call or text 988", "call 911", "Text or call 555-0142", "Thursday, May 7 at 10:00 AM",
                     "Your weeks at a glance", "If things feel hard", "version 2"):
        assert squashed(expected) in text, expected


def test_every_page_has_a_number_and_the_footer_with_version_and_date(sample_pdf):
    pages = PdfReader(BytesIO(sample_pdf)).pages
    assert len(pages) >= 5
    for number, page in enumerate(pages[1:], start=2):  # the cover has no footer
        text = page.extract_text()
        assert f"Page {number} of {len(pages)}" in text
        assert "Zoë's plan · version 2 · May 5, 2026" in text


def test_the_pdf_is_tagged_with_title_and_language(sample_pdf, tmp_path):
    info = poppler("pdfinfo", sample_pdf, tmp_path)
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    assert re.search(r"^Title:\s+Your integration plan · Zoë$", info, re.M)
    catalog = PdfReader(BytesIO(sample_pdf)).trailer["/Root"]
    assert catalog["/Lang"] == "en"
    assert "/StructTreeRoot" in catalog


def test_language_follows_the_document(app):
    pdf = render_plan_pdf(sample_document(language="es"))
    assert PdfReader(BytesIO(pdf)).trailer["/Root"]["/Lang"] == "es"


@pytest.mark.parametrize("paper, size", [("letter", (612, 792)), ("a4", (595, 842))])
def test_paper_size_is_letter_or_a4(app, paper, size):
    pdf = render_plan_pdf(sample_document(paper_size=paper))
    box = PdfReader(BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == size


def test_an_unknown_paper_size_is_refused():
    with pytest.raises(ValueError):
        sample_document(paper_size="legal")


def test_large_print_sets_bigger_type_over_more_pages(app, tmp_path):
    regular = render_plan_pdf(sample_document())
    large = render_plan_pdf(sample_document(large_print=True))
    assert len(PdfReader(BytesIO(large)).pages) > len(PdfReader(BytesIO(regular)).pages)
    assert squashed("A slow walk outside") in squashed(text_of(large))


def test_very_long_text_wraps_and_flows_without_anything_cut_off(app):
    words = [f"word{n}" for n in range(2500)]
    unbroken = "x" * 400  # a pasted link or a held-down key: no spaces to wrap at
    long_title = "A practice with a very long name " * 12
    doc = sample_document(
        message=" ".join(words) + " " + unbroken,
        ongoing=[PlanEntry(title=long_title.strip(), instructions=" ".join(words[:600]),
                           why=["because " + " ".join(words[:300])])],
    )
    pdf = render_plan_pdf(doc)
    text = squashed(text_of(pdf))
    position = 0
    for word in words:  # every word, in order (footers come between pages): nothing clipped
        found = text.find(word, position)
        assert found >= 0, f"{word} is missing"
        position = found + len(word)
    assert unbroken in text
    assert squashed(long_title) in text
    assert "because" + "".join(words[:300]) in text
    assert len(PdfReader(BytesIO(pdf)).pages) > 10


def test_accents_non_latin_scripts_and_emoji_render_with_vendored_fonts(app, tmp_path):
    doc = sample_document(
        client_name="Zoë",
        message="こころ を 大切に 🌿\nПривет, как дела?\nΚαλημέρα\nTiếng Việt\nCrème brûlée, Łódź, São Paulo",
        goals=[PlanGoal("Spend time outside 🌿", "水の近くにいると落ち着く", ["Zoë felt the lake 🌊"])],
    )
    pdf = render_plan_pdf(doc)
    text = text_of(pdf)
    for expected in ("Zoë", "こころ", "大切に", "🌿", "Привет", "Καλημέρα", "Tiếng Việt", "Łódź", "São Paulo",
                     "水の近くにいると落ち着く", "🌊"):
        assert expected in text, expected

    fonts = poppler("pdffonts", pdf, tmp_path).splitlines()[2:]
    names = [line.split()[0].split("+", 1)[1] for line in fonts]
    assert any(name.startswith("Noto-Sans-JP") for name in names)
    assert any(name.startswith("Noto-Emoji") for name in names)
    assert any(name.startswith("Atkinson-Hyperlegible") for name in names)
    # Each unicode-range file is its own PDF font: WeasyPrint 70 merges fonts that share a family
    # name, which drew "Łódź" as "Ł ƒź" while the text layer still said "Łódź".
    assert any(name.startswith("Atkinson-Hyperlegible-Ext") for name in names)
    assert len(names) == len(set(names))
    for line, name in zip(fonts, names):
        assert name.startswith(VENDORED_FONT_NAMES), f"{name} is not one of our vendored fonts"
        emb = line.split()[-5]
        assert emb == "yes", f"{name} is not embedded"


def test_the_checkbox_marker_renders(sample_pdf):
    assert "☐" in text_of(sample_pdf)


def test_user_text_is_escaped_not_interpreted(app):
    doc = sample_document(message="<b>not bold</b> <script>alert(1)</script> & done",
                          client_name="<i>Sam</i>")
    text = text_of(render_plan_pdf(doc))
    assert "<b>not bold</b>" in text
    assert "<script>alert(1)</script>" in text
    assert "<i>Sam</i>" in text


def test_an_empty_plan_is_refused_with_a_clear_message(app):
    doc = PlanDocument(title="Your integration plan", client_name="Zoë", practitioner_name="Ines",
                       practice_name="Riverbend", first_days=[PlanDay(0)])
    with pytest.raises(EmptyPlanError, match="nothing in it yet"):
        render_plan_pdf(doc)


def test_a_plan_with_only_a_message_still_renders(app):
    doc = PlanDocument(title="Your integration plan", client_name="Zoë", practitioner_name="Ines",
                       practice_name="Riverbend", message="Go gently this week.")
    assert "Go gently this week." in text_of(render_plan_pdf(doc))


def test_preview_shows_the_same_content_as_the_pdf(app, sample_pdf):
    doc = sample_document()
    with app.test_request_context():
        html = preview_html(doc, back_url="/clients/1/plans/1")
    pdf_text = squashed(text_of(sample_pdf))
    for expected in ("For Zoë", "A slow walk outside", "Morning pages", "Start things before I feel ready",
                     "What felt different when you woke up?", "call or text 988", "Your weeks at a glance"):
        assert expected in html
        assert squashed(expected) in pdf_text
    assert "Preview." in html and 'href="/clients/1/plans/1"' in html
    assert '<link rel="stylesheet" href="/static/pdf/plan.css">' in html
    assert 'lang="en"' in html and "<title>Your integration plan · Zoë</title>" in html
    # The app's CSP forbids inline styles and scripts.
    assert "style=" not in html and "<style" not in html and "<script" not in html


def test_preview_escapes_user_text(app):
    doc = sample_document(message='<img src="file:///etc/passwd"> hello')
    with app.test_request_context():
        html = preview_html(doc)
    assert '<img src="file:///etc/passwd">' not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt; hello" in html


def test_journaling_pages_hold_each_prompt_once(app):
    doc = sample_document(journal_prompts=["Same question?"],
                          first_days=[PlanDay(0, items=[PlanEntry("Rest")], prompts=["Same question?", "Other?"])])
    assert doc.all_journal_prompts == ["Same question?", "Other?"]
