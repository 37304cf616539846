"""Render a PlanDocument as the client's PDF (WeasyPrint) or as its on-screen preview.

The renderer reaches nothing but the app's own static files: WeasyPrint's default fetcher reads
local files and the network, so every render goes through StaticOnlyFetcher, an allow-list that
serves /static/... from the app's static folder and data: URIs, and refuses everything else.

The stylesheet is parsed once per process and one FontConfiguration is shared by every render;
`make bench` measures what that saves. The ~140 fallback font faces (fonts.css: other scripts,
emoji, symbols) are added per render only when the document has characters in their
unicode-range, the way a browser does, and each is parsed once per process when first needed:
loading them all up front costs seconds of woff2 decoding.
"""
import bisect
import mimetypes
import os
import re
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from flask import current_app, render_template, url_for
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from ..clock import WEEKDAY_ABBREVIATIONS
from .document import EmptyPlanError, PlanDocument, long_date, paragraphs, short_date

# A host name that can never resolve (RFC 2606): relative URLs in the plan resolve under it and
# the fetcher answers them from disk, so nothing is ever contacted.
BASE_URL = "https://pdf.invalid/"
STATIC_PREFIX = "/static/"
STYLESHEET = "pdf/plan.css"
FALLBACK_FONTS = "pdf/fonts.css"
PDF_VARIANT = "pdf/ua-1"
PRIMARY_FAMILIES = ("Atkinson Hyperlegible", "Atkinson Hyperlegible Ext")
PAGE_SIZE_CSS = {"letter": "@page { size: letter; }", "a4": "@page { size: A4; }"}
# The page number sits in a page-margin box, which a class on <html> cannot reach: large print adds this.
# Its width is set, or a long running footer beside it squeezes "Page 12 of 24" onto two lines.
LARGE_PRINT_PAGE_CSS = "@page { @bottom-right { font-size: 12pt; width: 34mm; } }"


class FetchRefused(ValueError):
    """The PDF asked for something outside the allow-list; WeasyPrint skips that resource."""


class StaticOnlyFetcher(URLFetcher):
    """Serves https://pdf.invalid/static/... from the static folder and data: URIs; refuses the rest."""

    def __init__(self, static_folder: str | Path):
        # The parent only ever handles data: URIs (urllib's DataHandler); nothing else reaches it.
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self.static_root = Path(static_folder).resolve()

    def fetch(self, url, headers=None):
        if url[:5].lower() == "data:":
            return super().fetch(url, headers)
        path = self.static_path(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    def static_path(self, url: str) -> Path:
        """The file a URL names inside the static folder.

        :raise FetchRefused: for any other scheme or host, traversal, or a missing file.
        """
        parts = urlsplit(url)
        base = urlsplit(BASE_URL)
        if (parts.scheme.lower(), parts.netloc.lower()) != (base.scheme, base.netloc):
            raise FetchRefused(f"refused (not the app's static files): {url[:200]}")
        path = unquote(parts.path)
        if not path.startswith(STATIC_PREFIX) or "\x00" in path or "\\" in path:
            raise FetchRefused(f"refused (outside /static/): {url[:200]}")
        target = (self.static_root / path[len(STATIC_PREFIX):]).resolve()
        if not target.is_relative_to(self.static_root) or not target.is_file():
            raise FetchRefused(f"refused (no such static file): {url[:200]}")
        return target


@dataclass
class _FontFace:
    """One fallback @font-face rule, its unicode-range, and its parsed CSS once it was needed."""

    rule: str
    starts: list[int]
    ends: list[int]
    family: str = ""  # a name of its own for the PDF (see _parse_faces)
    css: weasyprint.CSS | None = None

    def covers_any(self, codepoints) -> bool:
        for codepoint in codepoints:
            index = bisect.bisect_right(self.starts, codepoint) - 1
            if index >= 0 and codepoint <= self.ends[index]:
                return True
        return False


def _parse_faces(css_text: str) -> list[_FontFace]:
    """The @font-face rules of a stylesheet that have a unicode-range."""
    faces = []
    for rule in re.findall(r"@font-face\s*\{[^}]*\}", css_text):
        if not (unicode_range := re.search(r"unicode-range:([^;}]+)", rule)):
            continue
        ranges = []
        for token in unicode_range.group(1).split(","):
            start, _, end = token.strip().removeprefix("U+").partition("-")
            ranges.append((int(start, 16), int(end or start, 16)))
        ranges.sort()
        faces.append(_FontFace(rule, [r[0] for r in ranges], [r[1] for r in ranges]))
    return faces


def _rename_faces(faces: list[_FontFace]) -> list[_FontFace]:
    """Give each font file its own family name, e.g. "Noto Sans JP 57" or "Noto Sans cyrillic".

    WeasyPrint 70 makes one PDF font per family, weight and style: unicode-range subsets of one
    family would share a PDF font and print each other's glyphs (seen: "Łódź" drawn as "Ł ƒź").
    Weights of one subset keep one name so bold text still finds its bold file.
    """
    for face in faces:
        family = re.search(r'font-family:\s*"([^"]+)"', face.rule).group(1)
        file_name = re.search(r'/([^/"]+)\.woff2', face.rule).group(1)
        subset = re.sub(r"-\d{3}-(normal|italic)$", "", file_name).removeprefix(
            family.lower().replace(" ", "-") + "-")
        face.family = f"{family} {subset}"
        face.rule = face.rule.replace(f'font-family:"{family}"', f'font-family:"{face.family}"')
    return faces


def _font_stack_css(families: tuple[str, ...]) -> str:
    names = ", ".join(f'"{name}"' for name in (*PRIMARY_FAMILIES, *families)) + ", sans-serif"
    return f".plan, .running-footer {{ font-family: {names}; }}"


@dataclass
class _Renderer:
    """What is set up once per process and static folder: fetcher, fonts, parsed stylesheets."""

    fetcher: StaticOnlyFetcher
    font_config: FontConfiguration
    stylesheet: weasyprint.CSS
    page_css: dict
    primary_faces: list[_FontFace]
    faces: list[_FontFace]
    stylesheet_chars: frozenset[int]
    lock: threading.Lock
    stacks: dict = field(default_factory=dict)  # font-family CSS per tuple of fallback families

    def stylesheets(self, html: str, paper_size: str, large_print: bool = False) -> list[weasyprint.CSS]:
        """The parsed stylesheets for one document: main, page size, and the fallback faces it needs."""
        codepoints = {ord(char) for char in set(html) if ord(char) > 0x7F} | self.stylesheet_chars
        codepoints = {c for c in codepoints if not any(face.covers_any((c,)) for face in self.primary_faces)}
        sheets = [self.stylesheet, self.page_css[paper_size]]
        if large_print:
            sheets.append(self.page_css["large"])
        needed = [face for face in self.faces if face.covers_any(codepoints)]
        for face in needed:
            if face.css is None:
                with self.lock:
                    if face.css is None:
                        face.css = weasyprint.CSS(
                            string=face.rule, base_url=BASE_URL + "static/" + FALLBACK_FONTS,
                            url_fetcher=self.fetcher, font_config=self.font_config)
            sheets.append(face.css)
        families = tuple(dict.fromkeys(face.family for face in needed))
        if families not in self.stacks:
            self.stacks[families] = weasyprint.CSS(string=_font_stack_css(families), font_config=self.font_config)
        sheets.append(self.stacks[families])
        return sheets


_renderers: dict[str, _Renderer] = {}
_renderers_lock = threading.Lock()


def _renderer(static_folder: str) -> _Renderer:
    renderer = _renderers.get(static_folder)
    if renderer is None:
        with _renderers_lock:
            renderer = _renderers.get(static_folder)
            if renderer is None:
                renderer = _build_renderer(static_folder)
                _renderers[static_folder] = renderer
    return renderer


# Colour emoji fonts installed on a machine (Debian's Noto Color Emoji) would otherwise win over
# the vendored Noto Emoji for emoji characters, so the PDF would depend on the machine.
_FONTCONFIG = """<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">{system}</include>
  <selectfont><rejectfont><pattern><patelt name="color"><bool>true</bool></patelt></pattern></rejectfont></selectfont>
</fontconfig>
"""


def _font_configuration() -> FontConfiguration:
    """A FontConfiguration with the system's fonts minus colour emoji fonts (called once, under a lock)."""
    system = os.environ.get("FONTCONFIG_FILE") or "/etc/fonts/fonts.conf"
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as conf:
        conf.write(_FONTCONFIG.format(system=system))
    previous = os.environ.get("FONTCONFIG_FILE")
    os.environ["FONTCONFIG_FILE"] = conf.name  # fontconfig reads it while FontConfiguration loads
    try:
        return FontConfiguration()
    finally:
        if previous is None:
            os.environ.pop("FONTCONFIG_FILE", None)
        else:
            os.environ["FONTCONFIG_FILE"] = previous
        os.unlink(conf.name)


def _build_renderer(static_folder: str) -> _Renderer:
    fetcher = StaticOnlyFetcher(static_folder)
    font_config = _font_configuration()
    stylesheet = weasyprint.CSS(url=BASE_URL + "static/" + STYLESHEET, url_fetcher=fetcher,
                                font_config=font_config)
    page_css = {size: weasyprint.CSS(string=css, font_config=font_config)
                for size, css in PAGE_SIZE_CSS.items()}
    page_css["large"] = weasyprint.CSS(string=LARGE_PRINT_PAGE_CSS, font_config=font_config)
    static = Path(static_folder)
    main_css = (static / STYLESHEET).read_text(encoding="utf-8")
    faces = _rename_faces(_parse_faces((static / FALLBACK_FONTS).read_text(encoding="utf-8")))
    # Characters the stylesheet itself prints (the checkbox marker) need their faces too.
    stylesheet_chars = frozenset(ord(c) for c in main_css if ord(c) > 0x7F)
    return _Renderer(fetcher, font_config, stylesheet, page_css, _parse_faces(main_css), faces,
                     stylesheet_chars, threading.Lock())


def _template_context(doc: PlanDocument) -> dict:
    sections = [
        ("safety", "Keeping you safe", True),
        ("note", f"A note from {doc.practitioner_name}", True),
        ("first-days", "Your first days", bool(doc.first_days or doc.behind)),
        ("ongoing", "In the weeks after", bool(doc.ongoing)),
        ("goals", "What you are working towards", bool(doc.goals)),
        ("if-things-feel-hard", "If things feel hard", True),
        ("journal", "Journaling pages", True),
        ("tracker", "Your weeks at a glance", bool(doc.tracker_practices)),
        ("safety-plan", "Your safety plan", bool(doc.safety_plan)),
    ]
    return {"doc": doc, "sections": sections, "weekdays": WEEKDAY_ABBREVIATIONS, "paragraphs": paragraphs,
            "long_date": long_date, "short_date": short_date}


def render_plan_html(doc: PlanDocument, stylesheet_links: tuple[str, ...] = ()) -> str:
    """The plan's final HTML as WeasyPrint renders it (needs an app context).

    The stylesheet is not linked (it is handed to WeasyPrint pre-parsed); pass stylesheet_links to
    get a self-styled document for another renderer.
    """
    return render_template("pdf/plan.html", preview=False, stylesheet_links=stylesheet_links,
                           back_url=None, **_template_context(doc))


def preview_html(doc: PlanDocument, back_url: str | None = None, held_back: list[str] = ()) -> str:
    """A full HTML page showing exactly what the PDF shows, styled for the screen (CSP-safe: linked CSS)."""
    links = (url_for("static", filename=FALLBACK_FONTS), url_for("static", filename=STYLESHEET))
    return render_template("pdf/plan.html", preview=True, stylesheet_links=links, back_url=back_url,
                           held_back=held_back, **_template_context(doc))


def html_to_pdf(html: str, paper_size: str = "letter", large_print: bool = False) -> bytes:
    """Render plan HTML to a tagged PDF (PDF/UA-1), fetching only the app's static files.

    Large print is carried by the HTML itself (a class on <html>), and by a page rule for the page number.
    """
    renderer = _renderer(current_app.static_folder)
    html_doc = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=renderer.fetcher)
    return html_doc.write_pdf(
        stylesheets=renderer.stylesheets(html, paper_size, large_print),
        font_config=renderer.font_config,
        pdf_variant=PDF_VARIANT,
    )


def render_safety_plan_html(doc: PlanDocument, stylesheet_links: tuple[str, ...] = ()) -> str:
    """The client's safety plan on its own (doc.kind "safety_plan"), as WeasyPrint renders it."""
    return render_template("pdf/safety_plan.html", preview=False, stylesheet_links=stylesheet_links,
                           **_template_context(doc))


def render_safety_plan_pdf(doc: PlanDocument) -> bytes:
    """The client's safety plan as a PDF: the plan's renderer, stylesheet, fonts and fetcher."""
    return html_to_pdf(render_safety_plan_html(doc), doc.paper_size, doc.large_print)


def render_plan_pdf(doc: PlanDocument) -> bytes:
    """The client's PDF for a plan document.

    :raise EmptyPlanError: when the plan has nothing in it for the client yet.
    """
    if doc.is_empty:
        raise EmptyPlanError("This plan has nothing in it yet: add a practice, a goal or a message first.")
    return html_to_pdf(render_plan_html(doc), doc.paper_size, doc.large_print)
