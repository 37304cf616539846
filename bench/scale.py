"""`make bench`, scale section: the pages that grow with a practice of BENCH_SCALE generated clients,
each measured with and without the database's statistics (issue 14, points 1 and 5).

Built like `flask demo-data --scale N` (the demo practice, then N generated clients of ~40 notes each),
then upkept as the README's nightly `flask optimize-search` leaves SQLite's search index, in a SQLite
file under a temporary directory and, when BENCH_DATABASE_URL names a PostgreSQL
database (emptied first: give it a throwaway one), there too. Each page runs through its real route
(Flask test client, signed in through the login form) in two states of the planner's statistics:

- no statistics: SQLite with no sqlite_stat1 (a new database), PostgreSQL right after the bulk load
  with pg_statistic emptied for the app's tables (what autovacuum may not have reached yet);
- analyzed: after `ANALYZE` and `PRAGMA optimize` (SQLite), `VACUUM ANALYZE` (PostgreSQL).

A plan that flips from fast to slow between the two shows as a slow column. Search runs for three
readers: Ines, the demo's clinician, whose caseload is ~100 of the generated clients; the demo's
admin (practice-wide: the notes they wrote themselves, and any record opened by break-glass); and a
bench-only clinician on every care team (the whole index is theirs to search: the worst case). The
other pages are Ines's: her client list, the worklist, a 40-note client's overview, Notes and Insights
tabs; and the admin's audit log.

Printed per page and state: median and p95 of BENCH_SEARCH_RUNS warm requests, and SQL statements
per request (a SQLAlchemy event listener counts them; the same in both states). bench/bounded.py
measures the pages of a very large record and a 1,000,000-row audit log (not run by `make bench`).
Run alone with `python -m bench.scale`.

Then the blind index against the plaintext index on the same data (issue 15): the rows are
encrypted either way; the search index is rebuilt with plain stems (the app's queries made with no
key) and measured, then rebuilt with keyed tokens and measured again, median and p95 of each query
for both readers, and the ratio keyed / plain. BENCH_INDEX_COMPARE=0 leaves it out.
"""
from __future__ import annotations

import gc
import os
import statistics
import sys
import tempfile
import time
from urllib.parse import urlencode

from sqlalchemy import event, func, insert, select

SCALE = int(os.environ.get("BENCH_SCALE", "300"))
SEARCH_RUNS = int(os.environ.get("BENCH_SEARCH_RUNS", "20"))
QUERIES = [("rare word", "lighthouse"), ("common word", "breath"), ("two common words", "breath grief"),
           ("a phrase", '"felt safe"')]
WIDE_EMAIL = "every-team@bench.integration.test"
WIDE_PASSWORD = "Bench-Every-Team-Reader-2026"


def build(url: str, scale: int):
    """An app over `url` with the demo practice, `scale` generated clients and the bench's wide reader."""
    from integration import create_app
    from integration.auth.models import User
    from integration.clients.models import CareTeamMember, Client
    from integration.demo import PEOPLE, load_demo
    from integration.demo_scale import add_generated_clients
    from integration.extensions import db
    from integration.search.index import merge_segments

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_STORAGE_URI": "memory://",
                      "LOGIN_RATE_PER_ADDRESS": "1000000 per minute"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_demo()
        start = time.perf_counter()
        written = add_generated_clients(scale)
        seconds = time.perf_counter() - start
        practice_id = User.by_email(PEOPLE[1][1]).practice_id
        wide = User(practice_id=practice_id, email=WIDE_EMAIL, name="Every Team (bench)", role="therapist",
                    profession="therapist")
        wide.set_password(WIDE_PASSWORD)
        db.session.add(wide)
        db.session.flush()
        ids = db.session.scalars(select(Client.id).where(Client.practice_id == practice_id)).all()
        db.session.execute(insert(CareTeamMember), [{"client_id": i, "user_id": wide.id} for i in ids])
        db.session.commit()
        merge_segments(db.engine)  # the nightly `flask optimize-search` (SQLite; nothing on PostgreSQL)
    return app, written, seconds


def forget_statistics(app) -> str:
    """The planner's statistics gone: SQLite's sqlite_stat tables dropped, PostgreSQL's pg_statistic rows
    of the app's tables deleted (a superuser's right; the answer says when it was refused)."""
    from integration.extensions import db
    from integration.search import index

    with app.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if db.engine.dialect.name == "sqlite":
            for table in ("sqlite_stat1", "sqlite_stat4"):
                connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
        else:
            try:
                connection.exec_driver_sql("DELETE FROM pg_statistic WHERE starelid IN "
                                           "(SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)")
            except Exception as refused:  # not a superuser: the load's own state, whatever autovacuum did
                return f"(pg_statistic not cleared: {refused.__class__.__name__})"
        db.engine.dispose()  # SQLite reads its statistics when a connection opens
    index.forget_statistics()  # what this process read of PostgreSQL's (search/index.py, rare words)
    return ""


def gather_statistics(app) -> None:
    """What a database in service has: ANALYZE and PRAGMA optimize on SQLite, VACUUM ANALYZE on PostgreSQL."""
    from integration.extensions import db
    from integration.search import index

    with app.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if db.engine.dialect.name == "sqlite":
            connection.exec_driver_sql("ANALYZE")
            connection.exec_driver_sql("PRAGMA optimize")
        else:
            connection.exec_driver_sql("VACUUM ANALYZE")
        db.engine.dispose()
    index.forget_statistics()


def signed_in(app, email: str, password: str):
    http = app.test_client()
    assert http.post("/login", data={"email": email, "password": password}).status_code == 302
    return http


def measure(app, http, url: str, runs: int = SEARCH_RUNS):
    """(times, statements per request, bytes) of GET url for this signed-in test client, `runs` warm
    requests."""
    from integration.extensions import db

    counted = []
    with app.app_context():
        engine = db.engine

    def count(*args):
        counted.append(1)

    times, size, statements = [], 0, 0
    for run in range(runs + 1):
        counted.clear()
        event.listen(engine, "before_cursor_execute", count)
        start = time.perf_counter()
        response = http.get(url)
        elapsed = time.perf_counter() - start
        event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200, (url, response.status_code)
        if run:  # the first request warms up
            times.append(elapsed)
        size, statements = len(response.data), len(counted)
    return times, statements, size


def pages(app) -> list[tuple[str, str, str]]:
    """(who, page, URL): search for three readers, then Ines's pages and the admin's audit log."""

    from integration.auth.models import User
    from integration.clients.models import CareTeamMember
    from integration.demo import PEOPLE
    from integration.extensions import db
    from integration.notes.models import Note

    with app.app_context():
        ines = User.by_email(PEOPLE[1][1])
        sizes = db.session.execute(select(Note.client_id, func.count()).join(
            CareTeamMember, CareTeamMember.client_id == Note.client_id).where(CareTeamMember.user_id == ines.id)
            .group_by(Note.client_id).order_by(func.count(), Note.client_id)).all()
        client, notes = sizes[len(sizes) // 2]  # a client of the middle size (~40 notes)
    found = [(who, f"search, {name}", "/search?" + urlencode({"q": q}))
             for who in ("ines", "admin", "every care team") for name, q in QUERIES]
    return found + [("ines", "client list", "/clients/"), ("ines", "worklist", "/worklist"),
                    ("ines", f"client overview ({notes} notes)", f"/clients/{client}"),
                    ("ines", f"Notes tab ({notes} notes)", f"/clients/{client}/sessions"),
                    ("ines", "Insights tab", f"/clients/{client}/insights"),
                    ("admin", "audit log, newest", "/audit/")]


def healthz(app) -> list[float]:
    http = app.test_client()
    times = []
    for _ in range(200):
        start = time.perf_counter()
        http.get("/healthz")
        times.append(time.perf_counter() - start)
    return times[20:]


def p95(times: list[float]) -> float:
    return sorted(times)[max(0, round(0.95 * len(times)) - 1)]


def report(label: str, app, written: dict, seconds: float) -> None:
    from integration.demo import PEOPLE

    readers = {"ines": (PEOPLE[1][1], PEOPLE[1][4]), "admin": (PEOPLE[0][1], PEOPLE[0][4]),
               "every care team": (WIDE_EMAIL, WIDE_PASSWORD)}
    urls = pages(app)
    results, floors = {}, {}
    for state, prepare in (("no statistics", forget_statistics), ("analyzed", gather_statistics)):
        note = prepare(app) or ""
        floor = floors[state] = statistics.median(healthz(app))
        http = {who: signed_in(app, *readers[who]) for who in readers}
        gc.freeze()  # as a gunicorn worker has it (gunicorn.conf.py): the loaded app out of collections
        results[state] = [measure(app, http[who], url) for who, _, url in urls]
        print(f"  ({label}, {state}: /healthz median {floor * 1000:.2f} ms; load average "
              f"{os.getloadavg()[0]:.1f}) {note}", flush=True)
    print(f"\nPages at scale, {label}: {written['clients']:,} generated clients, {written['notes']:,} notes, "
          f"{written['insights']:,} insights (generated in {seconds:.0f} s); {SEARCH_RUNS} warm runs each, "
          f"milliseconds; x /healthz: the analyzed median over the cheapest request's, measured in the same "
          f"run (a machine's speed divides out)\n")
    print(f"{'reader':<16} {'page':<28} {'no statistics':>17} {'analyzed':>17} {'x /healthz':>11} {'queries':>8} "
          f"{'KB':>6}")
    print(f"{'':<16} {'':<28} {'median':>8} {'p95':>8} {'median':>8} {'p95':>8}")
    for n, (who, name, _) in enumerate(urls):
        cells = []
        for state in ("no statistics", "analyzed"):
            times, statements, size = results[state][n]
            cells += [statistics.median(times) * 1000, p95(times) * 1000]
        ratio = cells[2] / (floors["analyzed"] * 1000)
        print(f"{who:<16} {name:<28} {cells[0]:8.1f} {cells[1]:8.1f} {cells[2]:8.1f} {cells[3]:8.1f} {ratio:11.0f} "
              f"{statements:>8} {size / 1024:6.1f}")


INDEX_COMPARE = os.environ.get("BENCH_INDEX_COMPARE", "1") != "0"


def _index_with(app, key) -> float:
    """The whole search index rebuilt with this blind-index key (None: plain stems); seconds taken."""
    from integration.crypto.rotate import reindex
    from integration.search.tokens import keyed_tokens

    app.extensions["crypto"]["search_index_key"] = key  # what the app's queries are made with
    start = time.perf_counter()
    with app.app_context(), keyed_tokens(key):
        reindex(batch=5000)
    with app.app_context():
        from integration.extensions import db
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if db.engine.dialect.name == "postgresql":
                connection.exec_driver_sql("VACUUM ANALYZE note_search")
                connection.exec_driver_sql("VACUUM ANALYZE insight_search")
            else:  # both indexes measured merged into one segment, not as the rebuild left them
                for table in ("note_search_fts", "insight_search_fts"):
                    connection.exec_driver_sql(f"INSERT INTO {table}({table}) VALUES ('optimize')")
    return time.perf_counter() - start


def compare_index(label: str, app) -> None:
    """Search with the plaintext index, then with the keyed one, on the same rows."""
    from integration.demo import PEOPLE

    key = app.extensions["crypto"]["search_index_key"]
    readers = [("Ines (caseload)", PEOPLE[1][1], PEOPLE[1][4]), ("every care team", WIDE_EMAIL, WIDE_PASSWORD)]
    results = {}
    for name, index_key in (("plain", None), ("keyed", key)):
        seconds = _index_with(app, index_key)
        print(f"  ({label}: index rebuilt with {name} tokens in {seconds:.0f} s)")
        for reader, email, password in readers:
            http = signed_in(app, email, password)
            for query_name, q in QUERIES:
                results[name, reader, query_name] = measure(app, http, "/search?" + urlencode({"q": q}))[0]
    print(f"\nBlind index vs plaintext index, {label} (same rows, encrypted; {SEARCH_RUNS} warm runs each)\n")
    print(f"{'reader':<17} {'query':<18} {'plain med':>10} {'plain p95':>10} {'keyed med':>10} {'keyed p95':>10}"
          f" {'keyed/plain':>12}")
    for reader, _, _ in readers:
        for query_name, _ in QUERIES:
            plain, keyed = results["plain", reader, query_name], results["keyed", reader, query_name]
            ratio = statistics.median(keyed) / statistics.median(plain)
            print(f"{reader:<17} {query_name:<18} {statistics.median(plain) * 1000:8.1f}ms {p95(plain) * 1000:8.1f}ms "
                  f"{statistics.median(keyed) * 1000:8.1f}ms {p95(keyed) * 1000:8.1f}ms {ratio:>11.2f}x")


def databases(tmp: str) -> list[tuple[str, str]]:
    """(label, URL): a SQLite file in `tmp`, and PostgreSQL when BENCH_DATABASE_URL names one."""
    found = [("SQLite", f"sqlite:///{tmp}/scale.db")]
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url.startswith("postgresql"):
        found.append(("PostgreSQL", url))
    return found


def main(then=None) -> int:
    """The pages at scale on each database; `then(label, app, written, seconds)` measures more on the
    same practice (bench/at_scale.py: the bounded lists)."""
    tmp = tempfile.mkdtemp(prefix="bench-scale-")
    os.environ.setdefault("INSTANCE_PATH", tmp)
    found = databases(tmp)
    for label, url in found:
        app, written, seconds = build(url, SCALE)
        report(label, app, written, seconds)
        if INDEX_COMPARE:
            compare_index(label, app)
        if then:
            then(label, app, written, seconds)
    if len(found) == 1:
        print("\n(PostgreSQL: set BENCH_DATABASE_URL to a throwaway database to measure it too)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
