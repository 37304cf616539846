"""`make bench`: the client's PDF, measured in one run on one realistic plan, printed as one table.

(a)  WeasyPrint alone on the plan's final HTML, warm (parsed stylesheet, shared fonts): the floor.
(a') the same HTML rendered the naive way (stylesheet parsed and fonts set up per render): what the
     per-process cache saves.
(b)  the app's export path end to end: the Finalize route on a plan in the database.
(c)  a warm headless Chromium (Playwright page.pdf) printing the same HTML.
(d)  serving an already-delivered version: stored bytes through the download route and the private link.
(e)  resident memory over 100 renders in one process.
(f)  signing in through the route: a wrong password, an email whose sign-in is paused, the right one.
Then the pages at scale, with and without the planner's statistics (bench/scale.py: BENCH_SCALE,
BENCH_DATABASE_URL; search for three readers, the client list, the worklist, a client's overview,
Notes and Insights tabs, the audit log), then on the same practice (bench/at_scale.py) the lists that
grow with a record and the audit CSV export of a million rows (bench/bounded.py), and autosave beside slow pages
under each gunicorn worker model (bench/workers.py).
"""
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
PASSWORD_FOR: dict[str, str] = {}  # demo sign-ins, filled from the demo loader
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def timed(fn, runs: int = RUNS) -> list[float]:
    """Seconds per call, after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def fmt(times: list[float] | None) -> str:
    if not times:
        return "n/a"
    median = statistics.median(times)
    return f"{median * 1000:9.1f} ms" if median < 1 else f"{median:9.3f} s "


def make_app(tmp: str):
    from integration import create_app
    from integration.extensions import db

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db", "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        db.create_all()
    return app


def demo_plan(app):
    """The demo practice's longest delivered plan: (client id, plan id, author email, PlanDocument, pages)."""
    from io import BytesIO

    from pypdf import PdfReader
    from sqlalchemy import select

    from integration.auth.models import User
    from integration.demo import load_demo
    from integration.extensions import db
    from integration.plans.assemble import build_document, load_plan
    from integration.plans.models import PlanExport

    with app.app_context():
        load_demo()
        exports = db.session.scalars(select(PlanExport)).all()
        pages, export = max((len(PdfReader(BytesIO(e.pdf)).pages), e.id) for e in exports)
        export = db.session.get(PlanExport, export)
        plan = load_plan(export.client_id, export.plan_id)
        author = db.session.get(User, export.created_by_id)
        return export.client_id, plan.id, author.email, build_document(plan), pages


def bench_export_against_floor(app, warm, client_id: int, plan_id: int, email: str, runs: int = RUNS):
    """(a) and (b), run in alternation so that both see the same machine (this one is shared and its
    speed drifts by tens of percent within a minute).

    (b) is the practitioner pressing "Finalize": the real route loads the plan, builds its document,
    renders the template and the PDF, hashes and stores the delivered version, writes the audit rows
    and commits. Between runs (untimed) the plan is put back to draft."""
    from sqlalchemy import update

    from integration.extensions import db
    from integration.plans.models import Plan

    http = app.test_client()
    http.post("/login", data={"email": email, "password": PASSWORD_FOR[email]})
    url = f"/clients/{client_id}/plans/{plan_id}/finalize"

    def back_to_draft():
        with app.app_context():
            db.session.execute(update(Plan).where(Plan.id == plan_id).values(status="draft", finalized_at=None))
            db.session.commit()

    def finalize_once():
        response = http.post(url)
        assert response.status_code == 302, response.status_code

    floor, export = [], []
    for run in range(runs + 1):  # the first pair warms up
        with app.app_context():
            start = time.perf_counter()
            warm()
            elapsed = time.perf_counter() - start
        if run:
            floor.append(elapsed)
        back_to_draft()
        start = time.perf_counter()
        finalize_once()
        if run:
            export.append(time.perf_counter() - start)
    with app.app_context():
        assert db.session.get(Plan, plan_id).status == "finalized"
    return floor, export


def bench_weasyprint(app, html: str, paper_size: str):
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from integration.plans import pdf as plan_pdf

    renderer = plan_pdf._renderer(app.static_folder)

    def warm():
        return weasyprint.HTML(string=html, base_url=plan_pdf.BASE_URL, url_fetcher=renderer.fetcher).write_pdf(
            stylesheets=renderer.stylesheets(html, paper_size), font_config=renderer.font_config,
            pdf_variant=plan_pdf.PDF_VARIANT)

    def naive():
        font_config = FontConfiguration()
        fetcher = plan_pdf.StaticOnlyFetcher(app.static_folder)
        sheets = [weasyprint.CSS(url=plan_pdf.BASE_URL + "static/" + plan_pdf.STYLESHEET, url_fetcher=fetcher,
                                 font_config=font_config)]
        sheets += [weasyprint.CSS(string=face.rule, base_url=plan_pdf.BASE_URL + "static/" + plan_pdf.FALLBACK_FONTS,
                                  url_fetcher=fetcher, font_config=font_config)
                   for face in renderer.faces if face.css is not None]
        return weasyprint.HTML(string=html, base_url=plan_pdf.BASE_URL, url_fetcher=fetcher).write_pdf(
            stylesheets=sheets, font_config=font_config, pdf_variant=plan_pdf.PDF_VARIANT)

    from io import BytesIO

    from pypdf import PdfReader

    pages = len(PdfReader(BytesIO(warm())).pages)
    return warm, naive, pages


def bench_chromium(app, doc):
    """Warm headless Chromium printing the same plan (the same template, stylesheets linked)."""
    from playwright.sync_api import sync_playwright

    from integration.plans.pdf import FALLBACK_FONTS, STYLESHEET, render_plan_html

    origin = "http://bench.invalid"
    with app.app_context():
        html = render_plan_html(doc, stylesheet_links=(f"{origin}/static/{FALLBACK_FONTS}", f"{origin}/static/{STYLESHEET}"))
    static = Path(app.static_folder).resolve()

    def serve(route):
        path = route.request.url.removeprefix(origin + "/static/").split("?")[0]
        target = (static / path).resolve()
        if target.is_relative_to(static) and target.is_file():
            kind = "text/css" if target.suffix == ".css" else "font/woff2"
            route.fulfill(status=200, body=target.read_bytes(), headers={"Content-Type": kind})
        else:
            route.abort()

    tmp = tempfile.mkdtemp(prefix="bench-chromium-")
    os.environ.setdefault("XDG_CONFIG_HOME", tmp)
    os.environ.setdefault("XDG_CACHE_HOME", tmp)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.route(f"{origin}/**", serve)
        page.route(lambda url: not url.startswith(origin), lambda route: route.abort())

        def run():
            page.set_content(html, wait_until="load")
            return page.pdf(prefer_css_page_size=True, print_background=True)

        times = timed(run)
        browser.close()
    return times


def bench_delivered(app, client_id: int, plan_id: int, email: str):
    """Serving the version (b) stored: the practitioner's download (sign-in session, access rule, audit
    row) and the client's private link (token lookup, expiry check, audit row); and, for scale, the
    cheapest request this app answers (/healthz: one SELECT 1) on the same machine."""
    from sqlalchemy import select

    from integration.auth.models import User
    from integration.extensions import db
    from integration.plans.delivery import create_share_link
    from integration.plans.models import PlanExport

    with app.app_context():
        export = db.session.scalars(select(PlanExport).where(PlanExport.plan_id == plan_id)
                                    .order_by(PlanExport.id.desc())).first()
        pdf = export.pdf
        _, token = create_share_link(export, User.by_email(email))
        db.session.commit()
        download = f"/clients/{client_id}/plans/{plan_id}/exports/{export.id}/download"
    http = app.test_client()
    http.post("/login", data={"email": email, "password": PASSWORD_FOR[email]})
    stranger = app.test_client()

    def fetch(client, url, body=None):
        def run():
            response = client.get(url)
            assert response.status_code == 200 and (body is None or response.data == body), response.status_code
        return run

    return (timed(fetch(http, download, pdf), runs=200), timed(fetch(stranger, f"/p/{token}", pdf), runs=25),
            timed(fetch(stranger, "/healthz"), runs=200))


def bench_sign_in(app, email: str):
    """(f) The sign-in route on the lockout path: a wrong password (one argon2 check, the failure
    counted in the database, an audit row, one commit), an email whose sign-in is paused (no argon2:
    the count is read first), and the right password (a session row, the count cleared)."""
    app.config["LOGIN_RATE_PER_ADDRESS"] = "1000000 per minute"  # measure the lockout, not the address limit
    http = app.test_client()
    attempt = iter(range(1_000_000))
    paused_email = "paused@bench.invalid"
    for _ in range(10):
        http.post("/login", data={"email": paused_email, "password": "not the password"})

    def wrong():
        response = http.post("/login", data={"email": f"bench{next(attempt)}@bench.invalid", "password": "not it"})
        assert response.status_code == 200, response.status_code

    def paused():
        assert http.post("/login", data={"email": paused_email, "password": "x"}).status_code == 429

    def right():
        response = http.post("/login", data={"email": email, "password": PASSWORD_FOR[email]})
        assert response.status_code == 302, response.status_code
        http.post("/logout")

    return timed(wrong), timed(paused), timed(right)


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def bench_memory(render, count: int = 100):
    samples = []
    for _ in range(count):
        render()
        samples.append(rss_mb())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return statistics.median(samples[:10]), statistics.median(samples[-10:]), peak


def main() -> int:
    from integration.demo import PEOPLE
    from integration.plans.pdf import render_plan_html

    PASSWORD_FOR.update({email: password for _, email, _, _, password in PEOPLE})
    tmp = tempfile.mkdtemp(prefix="bench-")
    os.environ.setdefault("INSTANCE_PATH", tmp)
    app = make_app(tmp)
    client_id, plan_id, email, doc, pages = demo_plan(app)
    rows = []
    with app.app_context():
        start = time.perf_counter()
        html = render_plan_html(doc)
        warm, naive, _ = bench_weasyprint(app, html, doc.paper_size)
        first = time.perf_counter() - start
        a_naive = timed(naive, runs=max(3, RUNS // 2))
    a, b = bench_export_against_floor(app, warm, client_id, plan_id, email)
    rows.append(("(a)  WeasyPrint alone, warm, on the final HTML", fmt(a), "the floor"))
    rows.append(("(a') WeasyPrint, stylesheet + fonts set up per render", fmt(a_naive),
                 f"{statistics.median(a_naive) / statistics.median(a):.1f}x (a): what the cache saves"))
    rows.append(("(b)  Finalize route: load, document, template, render, store", fmt(b),
                 f"{statistics.median(y / x for x, y in zip(a, b)):.2f}x (a) (median of paired runs), target <= 1.2x"))
    try:
        c = bench_chromium(app, doc)
        rows.append(("(c)  warm headless Chromium, page.pdf, same HTML", fmt(c), "what another team would reach for"))
    except Exception as error:  # Chromium missing on this machine: say so, keep the table
        rows.append(("(c)  warm headless Chromium, page.pdf, same HTML", "n/a", f"{type(error).__name__}: {error}".splitlines()[0][:70]))
    d, link, floor = bench_delivered(app, client_id, plan_id, email)
    rows.append(("(d)  download a delivered version (stored bytes)", fmt(d), "target <= 5 ms"))
    rows.append(("(d') the client's private link to it (no account)", fmt(link), "same stored bytes"))
    rows.append(("(d0) for scale: /healthz, the cheapest request", fmt(floor), "this machine's floor per request"))
    wrong, paused, right = bench_sign_in(app, email)
    rows.append(("(f)  sign-in, wrong password: argon2 + lockout count", fmt(wrong), "the same for unknown emails"))
    rows.append(("(f') sign-in while paused (10 failures): no argon2", fmt(paused), "refused before the hash"))
    rows.append(("(f'') sign-in, right password (+ sign-out)", fmt(right), "session row, count cleared"))
    with app.app_context():
        first10, last10, peak = bench_memory(warm)
    rows.append(("(e)  RSS over 100 renders: first 10 -> last 10", f"{first10:6.0f} -> {last10:.0f} MB",
                 f"peak {peak:.0f} MB, growth {last10 - first10:+.0f} MB"))

    print(f"\nThe client's PDF: the demo's longest plan, {pages} pages ({doc.paper_size}), medians of {RUNS} warm runs "
          f"(first render in this process incl. setup: {first:.2f} s; load average {os.getloadavg()[0]:.1f})\n")
    width = max(len(name) for name, _, _ in rows)
    print(f"{'what':<{width}}  {'median':>12}  note")
    print(f"{'-' * width}  {'-' * 12}  {'-' * 40}")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>12}  {note}")

    from bench.caseload import main as caseload_with_a_year_of_measures
    from bench.at_scale import main as search_and_lists_at_scale
    from bench.workers import main as workers_beside_a_slow_page

    failed = search_and_lists_at_scale()
    failed = caseload_with_a_year_of_measures() or failed
    workers_beside_a_slow_page()
    return failed


if __name__ == "__main__":
    sys.exit(main())
