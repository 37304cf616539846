"""`make bench`, caseload section (issue 12): a clinician's worklist, client list and one client's overview
and measures page when each of their 40 clients has a year of measures, against the same clinician with
one client and one measure.

Each client gets a PHQ-9 and a GAD-7 every two weeks for a year (52 responses), eight dosing sessions,
a schedule "before every session", and one open alert in four. The pages run through the real routes
(Flask test client, signed in through the login form) on a SQLite file. Printed per page: median and p95
of BENCH_CASELOAD_RUNS warm requests and SQL statements per request, small and full — the statement
count must not grow with the record, which the bench checks and reports (exit status 1 if it does).
Run alone with `python -m bench.caseload`.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta

from sqlalchemy import event, insert

CLIENTS = int(os.environ.get("BENCH_CASELOAD_CLIENTS", "40"))
RUNS = int(os.environ.get("BENCH_CASELOAD_RUNS", "15"))
EMAIL = "caseload@bench.integration.test"
PASSWORD = "Bench-Caseload-Clinician-2026"
WEEKS = 52


def _answers(week: int, items: int, top: int) -> list[int]:
    """A plausible course: high at first, easing over the year, item 9 (if any) zero."""
    level = max(0, top - (week * top) // (WEEKS + 8))
    answers = [(level + i) % (top + 1) for i in range(items)]
    if items == 9:
        answers[8] = 0
    return answers


def build(tmp: str, clients: int):
    """An app on a SQLite file with the demo practice and a clinician whose caseload is `clients` clients."""
    from integration import create_app
    from integration.auth.models import User
    from integration.clients.models import CareTeamMember, Client
    from integration.demo import PEOPLE, load_demo
    from integration.extensions import db
    from integration.measures.instruments import GAD7, PHQ9, score
    from integration.measures.models import MeasureAlert, MeasureResponse, MeasureSchedule
    from integration.notes.models import DosingSession

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/caseload-{clients}.db",
                      "RATELIMIT_STORAGE_URI": "memory://", "LOGIN_RATE_PER_ADDRESS": "1000000 per minute",
                      "LOG_LEVEL": "WARNING"})
    with app.app_context():
        db.create_all()
        load_demo()
        practice_id = User.by_email(PEOPLE[1][1]).practice_id
        clinician = User(practice_id=practice_id, email=EMAIL, name="Caseload Clinician (bench)", role="therapist",
                         profession="therapist")
        clinician.set_password(PASSWORD)
        db.session.add(clinician)
        db.session.flush()
        today = date.today()
        now = datetime.now()
        ids = list(db.session.scalars(insert(Client).returning(Client.id, sort_by_parameter_order=True), [
            {"practice_id": practice_id, "first_name": "Caseload", "last_name": f"Client {n:02d}", "preferred_name": "",
             "pronouns": "", "date_of_birth": date(1980, 1, 1), "email": "", "phone": "", "emergency_contact": "",
             "status": "active", "created_at": now} for n in range(clients)]))
        db.session.execute(insert(CareTeamMember), [{"client_id": i, "user_id": clinician.id, "added_at": now}
                                                    for i in ids])
        sessions = [{"client_id": i, "number": k + 1, "route": "im", "dose_mg_per_kg": 0.75, "status": "held",
                     "started_at": now - timedelta(days=330 - 40 * k)} for i in ids for k in range(8)]
        db.session.execute(insert(DosingSession), sessions)
        responses = []
        for client_id in ids:
            for week in range(0, WEEKS, 2) if clients > 1 else [WEEKS - 1]:
                taken_on = today - timedelta(weeks=WEEKS - week)
                for key, definition, top in (("phq9", PHQ9, 3), ("gad7", GAD7, 3)):
                    if clients == 1 and key == "gad7":
                        continue
                    answers = _answers(week, len(definition.items), top)
                    total = score(definition, answers)
                    band = definition.band_of(total)
                    responses.append({"client_id": client_id, "measure_key": key, "taken_on": taken_on,
                                      "answers": answers, "total": total, "band": band.label if band else "",
                                      "entered_by_id": clinician.id, "created_at": now, "difficulty": ""})
        response_ids = list(db.session.scalars(insert(MeasureResponse).returning(
            MeasureResponse.id, sort_by_parameter_order=True), responses))
        db.session.execute(insert(MeasureSchedule), [
            {"client_id": i, "measure_key": key, "cadence": "before_session", "active": True, "created_at": now}
            for i in ids for key in ("phq9", "gad7")])
        alerts = [{"client_id": row["client_id"], "kind": "rise", "response_id": rid, "detail": "Rose 5 points",
                   "raised_at": now} for rid, row in zip(response_ids, responses)
                  if row["client_id"] % 4 == 0 and row["taken_on"] == responses[-1]["taken_on"]]
        if alerts:
            db.session.execute(insert(MeasureAlert), alerts)
        db.session.commit()
        return app, ids[0], len(responses)


def measure(app, client_id: int) -> dict[str, tuple[list[float], int]]:
    """{page: (seconds per warm request, statements per request)} for the clinician."""
    from integration.extensions import db

    http = app.test_client()
    http.post("/login", data={"email": EMAIL, "password": PASSWORD})
    pages = {"worklist": "/worklist", "client list": "/clients/", "client overview": f"/clients/{client_id}",
             "measures page": f"/clients/{client_id}/measures"}
    found = {}
    with app.app_context():
        for name, url in pages.items():
            assert http.get(url).status_code == 200, url
            statements = []

            def count(*_):
                statements.append(1)
            event.listen(db.engine, "before_cursor_execute", count)
            http.get(url)
            event.remove(db.engine, "before_cursor_execute", count)
            times = []
            for _ in range(RUNS):
                start = time.perf_counter()
                http.get(url)
                times.append(time.perf_counter() - start)
            found[name] = (times, len(statements))
    return found


def _ms(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered) * 1000:7.1f} / {p95 * 1000:7.1f}"


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-caseload-") as tmp:
        small_app, small_client, small_rows = build(tmp, 1)
        full_app, full_client, full_rows = build(tmp, CLIENTS)
        small = measure(small_app, small_client)
        full = measure(full_app, full_client)
    print(f"\nCaseload (issue 12): one client with {small_rows} measure vs {CLIENTS} clients with a year of "
          f"measures each ({full_rows} responses), SQLite, {RUNS} warm requests; ms median / p95")
    print(f"{'page':<16}  {'small ms':>17}  {'full ms':>17}  {'queries small → full':>21}")
    grew = []
    for name in full:
        (t_small, q_small), (t_full, q_full) = small[name], full[name]
        print(f"{name:<16}  {_ms(t_small):>17}  {_ms(t_full):>17}  {q_small:>10} → {q_full:<9}")
        if q_full != q_small:
            grew.append(name)
    if grew:
        print("statements grew with the record on: " + ", ".join(grew), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
