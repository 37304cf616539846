"""Factories for test objects: tests say what matters and let these fill in the rest."""
import secrets

import factory

from integration.auth.models import Practice, User, hash_password
from integration.clients.models import CareTeamMember, Client
from integration.extensions import db

PASSWORD = "copper lantern meadow ridge"


class Base(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class PracticeFactory(Base):
    class Meta:
        model = Practice

    name = factory.Sequence(lambda n: f"Test Practice {n}")


class UserFactory(Base):
    """A practitioner whose password is PASSWORD (hashed with the test app's fast parameters)."""

    class Meta:
        model = User

    practice = factory.SubFactory(PracticeFactory)
    email = factory.Sequence(lambda n: f"user{n}@practice.example")
    name = factory.Sequence(lambda n: f"Practitioner {n}")
    credentials = "LMFT"
    role = "therapist"
    active = True
    password_hash = factory.LazyFunction(lambda: hash_password(PASSWORD))
    session_token = factory.LazyFunction(lambda: secrets.token_hex(16))


class ClientFactory(Base):
    class Meta:
        model = Client

    practice_id = factory.LazyFunction(lambda: PracticeFactory().id)
    first_name = factory.Sequence(lambda n: f"Client{n}")
    last_name = "Example"

    @classmethod
    def for_team(cls, *members: User, **kwargs) -> Client:
        """A client of the first member's practice with these members on its care team."""
        client = cls(practice_id=members[0].practice_id, **kwargs)
        for member in members:
            db.session.add(CareTeamMember(client=client, user=member))
        db.session.commit()
        return client
