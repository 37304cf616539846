"""`make bench`, bounded-lists section (issue 14, points 2 and 3): the pages that grow with a record.

A practice of BENCH_SCALE generated clients (bench/scale.py's build), plus BENCH_AUDIT_ROWS audit rows
(1,000,000 unless set; one INSERT … SELECT over a generated series, 30 s apart, a year back) and one busy
client with BENCH_BUSY_NOTES extra notes. Each page is fetched through its route (Flask test client,
signed in through the login form): median and p95 of BENCH_PAGE_RUNS warm requests, SQL statements per
request, response bytes. Then the audit CSV export of every row, its body read chunk by chunk as a
server sends it: seconds, bytes, and the process's resident memory before, at its peak and after.

The deep audit page is asked as `?page=1000&after=<cursor of row 50,000>`: code with OFFSET pages reads
the one, keyset code the other — the same rows either way, so one run measures before and after.
Part of `make bench` (bench/at_scale.py runs it on the practice bench/scale.py built); run alone
with `python -m bench.bounded` (BENCH_DATABASE_URL for PostgreSQL, a throwaway database).
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, text

AUDIT_ROWS = int(os.environ.get("BENCH_AUDIT_ROWS", "1000000"))
BUSY_NOTES = int(os.environ.get("BENCH_BUSY_NOTES", "2000"))
PAGE_RUNS = int(os.environ.get("BENCH_PAGE_RUNS", "15"))


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


def peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024


def reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # the peak starts again from the current resident size (Linux >= 4.0)
    except OSError:
        pass


def add_audit_rows(count: int, practice_id: int) -> None:
    """`count` rows of the practice, one every 30 seconds back from now: views of clients' overviews,
    one in ten a change, spread over the practice's people and clients (ids taken as ranges)."""
    from integration.auth.models import User
    from integration.clients.models import Client
    from integration.extensions import db

    users = db.session.execute(select(func.min(User.id), func.max(User.id)).where(User.practice_id == practice_id)).one()
    clients = db.session.execute(select(func.min(Client.id), func.max(Client.id))
                                 .where(Client.practice_id == practice_id)).one()
    now = datetime.utcnow().replace(microsecond=0)
    columns = "at, practice_id, user_id, action, object_type, object_id, client_id, remote_addr, detail"
    values = {"p": practice_id, "u0": users[0], "un": users[1] - users[0] + 1, "c0": clients[0],
              "cn": clients[1] - clients[0] + 1, "count": count}
    body = ("SELECT {at}, :p, :u0 + (i % :un), CASE WHEN i % 10 = 0 THEN 'change' ELSE 'view' END, "
            "CASE WHEN i % 10 = 0 THEN 'client' ELSE '' END, CASE WHEN i % 10 = 0 THEN :c0 + (i % :cn) END, "
            ":c0 + (i % :cn), '10.0.0.1', CASE WHEN i % 10 = 0 THEN '' ELSE 'clients.show /clients/' || "
            "CAST(:c0 + (i % :cn) AS VARCHAR) END")
    if db.engine.dialect.name == "postgresql":
        at = "CAST(:now AS timestamp) - i * interval '30 seconds'"
        sql = f"INSERT INTO audit_event ({columns}) {body.format(at=at)} FROM generate_series(1, :count) AS i"
        db.session.execute(text(sql), {**values, "now": now})
    else:
        at = "datetime(:now, '-' || (i * 30) || ' seconds')"
        sql = (f"INSERT INTO audit_event ({columns}) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
               f"FROM n WHERE i < :count) {body.format(at=at)} FROM n")
        db.session.execute(text(sql), {**values, "now": now.isoformat(sep=" ")})
    db.session.commit()


def add_busy_notes(client_id: int, count: int) -> None:
    """`count` more notes on one client's record, copies of one of theirs on earlier days."""
    from integration.extensions import db
    from integration.notes.models import Note

    model = db.session.execute(select(Note.__table__).where(Note.client_id == client_id,
                                                            Note.dosing_session_id.is_(None)).limit(1)).mappings().one()
    rows = []
    for n in range(count):
        row = {key: value for key, value in model.items() if key != "id"}
        row["occurred_on"] = model["occurred_on"] - timedelta(days=n // 3 + 1)
        rows.append(row)
    db.session.execute(insert(Note.__table__), rows)
    db.session.commit()


def prepare(app):
    """The rows the pages need; returns (busy client id, URLs by label)."""
    from integration.auth.models import User
    from integration.audit.models import AuditEvent
    from integration.clients.models import CareTeamMember
    from integration.demo import PEOPLE
    from integration.extensions import db
    from integration.notes.models import Note

    with app.app_context():
        ines = User.by_email(PEOPLE[1][1])
        start = time.perf_counter()
        add_audit_rows(AUDIT_ROWS, ines.practice_id)
        audit_seconds = time.perf_counter() - start
        busy = db.session.scalar(select(Note.client_id).join(CareTeamMember, CareTeamMember.client_id == Note.client_id)
                                 .where(CareTeamMember.user_id == ines.id, Note.dosing_session_id.is_(None))
                                 .order_by(Note.client_id.desc()).limit(1))
        add_busy_notes(busy, BUSY_NOTES)
        deep = db.session.execute(select(AuditEvent.at, AuditEvent.id).where(AuditEvent.practice_id == ines.practice_id)
                                  .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).offset(min(49_999, AUDIT_ROWS // 2)).limit(1)).one()
        try:
            from integration.audit.views import NEWEST_FIRST
            cursor = NEWEST_FIRST.encode(tuple(deep))
        except ImportError:  # code from before keyset pages: page=1000 is the one it reads
            cursor = ""
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        notes = db.session.scalar(select(func.count()).select_from(Note).where(Note.client_id == busy))
    urls = [("admin", "audit log, newest page", "/audit/"),
            ("admin", "audit log, page 1000", f"/audit/?page=1000&after={cursor}"),
            ("admin", "audit log, one client", f"/audit/?client_id={busy}"),
            ("admin", "audit log, one person", f"/audit/?user_id={ines.id}"),
            ("admin", "client list (all)", "/clients/?status=all"),
            ("ines", f"busy client's notes tab ({notes:,} notes)", f"/clients/{busy}/sessions"),
            ("ines", "busy client's insights", f"/clients/{busy}/insights")]
    return audit_seconds, urls


def export(app, http) -> str:
    """The whole log as CSV, read as a server sends it (chunk by chunk): time, bytes, lines, memory."""
    import gc

    gc.collect()
    before = rss_mb()
    reset_peak()
    start = time.perf_counter()
    response = http.get("/audit/export.csv?since=2000-01-01", buffered=False)
    size = lines = 0
    for chunk in response.response:
        size += len(chunk)
        lines += chunk.count(b"\n") if isinstance(chunk, bytes) else chunk.count("\n")
    response.close()
    seconds = time.perf_counter() - start
    peak = peak_rss_mb()
    gc.collect()
    after = rss_mb()
    return (f"audit CSV export, all rows: {seconds:.1f} s, {size / 1e6:,.0f} MB, {lines - 1:,} rows; RSS before "
            f"{before:.0f} MB, peak {peak:.0f} MB (+{peak - before:.0f}), after {after:.0f} MB (+{after - before:.0f})")


def report(label: str, app, written: dict, seconds: float) -> None:
    audit_seconds, urls = prepare(app)
    print(f"\nBounded lists, {label}: {written['clients']:,} generated clients, {written['notes']:,} notes, "
          f"{AUDIT_ROWS:,} more audit rows (inserted in {audit_seconds:.0f} s); {PAGE_RUNS} warm runs each; "
          f"load average {os.getloadavg()[0]:.1f}\n")
    print(f"{'page':<40} {'median':>9} {'p95':>9} {'queries':>8} {'bytes':>9}")
    from bench.scale import measure, p95, signed_in
    from integration.demo import PEOPLE

    clients = {who: signed_in(app, person[1], person[4]) for who, person in (("admin", PEOPLE[0]), ("ines", PEOPLE[1]))}
    for who, name, url in urls:
        times, statements, size = measure(app, clients[who], url, runs=PAGE_RUNS)
        print(f"{name:<40} {statistics.median(times) * 1000:7.1f}ms {p95(times) * 1000:7.1f}ms {statements:>8} "
              f"{size:>9,}")
    print(export(app, clients["admin"]))


def main() -> int:
    from bench.scale import SCALE, build, databases

    tmp = tempfile.mkdtemp(prefix="bench-bounded-")
    os.environ.setdefault("INSTANCE_PATH", tmp)
    only = os.environ.get("BENCH_ONLY", "")  # "sqlite" or "postgresql" to measure one
    for label, url in databases(tmp):
        if not only or label.lower() == only:
            report(label, *build(url, SCALE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
