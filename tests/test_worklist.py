"""The practitioner's worklist: every kind of item with its link, alerts first, the same counts on the client
list, and a constant number of SQL queries however many clients."""
from datetime import datetime, timedelta

from integration.extensions import db
from integration.measures.models import MeasureAlert, MeasureSchedule
from tests.factories import ClientFactory, DosingSessionFactory, NoteFactory, UserFactory
from tests.queries import counting_queries


def _busy_client(therapist, supervisee, n: int):
    """A client with one of each: a draft, a recent session without a debrief (its window open), an open
    alert, a measure due, and a supervisee's note waiting for the therapist's co-signature."""
    client = ClientFactory.for_team(therapist, supervisee, first_name=f"Busy{n:02d}", last_name="Client")
    NoteFactory(client=client, author=therapist)
    DosingSessionFactory(client=client, number=1, started_at=datetime.utcnow() - timedelta(hours=20))
    waiting = NoteFactory(client=client, author=supervisee)
    waiting.status, waiting.cosigner_id, waiting.signed_at = "signed", therapist.id, datetime.utcnow()
    db.session.add_all([MeasureAlert(client_id=client.id, kind="item9", detail=f"PHQ-9 item 9 for {n}"),
                        MeasureSchedule(client_id=client.id, measure_key="gad7", cadence="weekly")])
    db.session.commit()
    return client


def test_the_worklist_lists_each_kind_alerts_first_with_links(signed_in, therapist):
    supervisee = UserFactory(practice=therapist.practice, role="therapist", supervisor_id=therapist.id)
    client = _busy_client(therapist, supervisee, 1)
    page = signed_in.get("/worklist").get_data(as_text=True)
    headings = ["Alerts to acknowledge", "Sessions without a debrief", "Your unsigned notes", "Co-signatures waiting",
                "Measures due", "Integration windows open"]
    positions = [page.index(f"{h} <span") for h in headings]
    assert positions == sorted(positions), "sorted by urgency, alerts first"
    for link in (f"/clients/{client.id}/measures#alert-", f"/clients/{client.id}/sessions/",
                 f"/clients/{client.id}/notes/", f"/clients/{client.id}/measures/new?measure=gad7"):
        assert f'href="{link}' in page, link


def test_the_client_list_counts_the_same_items_per_client(signed_in, therapist):
    supervisee = UserFactory(practice=therapist.practice, role="therapist", supervisor_id=therapist.id)
    _busy_client(therapist, supervisee, 1)
    page = signed_in.get("/clients/").get_data(as_text=True)
    for words in ("1 <span class=\"work-kind\">alerts to acknowledge", "1 <span class=\"work-kind\">measures due",
                  "1 <span class=\"work-kind\">your unsigned notes", "1 <span class=\"work-kind\">co-signatures waiting"):
        assert words in page, words


def test_the_worklist_and_client_list_issue_the_same_queries_for_3_and_30_clients(signed_in, therapist):
    supervisee = UserFactory(practice=therapist.practice, role="therapist", supervisor_id=therapist.id)
    counts = {}
    made = 0
    for total in (3, 30):
        while made < total:
            made += 1
            _busy_client(therapist, supervisee, made)
        counts[total] = {}
        for url in ("/worklist", "/clients/"):
            with counting_queries() as statements:
                page = signed_in.get(url).get_data(as_text=True)
            counts[total][url] = len(statements)
            assert page.count("Busy") >= min(total, 20)  # the client list shows a page of them
    print("query counts:", counts)
    assert counts[3] == counts[30]


def test_the_worklist_audits_a_view_of_each_client_it_shows(signed_in, therapist):
    from sqlalchemy import select

    from integration.audit.models import AuditEvent

    supervisee = UserFactory(practice=therapist.practice, role="therapist", supervisor_id=therapist.id)
    shown = [_busy_client(therapist, supervisee, n).id for n in (1, 2)]
    signed_in.get("/worklist")
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.detail == "worklist")).all()
    assert sorted((r.client_id, r.action, r.user_id) for r in rows) == [(c, "view", therapist.id) for c in shown]


def test_a_long_kind_shows_its_oldest_thirty_and_counts_the_rest(signed_in, therapist):
    from sqlalchemy import select

    from integration.audit.models import AuditEvent
    from integration.worklist import SHOWN_PER_KIND

    clients = [ClientFactory.for_team(therapist, first_name=f"Waiting{n:02d}", last_name="Client")
               for n in range(SHOWN_PER_KIND + 4)]
    for age, client in enumerate(clients):  # the first client's session is the newest
        DosingSessionFactory(client=client, number=1, started_at=datetime.utcnow() - timedelta(days=10 + age))
    page = signed_in.get("/worklist").get_data(as_text=True)
    assert f"Sessions without a debrief <span class=\"muted\">({SHOWN_PER_KIND + 4})</span>" in page
    assert page.count("has no debrief yet") == SHOWN_PER_KIND
    assert "And 4 more, the oldest shown first." in page
    assert "Waiting33" in page and "Waiting00" not in page, "the oldest wait longest: they come first"
    audited = set(db.session.scalars(select(AuditEvent.client_id).where(AuditEvent.detail == "worklist")))
    assert audited == {c.id for c in clients[4:]}, "a view is recorded for the clients shown, not the ones counted"
