"""The PDF renderer reaches nothing but the app's own static files: no network, no file://."""
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from io import BytesIO
from pathlib import Path

import pytest
import weasyprint
from pypdf import PdfReader

from bench.sample import sample_document
from integration.plans.pdf import FetchRefused, StaticOnlyFetcher, html_to_pdf, render_plan_pdf


@pytest.fixture
def fetcher(app):
    return StaticOnlyFetcher(app.static_folder)


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-MARKER-4711")
    return path


@pytest.fixture
def listener():
    """A local HTTP server that records every request it gets."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"body{}")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()
    server.server_close()


def attachments(pdf: bytes) -> dict:
    return PdfReader(BytesIO(pdf)).attachments


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "http://example.com/logo.png",
    "https://example.com/static/pdf/plan.css",
    "http://pdf.invalid/static/pdf/plan.css",  # right host, wrong scheme
    "https://pdf.invalid/etc/passwd",
    "https://pdf.invalid/static/../../../../etc/passwd",
    "https://pdf.invalid/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "https://pdf.invalid/static/..%2f..%2f..%2fetc/passwd",
    "https://pdf.invalid/static/pdf/../../integration/__init__.py",
    "https://pdf.invalid/static/no-such-file.css",
    "https://pdf.invalid/static/",
    "ftp://example.com/file",
])
def test_the_fetcher_refuses_everything_but_static_files(fetcher, url):
    with pytest.raises(FetchRefused):
        fetcher.fetch(url)


def test_the_fetcher_refuses_a_symlink_out_of_the_static_folder(tmp_path, secret_file):
    static = tmp_path / "static"
    static.mkdir()
    (static / "escape.css").symlink_to(secret_file)
    with pytest.raises(FetchRefused):
        StaticOnlyFetcher(static).fetch("https://pdf.invalid/static/escape.css")


def test_the_fetcher_serves_static_files_and_data_uris(fetcher, app):
    response = fetcher.fetch("https://pdf.invalid/static/pdf/plan.css")
    assert response.read() == Path(app.static_folder, "pdf", "plan.css").read_bytes()
    assert response.content_type == "text/css"
    font = fetcher.fetch("https://pdf.invalid/static/fonts/atkinson/atkinson-hyperlegible-latin-400-normal.woff2")
    assert font.read()[:4] == b"wOF2"
    assert fetcher.fetch("data:text/plain;base64,aGVsbG8=").read() == b"hello"


def test_the_default_fetcher_would_embed_a_local_file(secret_file):
    """The danger this guards against is real: plain WeasyPrint attaches a file:// link."""
    html = f'<html lang="en"><title>t</title><link rel="attachment" href="{secret_file.as_uri()}"><p>x</p></html>'
    pdf = weasyprint.HTML(string=html).write_pdf()
    assert attachments(pdf)


def test_markup_in_the_template_cannot_pull_in_local_files_or_the_network(app, secret_file, listener):
    """Even raw HTML handed to the renderer (not just escaped user text) reaches nothing outside /static/."""
    origin, hits = listener
    html = f"""<html lang="en"><head><title>t</title>
      <link rel="attachment" href="{secret_file.as_uri()}">
      <link rel="attachment" href="file:///etc/passwd">
      <link rel="stylesheet" href="{origin}/evil.css">
      <link rel="stylesheet" href="../../../../etc/passwd">
      <style>@import url("{origin}/import.css"); body {{ background: url("{origin}/bg.png"); }}</style>
      </head><body class="plan">
      <img alt="a" src="file:///etc/passwd"><img alt="b" src="{secret_file.as_uri()}">
      <img alt="c" src="{origin}/pixel.png"><img alt="d" src="/static/../../../etc/passwd">
      <p>Still renders</p></body></html>"""
    pdf = html_to_pdf(html)
    assert attachments(pdf) == {}
    assert hits == []
    assert b"TOP-SECRET-MARKER-4711" not in pdf
    assert "Still renders" in PdfReader(BytesIO(pdf)).pages[0].extract_text()


def test_payloads_typed_into_fields_are_printed_as_text(app, secret_file, listener):
    origin, hits = listener
    payloads = [f'<img src="{secret_file.as_uri()}">', '<link rel="attachment" href="file:///etc/passwd">',
                f'<img src="{origin}/track.png">', "../../../../etc/passwd", f"{origin}/plain-link"]
    doc = sample_document(client_name=payloads[0], message="\n".join(payloads),
                          journal_prompts=[payloads[1]], tracker_practices=[payloads[2]])
    pdf = render_plan_pdf(doc)
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages).replace("\n", "")
    for payload in payloads:
        assert payload in text
    assert attachments(pdf) == {}
    assert hits == []
    assert b"TOP-SECRET-MARKER-4711" not in pdf
