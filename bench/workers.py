"""`make bench`, workers section: does one slow page hold up everyone's autosave?

A SQLite practice of BENCH_WORKERS_SCALE generated clients (as `flask demo-data --scale N`) is served by
real gunicorn processes, once per worker model: the old `--workers 2` sync model and gunicorn.conf.py
(gthread). Against each, BENCH_AUTOSAVERS clinicians autosave their own drafts, each BENCH_SAVES_PER_SECOND
times a second (or as fast as the server answers, if slower), for BENCH_WORKERS_SECONDS alone and then as long again beside BENCH_SLOW_READERS clinicians
searching a common word across the whole practice (they are on every care team) without pause. Printed per model: autosaves per
second, their median and p99, the searches served, and how much the slow readers cost autosave.

Run alone with `python -m bench.workers`.
"""
from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCALE = int(os.environ.get("BENCH_WORKERS_SCALE", "200"))
SECONDS = float(os.environ.get("BENCH_WORKERS_SECONDS", "12"))
AUTOSAVERS = int(os.environ.get("BENCH_AUTOSAVERS", "6"))
# Each autosaver asks this often: the editor saves every few seconds, so a busy clinic's saves arrive at
# a steady rate well below what the server can do; what a slow page may take from them is their turn.
SAVES_PER_SECOND = float(os.environ.get("BENCH_SAVES_PER_SECOND", "8"))
SLOW_READERS = int(os.environ.get("BENCH_SLOW_READERS", "2"))
# The builder and the gunicorn workers must read the rows with the same keys (integration/crypto/).
KEYS = {"ENCRYPTION_KEYS": "YmVuY2gtb25seS1lbmNyeXB0aW9uLWtleS0zMmJ5dGU=",
        "SEARCH_INDEX_KEY": "YmVuY2gtb25seS1zZWFyY2gtaW5kZXgta2V5LTMyYnk="}
# The old model is given an empty configuration: gunicorn would otherwise read gunicorn.conf.py from the
# working directory, and its threads setting turns a sync worker into a gthread one.
MODELS = [("sync, 2 workers (before)", ["--config", os.devnull, "--workers", "2", "--worker-class", "sync",
                                        "--timeout", "30"]),
          ("gthread, gunicorn.conf.py", ["--config", str(ROOT / "gunicorn.conf.py")])]
PASSWORD = "Bench-Autosave-Reader-2026"
FAILED: list[str] = []  # answers other than success, by the thread that got them


def build(instance: Path) -> list[tuple[str, int, int]]:
    """The database, with one clinician per autosaver and slow reader: (email, client id, draft id)."""
    from sqlalchemy import select

    from integration import create_app
    from integration.auth.models import User
    from integration.clients.models import CareTeamMember, Client
    from integration.demo import PEOPLE, load_demo
    from integration.demo_scale import add_generated_clients
    from integration.extensions import db
    from integration.notes import lifecycle
    from integration.notes.models import Note

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'integration.db'}", "SECRET_KEY": "bench",
                      **KEYS})
    with app.app_context():
        db.create_all()
        load_demo()
        add_generated_clients(SCALE)
        ines = User.by_email(PEOPLE[1][1])
        # On every care team, as a clinic's medical director may be: a search reads the whole practice.
        caseload = db.session.scalars(select(Client.id).where(Client.practice_id == ines.practice_id)
                                      .order_by(Client.id)).all()
        people = []
        for number in range(AUTOSAVERS + SLOW_READERS):
            member = User(practice_id=ines.practice_id, email=f"bench{number}@bench.integration.test",
                          name=f"Bench Reader {number}", role="therapist", profession="therapist")
            member.set_password(PASSWORD)
            db.session.add(member)
            db.session.flush()
            db.session.add_all(CareTeamMember(client_id=client_id, user_id=member.id) for client_id in caseload)
            client = db.session.get(Client, caseload[number])
            draft = lifecycle.start(Note(client_id=client.id, kind="integration", occurred_on=client.created_at.date()),
                                    member)
            db.session.flush()
            people.append((member.email, client.id, draft.id))
        db.session.commit()
        return people


class Browser:
    """One signed-in person: cookies, and the CSRF token of the last page read."""

    def __init__(self, base: str, email: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.token = ""
        self.get("/login")
        self.post("/login", {"email": email, "password": PASSWORD})

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=120) as answer:
            page = answer.read().decode()
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        self.token = found.group(1) if found else self.token
        return page

    def post(self, path: str, fields: dict, accept: str = "text/html") -> bytes:
        body = urllib.parse.urlencode({**fields, "csrf_token": self.token}).encode()
        request = urllib.request.Request(self.base + path, body, {"Accept": accept})
        with self.opener.open(request, timeout=120) as answer:
            return answer.read()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(instance: Path, arguments: list[str], log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    environment = {**os.environ, **KEYS, "INSTANCE_PATH": str(instance), "SECRET_KEY": "bench", "LOG_LEVEL": "INFO",
                   "RATELIMIT_STORAGE_URI": "memory://", "LOGIN_RATE_PER_ADDRESS": "1000 per minute"}
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), *arguments,
                               "--bind", f"127.0.0.1:{port}", "app:app"], cwd=ROOT, env=environment,
                              stdout=subprocess.DEVNULL, stderr=log.open("w"))
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).read()
            return server, base
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("bench.workers: gunicorn did not answer /healthz in 20 s")


def autosave_loop(browser: Browser, client_id: int, draft_id: int, until: float, took: list[float]):
    path = f"/clients/{client_id}/notes/{draft_id}"
    browser.get(path)
    version = int(re.search(r'name="version"[^>]*value="(\d+)"', browser.get(path)).group(1))
    due = time.perf_counter()
    while due < until:
        time.sleep(max(0.0, due - time.perf_counter()))
        start = time.perf_counter()
        due = max(due + 1 / SAVES_PER_SECOND, start)
        try:
            answer = browser.post(f"{path}/autosave", {"version": version, "focus": f"Saved at {start:.4f}"},
                                  accept="application/json")
        except urllib.error.HTTPError as refused:
            FAILED.append(f"autosave {refused.code}")
            continue
        took.append(time.perf_counter() - start)
        version = int(re.search(rb'"version":\s*(\d+)', answer).group(1))


def search_loop(browser: Browser, until: float, served: list[float]):
    while time.perf_counter() < until:
        start = time.perf_counter()
        try:
            browser.get("/search?q=breath")
        except urllib.error.HTTPError as refused:
            FAILED.append(f"search {refused.code}")
            continue
        served.append(time.perf_counter() - start)


def measure(base: str, people: list[tuple[str, int, int]], with_slow: bool) -> tuple[list[float], list[float]]:
    savers = [(Browser(base, email), client_id, draft_id) for email, client_id, draft_id in people[:AUTOSAVERS]]
    readers = [Browser(base, email) for email, _, _ in people[AUTOSAVERS:]] if with_slow else []
    until = time.perf_counter() + SECONDS
    saves: list[float] = []
    searches: list[float] = []
    threads = [threading.Thread(target=autosave_loop, args=(*saver, until, saves)) for saver in savers]
    threads += [threading.Thread(target=search_loop, args=(reader, until, searches)) for reader in readers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return saves, searches


def p99(times: list[float]) -> float:
    return statistics.quantiles(times, n=100)[98] if len(times) >= 2 else times[0]


def main() -> None:
    print(f"\n== workers: {AUTOSAVERS} autosavers asking {SAVES_PER_SECOND:g}/s each for {SECONDS:.0f} s, alone and beside {SLOW_READERS} clinicians "
          f"searching \"breath\" across the practice (practice of {SCALE} generated clients, SQLite)")
    with tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp)
        start = time.perf_counter()
        people = build(instance)
        print(f"built in {time.perf_counter() - start:.0f} s")
        print(f"{'model':28} {'alone/s':>8} {'beside/s':>9} {'cost':>6} {'median':>9} {'p99 alone':>10} "
              f"{'p99 beside':>11} {'searches':>9}")
        for name, arguments in MODELS:
            log = instance / f"gunicorn-{len(name)}.log"
            server, base = serve(instance, arguments, log)
            try:
                alone, _ = measure(base, people, with_slow=False)
                beside, searches = measure(base, people, with_slow=True)
            finally:
                server.terminate()
                server.wait(timeout=30)
            rate_alone, rate_beside = len(alone) / SECONDS, len(beside) / SECONDS
            print(f"{name:28} {rate_alone:8.1f} {rate_beside:9.1f} {1 - rate_beside / rate_alone:6.0%} "
                  f"{statistics.median(beside) * 1000:7.0f}ms {p99(alone) * 1000:8.0f}ms {p99(beside) * 1000:9.0f}ms "
                  f"{len(searches):9d}")
            if FAILED:
                print(f"  {len(FAILED)} requests failed:", ", ".join(sorted(set(FAILED))))
                FAILED.clear()
            text = log.read_text()
            if "Traceback" in text:
                kept = Path(tempfile.gettempdir()) / f"bench-workers-{log.stem}.log"
                kept.write_text(text)
                print(f"  the server logged errors: {kept}")
            print(f"  {next(line for line in text.splitlines() if 'Using worker' in line).split('] ')[-1]}")


if __name__ == "__main__":
    main()
