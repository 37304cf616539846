"""SQLite's upkeep on the pool's long-lived connections: statistics sampled, refreshed now and then."""
import pytest
from sqlalchemy import create_engine, text

from integration import database


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'upkeep.db'}")
    database.configure_sqlite(engine)
    yield engine
    engine.dispose()


def _statements(connection) -> list[str]:
    seen: list[str] = []
    connection.connection.dbapi_connection.set_trace_callback(seen.append)
    return seen


def test_every_connection_samples_for_its_statistics(engine):
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA analysis_limit")).scalar() == database.ANALYSIS_LIMIT
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_a_connection_refreshes_its_statistics_once_the_interval_has_passed(engine, monkeypatch):
    with engine.connect() as connection:
        seen = _statements(connection)
    assert "PRAGMA optimize" not in seen, "not at every request: only once the interval has passed"
    monkeypatch.setattr(database, "OPTIMIZE_EVERY_SECONDS", 0)
    with engine.connect() as connection:
        seen = _statements(connection)
    assert "PRAGMA optimize" in seen
    monkeypatch.setattr(database, "OPTIMIZE_EVERY_SECONDS", 3600)
    with engine.connect() as connection:
        seen = _statements(connection)
    assert "PRAGMA optimize" not in seen, "and then not again until the next interval"


def test_a_connection_refreshes_its_statistics_when_it_closes(engine):
    with engine.connect() as connection:
        seen = _statements(connection)
    engine.dispose()
    assert "PRAGMA optimize" in seen

