"""Audit actions: every action the code records is listed with words for the audit page's filter,
and an idle-timeout sign-out leaves a row like any other sign-out."""
import ast
import time
from pathlib import Path

import pytest

import integration
from integration.audit.models import ACTIONS, AuditEvent
from integration.extensions import db
from tests.factories import ClientFactory, DosingSessionFactory, NoteFactory


PACKAGE = Path(integration.__file__).parent
FORMERLY_MISSING = ("conflict", "finalize", "revoke", "retire", "restore", "delete")


def _literal_actions(node: ast.expr, where: str) -> set[str]:
    """The action strings an argument can take: a literal, or literals on both sides of an if-else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _literal_actions(node.body, where) | _literal_actions(node.orelse, where)
    raise AssertionError(f"{where}: record() takes its action as a literal, so this test can check it")


# The calls that write audit rows: record() and record_many() (audit/log.py) and NotePage.audit().
WRITERS = {"record", "record_many", "audit"}


def _writer_name(call: ast.Call) -> str | None:
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    return name if name in WRITERS else None


def _forwarded(argument: ast.expr, function: ast.FunctionDef | None) -> bool:
    """A writer that passes on its own `action` parameter (the check happens at its callers)."""
    return (function is not None and isinstance(argument, ast.Name) and argument.id == "action"
            and "action" in {a.arg for a in function.args.args + function.args.kwonlyargs})


def _calls_with_their_function(tree: ast.AST, function: ast.FunctionDef | None = None):
    """Each writer call, with the function it is written in (the innermost one)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Call) and _writer_name(node):
            yield node, function
        inner = node if isinstance(node, ast.FunctionDef) else function
        yield from _calls_with_their_function(node, inner)


def recorded_actions() -> dict[str, list[str]]:
    """Every action written by an audit writer's call in the package, with where it is written."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node, function in _calls_with_their_function(ast.parse(path.read_text(), filename=str(path))):
            argument = node.args[0] if node.args else next(
                (k.value for k in node.keywords if k.arg == "action"), None)
            if argument is None or _forwarded(argument, function):
                continue
            where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
            for action in _literal_actions(argument, where):
                found.setdefault(action, []).append(where)
    return found


def test_every_action_the_code_records_is_listed():
    found = recorded_actions()
    assert set(FORMERLY_MISSING) <= set(found)  # the scan sees the calls it is meant to see
    missing = {action: places for action, places in found.items() if action not in ACTIONS}
    assert not missing, f"add these to ACTIONS in integration/audit/models.py: {missing}"


def test_every_action_has_its_own_words():
    labels = list(ACTIONS.values())
    assert all(label.strip() and label[0].isupper() for label in labels)
    assert len(set(labels)) == len(labels)
    assert all(len(action) <= AuditEvent.action.type.length for action in ACTIONS)


def test_the_action_filter_lists_every_action_in_words(client, auth, admin):
    auth.login(admin)
    page = client.get("/audit/").get_data(as_text=True)
    for action, label in ACTIONS.items():
        assert f'<option value="{action}">{label}</option>' in page
    assert '<option value="conflict">Saved-version conflict</option>' in page


@pytest.mark.parametrize("action", FORMERLY_MISSING)
def test_filtering_by_a_formerly_missing_action_shows_just_those_rows(client, auth, admin, action):
    db.session.add_all([
        AuditEvent(action=action, practice_id=admin.practice_id, user_id=admin.id, detail="the one to find"),
        AuditEvent(action="change", practice_id=admin.practice_id, user_id=admin.id, detail="not this one"),
    ])
    db.session.commit()
    auth.login(admin)
    page = client.get(f"/audit/?action={action}").get_data(as_text=True)
    assert "the one to find" in page and "not this one" not in page
    assert f'<option selected value="{action}">{ACTIONS[action]}</option>' in page
    assert 'aria-invalid' not in page


def test_a_save_conflict_is_found_by_its_filter(client, auth, admin, therapist):
    person = ClientFactory.for_team(therapist)
    note = NoteFactory(client=person, author=therapist, kind="debrief",
                       dosing_session_id=DosingSessionFactory(client=person).id)
    auth.login(therapist)
    autosave = f"/clients/{person.id}/notes/{note.id}/autosave"
    stale_version = note.version
    client.post(autosave, data={"version": stale_version, "experience": "First tab's words."})
    client.post(autosave, data={"version": stale_version, "experience": "Second tab's words."})
    auth.logout()
    auth.login(admin)
    page = client.get("/audit/?action=conflict").get_data(as_text=True)
    assert page.count('title="conflict"') == 1
    assert f"{therapist.name} saved a version that crossed another save of {person.full_name}’s note of " in page
    assert "(post-session debrief)" in page


def test_an_idle_timeout_sign_out_is_recorded(app, client, auth, therapist):
    auth.login(therapist)
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - app.config["SESSION_IDLE_MINUTES"] * 60 - 5
    assert client.get("/clients/").status_code == 302
    [signed_out] = db.session.query(AuditEvent).filter_by(action="sign-out").all()
    assert signed_out.detail == "idle timeout"
    assert (signed_out.user_id, signed_out.practice_id) == (therapist.id, therapist.practice_id)
    assert (signed_out.object_type, signed_out.object_id) == ("user", therapist.id)


def test_an_active_session_writes_no_sign_out(app, client, auth, therapist):
    auth.login(therapist)
    client.get("/clients/")
    assert db.session.query(AuditEvent).filter_by(action="sign-out").count() == 0
