"""Browser tests: the real app on a local server, driven through Debian's Chromium.

What this gives a test:

- ``live_server``: the app (CSRF on) served on 127.0.0.1 on a free port, one server for the
  whole session over the session's database; every table is emptied before each test.
- ``browse``: a page in a context that bypasses the Content-Security-Policy, so axe-core can be
  injected. It records every request, every page the tab lands on, page errors, console errors,
  failed requests and error responses. ``browse.check(name)`` runs axe on the current page and
  saves a screenshot; after a passing test, the fixture verifies that every page visited was
  checked, that no request left the live server, and that nothing failed on the way.
- ``strict_browse``: the same, with the Content-Security-Policy enforced (axe cannot run there):
  for proving the pages work under the real policy.
- ``axe_check(page, name)`` and ``shot(page, name)``: the two helpers, usable on any page.
- ``admin_account`` and ``signed_in``: a practice and its admin made in the database, and that
  admin signed in through the login form.

Screenshots and axe reports go to test-artifacts/ at the project root (gitignored).
Never run ``playwright install``: Debian's Chromium at /usr/bin/chromium is used instead.
"""
from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect
from werkzeug.serving import make_server

# Chromium writes its profile bits under XDG dirs: keep them out of the home directory.
for _var, _prefix in (("XDG_CONFIG_HOME", "e2e-xdg-config-"), ("XDG_CACHE_HOME", "e2e-xdg-cache-")):
    if not os.environ.get(_var):
        _dir = tempfile.mkdtemp(prefix=_prefix)
        os.environ[_var] = _dir
        atexit.register(shutil.rmtree, _dir, ignore_errors=True)

from integration.extensions import db  # noqa: E402
from tests.conftest import build_app, config_restored, start_afresh  # noqa: E402
from tests.factories import PASSWORD, PracticeFactory, UserFactory  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # as root the sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")

# The machine is shared and often busy (two test workers each drive a Chromium, and a PDF is made in a
# request): actions and assertions wait up to 20 s. A passing wait ends as soon as it holds; only a
# failure takes this long.
WAIT_MS = 20_000
expect.set_options(timeout=WAIT_MS)


# --- browser -------------------------------------------------------------------------------

@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items):
    """Every test in this directory drives a browser: mark it, so `-m "not browser"` leaves it out."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's options (--headed, --slowmo) plus Debian's Chromium and its flags."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


# --- the app on a real socket ----------------------------------------------------------------

class RequestsInFlight:
    """WSGI middleware that counts the requests being answered, so a test can wait for none.

    A browser closed at the end of a test may leave a request of its own still being answered (an
    autosave, a static file): emptying the tables for the next test under it would mix two tests'
    rows, or fail on the rows it is writing."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.count = 0
        self.changed = threading.Condition()

    def __call__(self, environ, start_response):
        with self.changed:
            self.count += 1
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            with self.changed:
                self.count -= 1
                self.changed.notify_all()

    def wait_until_none(self, timeout: float = 30) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: self.count == 0, timeout), \
                f"{self.count} request(s) still being answered after {timeout} s"


@dataclass
class LiveServer:
    url: str  # "http://127.0.0.1:<port>", without a trailing slash
    app: Flask
    in_flight: RequestsInFlight

    def __truediv__(self, path: str) -> str:
        """live_server / "clients/" -> the absolute URL of that path."""
        return f"{self.url}/{path.lstrip('/')}"

    def owns(self, url: str) -> bool:
        return url == self.url or url.startswith(self.url + "/")


@pytest.fixture(scope="session")
def session_live_server(session_app, database_url):
    """The app with CSRF protection on, as in production, on a real socket for the whole session.

    It shares the test session's database (schema made once by `session_app`).
    """
    app = build_app(database_url, WTF_CSRF_ENABLED=True)
    in_flight = app.wsgi_app = RequestsInFlight(app.wsgi_app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app, in_flight=in_flight)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def live_server(session_live_server, session_app):
    """The served app, its database emptied for this test and its settings put back after it (once no
    request of the test before or of this one is still being answered)."""
    session_live_server.in_flight.wait_until_none()
    start_afresh(session_app)
    with config_restored(session_live_server.app):
        yield session_live_server
    session_live_server.in_flight.wait_until_none()


# --- screenshots and accessibility ------------------------------------------------------------

def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "page"


def shot(page, name: str) -> Path:
    """Save a full-page screenshot as test-artifacts/<name>.png and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{_safe_name(name)}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path


_AXE_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target, html: n.html, summary: n.failureSummary})),
  }));
}"""


def _describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
    return "\n".join(lines)


def axe_check(page, name: str | None = None) -> list[dict]:
    """Run axe-core on the page; fail on any serious or critical violation.

    The page must come from a context opened with bypass_csp=True (the app's CSP forbids the
    injected script). Every violation, minor ones included, is written to
    test-artifacts/axe/<name>.json; the lesser ones are returned for the caller to look at.
    """
    if page.evaluate("typeof window.axe") == "undefined":
        page.add_script_tag(path=str(AXE_JS))
    violations = page.evaluate(_AXE_RUN)
    if name:
        report_dir = ARTIFACTS / "axe"
        report_dir.mkdir(parents=True, exist_ok=True)
        (report_dir / f"{_safe_name(name)}.json").write_text(
            json.dumps({"url": page.url, "violations": violations}, indent=2))
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe found serious/critical violations on {page.url}:\n{_describe(blocking)}"
    return violations


@pytest.fixture(name="axe_check")
def axe_check_fixture():
    return axe_check


@pytest.fixture(name="shot")
def shot_fixture():
    return shot


# --- a recorded browsing session ---------------------------------------------------------------

@dataclass
class Browsing:
    """A page plus everything seen while using it."""

    page: object
    server: LiveServer
    csp_bypassed: bool
    requests: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)  # every document the tab landed on
    checked: dict[str, list[dict]] = field(default_factory=dict)  # URL -> lesser axe findings
    problems: list[str] = field(default_factory=list)
    allowed: set[tuple[int, str]] = field(default_factory=set)  # (status, path) a test expects

    def allow_status(self, status: int, path: str) -> None:
        """Expect this error status for this path: not a problem, the point of the test."""
        self.allowed.add((status, self.server / path))

    def attach(self) -> None:
        page = self.page
        page.context.on("request", lambda req: self.requests.append(req.url))
        page.on("framenavigated", self._navigated)
        page.on("pageerror", lambda err: self.problems.append(f"page error: {err}"))
        page.on("console", self._console)
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)

    def _request_failed(self, request) -> None:
        # Chromium cancels a page's own static files still loading (the favicon, a script) when a
        # test navigates on quickly: the browser's doing, not the app's. A static file the app
        # cannot serve shows as an error response, which _response counts. Every other failed
        # request is a problem.
        aborted = "ERR_ABORTED" in (request.failure or "")
        if aborted and request.method == "GET" and self.server.owns(request.url) and "/static/" in request.url:
            return
        self.problems.append(f"request failed: {request.method} {request.url}: {request.failure}")

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame and self.server.owns(frame.url):
            self.visited.append(frame.url)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        # Chromium also logs an expected error status to the console: that is no problem either.
        status = re.match(r"Failed to load resource: the server responded with a status of (\d+)", message.text)
        source = message.location.get("url") or ""
        if status and (int(status.group(1)), source) in self.allowed:
            return
        self.problems.append(f"console error on {self.page.url}: {message.text} (from {message.location.get('url')})")

    def _response(self, response) -> None:
        if response.status >= 400 and (response.status, response.url) not in self.allowed:
            self.problems.append(f"HTTP {response.status} for {response.request.method} {response.url}")

    # -- driving

    def goto(self, path: str = "/"):
        return self.page.goto(self.server / path)

    @property
    def path(self) -> str:
        """The current page's path and query, e.g. "/clients/?q=wren"."""
        url = self.page.url
        return url[len(self.server.url):] if self.server.owns(url) else url

    def check(self, name: str) -> list[dict]:
        """Screenshot the current page, then axe-check it (serious/critical fail the test)."""
        if not self.csp_bypassed:
            raise RuntimeError("axe cannot run under the enforced CSP: use the `browse` fixture")
        self.page.wait_for_load_state("load")
        shot(self.page, name)
        lesser = axe_check(self.page, name)
        self.checked[self.page.url] = lesser
        return lesser

    # -- verdicts

    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests
                if not (self.server.owns(url) or url.startswith(("data:", "about:")))]

    def assert_only_live_server_requests(self) -> None:
        assert self.requests, "no request was recorded: is the listener attached?"
        foreign = self.foreign_requests()
        assert not foreign, f"requests left the live server ({self.server.url}):\n" + "\n".join(foreign)

    def assert_every_page_checked(self) -> None:
        unchecked = sorted(set(self.visited) - set(self.checked))
        assert not unchecked, "pages visited but never axe-checked:\n" + "\n".join(unchecked)

    def assert_no_problems(self) -> None:
        assert not self.problems, "problems while browsing:\n" + "\n".join(self.problems)


_CALL_PASSED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Remember whether the test body passed, for the after-test verdicts below."""
    report = yield
    if report.when == "call":
        item.stash[_CALL_PASSED] = report.passed
    return report


def _open_browsing(new_context, live_server, *, bypass_csp: bool):
    context = new_context(bypass_csp=bypass_csp)
    context.set_default_timeout(WAIT_MS)  # not Playwright's 30 s: a local app answers at once
    # Belt and braces: a request for any other host is recorded (and fails the test), and is
    # also aborted here, so a test run never reaches the network whatever a page asks for.
    # (A regex, not a Python predicate: it is matched in the driver, without a round trip.)
    elsewhere = re.compile(rf"^(?!{re.escape(live_server.url)}(/|$))")
    context.route(elsewhere, lambda route: route.abort("blockedbyclient"))
    browsing = Browsing(page=context.new_page(), server=live_server, csp_bypassed=bypass_csp)
    browsing.attach()
    return browsing


def _verify_after(request, browsing: Browsing, *, require_checks: bool) -> None:
    """After a passing test only, so a failure is reported once, by its real cause."""
    if not request.node.stash.get(_CALL_PASSED, False):
        return
    browsing.assert_only_live_server_requests()
    browsing.assert_no_problems()
    if require_checks:
        browsing.assert_every_page_checked()


@pytest.fixture
def browse(request, live_server, new_context):
    """A page whose context bypasses the CSP, for flows that axe-check every page they visit."""
    browsing = _open_browsing(new_context, live_server, bypass_csp=True)
    yield browsing
    _verify_after(request, browsing, require_checks=True)


@pytest.fixture
def strict_browse(request, live_server, new_context):
    """A page with the app's Content-Security-Policy enforced, as a real browser sees it."""
    browsing = _open_browsing(new_context, live_server, bypass_csp=False)
    yield browsing
    _verify_after(request, browsing, require_checks=False)


# --- people and sign-in ------------------------------------------------------------------------

@dataclass
class Account:
    email: str
    password: str
    name: str
    practice: str


@pytest.fixture
def admin_account(live_server) -> Account:
    """A practice with one admin, made directly in the database (setup is tested on its own)."""
    with live_server.app.app_context():
        practice = PracticeFactory(name="Juniper Integration Collective")
        # Ada runs the practice and, an LMFT with a profession, is a clinician on her care teams too.
        admin = UserFactory(practice=practice, role="admin", name="Ada Okafor", credentials="LMFT",
                            profession="therapist", email="ada@juniper.example")
        account = Account(email=admin.email, password=PASSWORD, name=admin.name, practice=practice.name)
        db.session.remove()
    return account


def sign_in(browsing: Browsing, account: Account) -> None:
    """Sign in through the login form, the way a person does."""
    page = browsing.page
    page.fill("input[name=email]", account.email)
    page.fill("input[name=password]", account.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(browsing.server / "clients/")


@pytest.fixture
def signed_in(browse, admin_account) -> Browsing:
    """`browse`, with the admin signed in and on the client list (login page axe-checked)."""
    browse.goto("/login")
    browse.check("login")
    sign_in(browse, admin_account)
    return browse
