"""Demo sessions and notes: plausible, signed where they should be, and loaded once."""
from sqlalchemy import func, select

from integration import demo
from integration.auth.models import Practice, User
from integration.clients.models import Client
from integration.extensions import db
from integration.notes import lifecycle
from integration.notes.demo import load_demo
from integration.notes.models import DosingSession, Note


def _load_twice():
    demo.load_demo()
    practice = Practice.by_name(demo.PRACTICE)
    users = {u.email.split("@")[0]: u for u in db.session.scalars(select(User).where(User.practice_id == practice.id))}
    clients = db.session.scalars(select(Client).where(Client.practice_id == practice.id)).all()
    load_demo(practice, users, clients)
    counts = (db.session.scalar(select(func.count(DosingSession.id))), db.session.scalar(select(func.count(Note.id))))
    load_demo(practice, users, clients)
    return clients, counts


def test_demo_sessions_each_have_a_signed_debrief_and_load_once(app):
    clients, counts = _load_twice()
    assert counts == (db.session.scalar(select(func.count(DosingSession.id))),
                      db.session.scalar(select(func.count(Note.id))))
    for client in clients:
        sessions = db.session.scalars(select(DosingSession).where(DosingSession.client_id == client.id,
                                                                  DosingSession.status == "held")  # (not booked ones)
                                      .order_by(DosingSession.number)).all()
        assert 3 <= len(sessions) <= 6
        assert [s.number for s in sessions] == list(range(1, len(sessions) + 1))
        assert all(s.dose_mg and s.dose_mg > 0 for s in sessions)
        for session in sessions:
            (debrief,) = [n for n in session.notes_written if n.kind == "debrief"]
            assert debrief.is_signed and lifecycle.hash_matches(debrief)
            assert debrief.search_text and debrief.content["safety"]["asked"] == "yes"
        # Between sessions: integration notes, or coaching notes where a coach is on the care team.
        between = db.session.scalars(select(Note).where(Note.client_id == client.id, Note.dosing_session_id.is_(None),
                                                        Note.kind.in_(("integration", "coaching")))).all()
        assert between and any(not n.is_signed for n in between)
