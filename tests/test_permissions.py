"""The capability matrix: one table in code, the same table in the README, read by views and templates."""
from pathlib import Path

import pytest

from integration.auth.models import ROLES
from integration.permissions import CAPABILITIES, can, matrix_markdown
from tests.factories import UserFactory

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_prints_the_matrix_as_the_code_has_it():
    text = README.read_text()
    start = text.index("<!-- capability matrix")
    end = text.index("<!-- end of capability matrix -->")
    printed = text[start:end].split("\n", 1)[1].strip()
    assert printed == matrix_markdown(), "regenerate the README table from integration.permissions.matrix_markdown()"


def test_every_capability_names_known_roles():
    for name, (allows, roles) in CAPABILITIES.items():
        assert allows and roles and roles <= set(ROLES), name


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("capability", list(CAPABILITIES))
def test_can_answers_from_the_matrix(app, practice, role, capability):
    user = UserFactory(practice=practice, role=role)
    assert can(capability, user) == (role in CAPABILITIES[capability][1])


def _admin_only_urls() -> list[str]:
    return ["/team", "/team/new", "/audit/", "/audit/export.csv", "/settings/plans"]


@pytest.mark.parametrize("role", [r for r in ROLES if r not in CAPABILITIES["practice.manage"][1]])
def test_practice_pages_answer_404_without_practice_manage(client, auth, practice, role):
    auth.login(UserFactory(practice=practice, role=role))
    for url in _admin_only_urls():
        assert client.get(url).status_code == 404, url


def test_practice_pages_open_with_practice_manage(client, auth, admin):
    auth.login(admin)
    for url in _admin_only_urls():
        assert client.get(url).status_code == 200, url


def test_the_menu_follows_the_matrix(client, auth, admin, therapist):
    auth.login(therapist)
    page = client.get("/clients/").get_data(as_text=True)
    assert 'href="/audit/"' not in page and 'href="/team"' not in page
    auth.logout()
    auth.login(admin)
    page = client.get("/clients/").get_data(as_text=True)
    assert 'href="/audit/"' in page and 'href="/team"' in page
