"""Command line: create-user and demo-data."""
from integration.auth.models import Practice, User
from integration.clients.models import Client
from integration.extensions import db


def test_create_user_creates_the_practice_when_new(runner):
    result = runner.invoke(args=["create-user", "--email", "Rae@clinic.example", "--password",
                                 "copper lantern meadow ridge", "--name", "Rae Tam", "--role", "therapist",
                                 "--practice", "Juniper House"])
    assert result.exit_code == 0, result.output
    user = User.by_email("rae@clinic.example")
    assert user.practice.name == "Juniper House" and user.check_password("copper lantern meadow ridge")


def test_create_user_refuses_a_weak_password(runner):
    result = runner.invoke(args=["create-user", "--email", "a@b.example", "--password", "password1234",
                                 "--name", "A", "--role", "coach", "--practice", "P"])
    assert result.exit_code != 0 and "common passwords" in result.output
    assert db.session.query(User).count() == 0


def test_demo_data_prints_sign_ins_and_runs_twice_without_duplicates(runner, client):
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0, first.output
    lines = [line.split(" ") for line in first.output.strip().splitlines()]
    assert {parts[0] for parts in lines} == {"admin", "therapist", "coach"}
    assert all(len(parts) == 3 for parts in lines)
    counts = (db.session.query(User).count(), db.session.query(Client).count())
    second = runner.invoke(args=["demo-data"])
    assert second.exit_code == 0 and second.output == first.output
    assert (db.session.query(User).count(), db.session.query(Client).count()) == counts
    assert db.session.query(Practice).count() == 1
    role, email, password = lines[0]
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302 and response.headers["Location"].endswith("/clients/")
