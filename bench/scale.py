"""`make bench`, scale section: search across clients in a practice of BENCH_SCALE generated clients.

Built like `flask demo-data --scale N` (the demo practice, then N generated clients of ~40 notes each)
in a SQLite file under a temporary directory and, when BENCH_DATABASE_URL names a PostgreSQL
database (emptied first: give it a throwaway one), there too. Each query runs through the real
/search route (Flask test client, signed in through the login form) for two readers:

- Ines, the demo's clinician, whose caseload is ~100 of the generated clients;
- a bench-only clinician on every care team: the whole index is theirs to search (the worst case).

Printed per query: median and p95 of BENCH_SEARCH_RUNS warm requests, SQL statements per request
(a SQLAlchemy event listener counts them), response bytes, and the median as a multiple of /healthz
measured in the same run. Run alone with `python -m bench.scale`.

Then the blind index against the plaintext index on the same data (issue 15): the rows are
encrypted either way; the search index is rebuilt with plain stems (the app's queries made with no
key) and measured, then rebuilt with keyed tokens and measured again, median and p95 of each query
for both readers, and the ratio keyed / plain. BENCH_INDEX_COMPARE=0 leaves it out.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

from sqlalchemy import event, insert, select

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
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
    return app, written, seconds


def measure(app, email: str, password: str, q: str):
    """(times, statements per request, bytes) of /search?q=… for this reader."""
    from integration.extensions import db

    http = app.test_client()
    assert http.post("/login", data={"email": email, "password": password}).status_code == 302
    counted = []
    with app.app_context():
        engine = db.engine

    def count(*args):
        counted.append(1)

    times, size, statements = [], 0, 0
    for run in range(SEARCH_RUNS + 1):
        counted.clear()
        event.listen(engine, "before_cursor_execute", count)
        start = time.perf_counter()
        response = http.get("/search", query_string={"q": q})
        elapsed = time.perf_counter() - start
        event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200, response.status_code
        if run:  # the first request warms up
            times.append(elapsed)
        size, statements = len(response.data), len(counted)
    return times, statements, size


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

    floor = statistics.median(healthz(app))
    readers = [("Ines (caseload)", PEOPLE[1][1], PEOPLE[1][4]), ("every care team", WIDE_EMAIL, WIDE_PASSWORD)]
    print(f"\nSearch across clients at scale, {label}: {written['clients']:,} generated clients, "
          f"{written['notes']:,} notes, {written['insights']:,} insights (generated in {seconds:.0f} s); "
          f"{SEARCH_RUNS} warm runs each; /healthz median {floor * 1000:.2f} ms; "
          f"load average {os.getloadavg()[0]:.1f}\n")
    print(f"{'reader':<17} {'query':<18} {'median':>9} {'p95':>9} {'queries':>8} {'bytes':>8} {'x healthz':>10}")
    for reader, email, password in readers:
        for name, q in QUERIES:
            times, statements, size = measure(app, email, password, q)
            median = statistics.median(times)
            print(f"{reader:<17} {name:<18} {median * 1000:7.1f}ms {p95(times) * 1000:7.1f}ms {statements:>8} "
                  f"{size:>8,} {median / floor:>9.0f}x")


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
            for query_name, q in QUERIES:
                results[name, reader, query_name] = measure(app, email, password, q)[0]
    print(f"\nBlind index vs plaintext index, {label} (same rows, encrypted; {SEARCH_RUNS} warm runs each)\n")
    print(f"{'reader':<17} {'query':<18} {'plain med':>10} {'plain p95':>10} {'keyed med':>10} {'keyed p95':>10}"
          f" {'keyed/plain':>12}")
    for reader, _, _ in readers:
        for query_name, _ in QUERIES:
            plain, keyed = results["plain", reader, query_name], results["keyed", reader, query_name]
            ratio = statistics.median(keyed) / statistics.median(plain)
            print(f"{reader:<17} {query_name:<18} {statistics.median(plain) * 1000:8.1f}ms {p95(plain) * 1000:8.1f}ms "
                  f"{statistics.median(keyed) * 1000:8.1f}ms {p95(keyed) * 1000:8.1f}ms {ratio:>11.2f}x")


def main() -> int:
    tmp = tempfile.mkdtemp(prefix="bench-scale-")
    os.environ.setdefault("INSTANCE_PATH", tmp)
    app, written, seconds = build(f"sqlite:///{tmp}/scale.db", SCALE)
    report("SQLite", app, written, seconds)
    if INDEX_COMPARE:
        compare_index("SQLite", app)
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url.startswith("postgresql"):
        app, written, seconds = build(url, SCALE)
        report("PostgreSQL", app, written, seconds)
        if INDEX_COMPARE:
            compare_index("PostgreSQL", app)
    else:
        print("\n(PostgreSQL: set BENCH_DATABASE_URL to a throwaway database to measure it too)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
