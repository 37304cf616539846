"""`flask demo-data --scale N`: generated clients with a year of record, on care teams, and searchable."""
import pytest
from sqlalchemy import func, select, text

from integration.auth.models import User
from integration.clients.models import CareTeamMember, Client
from integration.demo import PEOPLE
from integration.extensions import db
from integration.notes.models import Insight, Note
from integration.search.models import InsightSearch, NoteSearch
from tests.conftest import POSTGRES_URL


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_scale_adds_generated_clients_with_notes_teams_and_index_rows(runner, client):
    result = runner.invoke(args=["demo-data", "--scale", "45"])
    assert result.exit_code == 0, result.output
    assert "generated: 45 clients" in result.output
    generated = select(User.id).where(User.email.like("%@generated.integration.test"))
    clinicians = _count(User, User.id.in_(generated), User.role == "therapist")
    assert clinicians == 2  # ~40 clients each
    notes = _count(Note, Note.author_id.in_(generated))
    assert notes == 45 * 40
    assert _count(NoteSearch) == _count(Note)  # every note indexed, the demo's own too
    assert _count(InsightSearch) == _count(Insight) > 45 * 5
    ines = User.by_email(PEOPLE[1][1])
    assert _count(CareTeamMember, CareTeamMember.user_id == ines.id) == 45 + 3  # the generated ones and the demo's
    assert client.post("/login", data={"email": PEOPLE[1][1], "password": PEOPLE[1][4]}).status_code == 302
    page = client.get("/search", query_string={"q": "breath"}).get_data(as_text=True)
    assert "<mark>breath</mark>" in page


def test_scale_is_reproducible_with_a_seed(runner):
    runner.invoke(args=["demo-data", "--scale", "3", "--seed", "7"])
    first = db.session.scalars(select(Client.first_name).order_by(Client.id)).all()[-3:]
    texts = db.session.scalars(select(Note.search_text).order_by(Note.id)).all()[-120:]
    runner.invoke(args=["demo-data", "--scale", "3", "--seed", "7"])
    assert db.session.scalars(select(Client.first_name).order_by(Client.id)).all()[-3:] == first
    assert db.session.scalars(select(Note.search_text).order_by(Note.id)).all()[-120:] == texts


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL's statistics (make test-pg)")
def test_scale_leaves_postgresql_statistics_of_what_it_wrote(runner):
    """The planner knows the generated rows at once (a search must not wait for autovacuum)."""
    runner.invoke(args=["demo-data", "--scale", "5"])
    for table, model in (("note", Note), ("note_search", NoteSearch), ("insight_search", InsightSearch)):
        estimated = db.session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = :table"), {"table": table})
        assert estimated == _count(model) > 0, table
    assert db.session.scalar(text("SELECT count(*) FROM pg_stats WHERE tablename = 'note_search' "
                                  "AND attname = 'tokens' AND most_common_elems IS NOT NULL")) == 1
