"""Every CSV the app writes opens in a spreadsheet as text: no cell can start a formula."""
import csv
import io
import re
from pathlib import Path

import pytest

from integration.audit.models import AuditEvent
from integration.csvsafe import csv_text, formula_safe
from integration.extensions import db
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


@pytest.mark.parametrize("start", TRIGGERS)
def test_a_cell_that_would_run_as_a_formula_is_kept_as_text(start):
    assert formula_safe(f"{start}HYPERLINK(\"https://example.org\")").startswith("'")


@pytest.mark.parametrize("value", [" =1+1", "  @SUM(A1)"])
def test_leading_spaces_do_not_hide_a_formula(value):
    assert formula_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["Ada Okafor", "ada@example.org", "2026-03-01T10:00:00", "a-b", "", 42])
def test_ordinary_cells_are_unchanged(value):
    assert formula_safe(value) == str(value)


def test_every_cell_and_the_header_go_through_it():
    rows = list(csv.reader(io.StringIO(csv_text(["=h"], [["+a", "-1", "@b", None]]))))
    assert rows == [["'=h"], ["'+a", "'-1", "'@b", ""]]


def test_the_audit_export_defuses_every_column(client, auth, practice, admin):
    hostile = UserFactory(practice=practice, email="=cmd@example.org")
    db.session.add(AuditEvent(action="-change", practice_id=practice.id, user_id=hostile.id,
                              object_type="+client", remote_addr="@10.0.0.1", detail="=HYPERLINK(\"x\")"))
    db.session.commit()
    auth.login(admin)
    text = client.get("/audit/export.csv").get_data(as_text=True)
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'=cmd@example.org" in cells and "'-change" in cells and "'+client" in cells
    assert "'@10.0.0.1" in cells and "'=HYPERLINK(\"x\")" in cells
    assert not [cell for cell in cells if cell[:1] in TRIGGERS]


def test_no_csv_is_written_outside_the_formula_safe_writer():
    """A new export cannot bypass csvsafe: csv writers and text/csv answers live there or call it."""
    offenders = []
    for path in (ROOT / "integration").rglob("*.py"):
        if path.name == "csvsafe.py":
            continue
        source = path.read_text()
        if re.search(r"csv\.(writer|DictWriter)", source):
            offenders.append(f"{path.relative_to(ROOT)}: writes CSV itself")
        if "text/csv" in source and "csv_text(" not in source and "csv_line(" not in source:
            offenders.append(f"{path.relative_to(ROOT)}: answers text/csv without csvsafe.csv_text or csv_line")
    assert offenders == []
