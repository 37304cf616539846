"""The audit log in words: each row as a sentence a practice admin reads without a developer.

"Ines Calloway opened Rowan Tessly's note of Nov 28 (post-session debrief)". A sentence is built
from the row alone (action, the endpoint of a view, the object's type and id) and from names the
page loads once for all its rows: people, clients (signal `client_names`) and the objects
(signal `audit_objects`, answered by each area with kinds and dates only). It never holds clinical
words: the audit log keeps none, and the admin who reads it reads no clinical content.

Views are recorded as "<endpoint> <path>" (log.record_shown), by rows old and new alike; the path
is matched against the url_map again for the ids in it.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from flask import current_app
from werkzeug.exceptions import HTTPException

from .. import signals
from .models import ACTIONS, AuditEvent

# endpoint of a page that shows a record -> what opening it is, in words. "{owner}" is "Rowan
# Tessly's " (or "a client's "), "{object}" the object the URL names (see OBJECT_ARGUMENTS).
VIEW_PHRASES: dict[str, str] = {
    "clients.show": "opened {owner}overview",
    "clients.edit": "opened {owner}details to change them",
    "clients.care_team": "opened {owner}care team",
    "clients.goals": "opened {owner}goals",
    "clients.show_goal": "opened one of {owner}goals",
    "clients.history": "opened {owner}personal history",
    "clients.show_history": "opened an item of {owner}personal history",
    "notes.index": "opened {owner}sessions and notes",
    "dosing.show_session": "opened {owner}{object}",
    "dosing.new_session": "opened the form for a new dosing session on {owner}record",
    "dosing.edit_session": "opened a page of {owner}sessions and notes",  # as it read before the move
    "notes.new_note": "opened the form for a new note on {owner}record",
    "notes.show_note": "opened {owner}{object}",
    "dosing.safety": "opened the safety record of {owner}{object}",
    "dosing.consent": "opened {owner}consents",
    "notes.discarded": "opened their discarded drafts on {owner}record",
    "insights.index": "opened {owner}insights",
    "insights.edit": "opened {owner}{object} to change it",
    "plans.index": "opened {owner}plans",
    "exports.index": "opened the page to export {owner}record",
    "groups.client_attendance": "opened {owner}circle attendance",
    "groups.show_series": "opened {object}",
    "groups.show_session": "opened {object}",
    "groups.group_note": "opened the group note of {object}",
    "safetyplans.show": "opened {owner}safety plan",
    "safetyplans.edit": "opened {owner}safety plan to change it",
    "safetyplans.version": "opened an earlier version of {owner}safety plan",
    # A dosing session's own pages were "notes." until they moved to dosing/views.py: rows written
    # before the move keep those names and read as they always did.
    "notes.show_session": "opened {owner}{object}",
    "notes.new_session": "opened the form for a new dosing session on {owner}record",
    "notes.edit_session": "opened a page of {owner}sessions and notes",
}
# Pages not listed above, by the area they belong to: "opened a page of {owner}<area>".
AREA_WORDS = {"clients": "record", "notes": "sessions and notes", "dosing": "dosing safety record",
              "insights": "insights", "plans": "plans", "groups": "circles", "search": "record", "exports": "record",
              "safetyplans": "safety plan"}
# URL arguments, most specific first, and the kind of object each names (an AuditEvent.object_type).
OBJECT_ARGUMENTS = (("note_id", "note"), ("insight_id", "insight"), ("addendum_id", "addendum"),
                    ("group_session_id", "groupsession"), ("session_id", "dosingsession"), ("goal_id", "goal"),
                    ("history_id", "historyitem"), ("plan_id", "plan"), ("series_id", "groupseries"))
# What each action does to its object, as a verb ("{who} signed Rowan Tessly's note of ...").
VERBS = {"create": "created", "change": "changed", "conflict": "saved a version that crossed another save of",
         "sign": "signed", "cosign": "co-signed", "discard": "discarded", "remove": "removed",
         "retract": "retracted", "restore": "restored", "delete": "deleted", "finalize": "finalized",
         "export": "exported", "record-export": "exported a copy of", "share": "made a private link to", "revoke": "revoked a private link to",
         "download": "downloaded", "retire": "retired", "archive": "archived", "reset-link": "made a password reset link for",
         "two-step-reset": "reset the second sign-in step of", "deactivate": "deactivated",
         "reactivate": "reactivated", "close": "closed", "reopen": "reopened",
         "purge-request": "asked to purge", "purge-cancel": "cancelled", "purge": "approved and carried out",
         "client-checkin": "received through a private link",
         "client-measure": "received through a private link", "checkin-code-wrong": "refused a wrong code on",
         "acknowledge": "acknowledged"}
# Actions about the person themselves: the whole sentence after their name.
OWN_ACTIONS = {"sign-in": "signed in", "sign-out": "signed out", "sign-in-failed": "failed to sign in",
               "sign-in-paused": "was refused sign-in (paused after repeated failures)",
               "sign-out-everywhere": "signed out on all devices", "password-change": "changed their password",
               "password-reset": "set a new password with a reset link",
               "two-step-on": "turned on two-step sign-in", "two-step-off": "turned off two-step sign-in",
               "recovery-codes": "made new recovery codes"}
# The kind of an object, when no area describes it ("a goal", "the practice settings").
KIND_WORDS = {"note": "a note", "dosingsession": "a dosing session", "insight": "an insight",
              "addendum": "an addendum", "goal": "a goal", "goalcheckin": "a goal check-in",
              "historyitem": "a history item", "plan": "a plan", "planitem": "a plan item",
              "planexport": "a delivered plan", "sharelink": "a private plan link", "client": "the record",
              "careteammember": "the care team", "practice": "the practice settings",
              "librarypractice": "a library entry", "groupseries": "a circle", "groupsession": "a circle session",
              "groupnote": "a circle's group note", "enrollment": "a circle enrolment",
              "attendance": "circle attendance", "breakglass": "the clinical record", "user": "an account",
              "purgerequest": "a purge request",
              "safetyplanversion": "a version of the safety plan",
              "clientcheckin": "a client's check-in", "measureresponse": "a measure",
              "notetemplate": "a note template"}


@dataclass
class Row:
    """One audit row as the page shows it."""

    event: AuditEvent
    sentence: str
    who: str
    client_name: str


def _view_target(event: AuditEvent) -> tuple[str, dict]:
    """The endpoint and URL arguments of a "view" row (its detail is "<endpoint> <path>[ (METHOD, status)]")."""
    return _matched(current_app.url_map, event.detail or "")


@lru_cache(maxsize=8192)
def _matched(url_map, detail: str) -> tuple[str, dict]:
    """Cached by detail: a page of rows, or an export of a million, names the same few pages again and
    again, and matching a path against the url_map is most of the cost of a sentence."""
    parts = detail.split(" ")
    endpoint, path = parts[0], parts[1] if len(parts) > 1 else ""
    method = parts[2].strip("(,") if len(parts) > 2 and parts[2].startswith("(") else "GET"
    try:
        _, arguments = url_map.bind("localhost").match(path, method=method)
    except HTTPException:
        arguments = {}
    return endpoint, MappingProxyType(arguments)


def _view_object(arguments: dict) -> tuple[str, int] | None:
    for name, kind in OBJECT_ARGUMENTS:
        if name in arguments:
            return kind, arguments[name]
    return None


def _object_of(event: AuditEvent) -> tuple[str, int] | None:
    if event.action == "view":
        return _view_object(_view_target(event)[1])
    return (event.object_type, event.object_id) if event.object_type and event.object_id else None


def describe_objects(events, practice_id: int) -> dict[tuple[str, int], str]:
    """Words for every object the rows name, one query per kind of object (whatever the number of rows)."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        found = _object_of(event)
        if found:
            wanted[found[0]].add(found[1])
    words: dict[tuple[str, int], str] = {}
    for kind, ids in wanted.items():
        for object_id, text in signals.merged(signals.audit_objects, kind, ids=ids,
                                              practice_id=practice_id).items():
            words[(kind, object_id)] = text
    return words


def sentences(events, *, people: dict[int, str], clients: dict[int, str], objects: dict) -> list[Row]:
    return [_row(event, people, clients, objects) for event in events]


def _row(event: AuditEvent, people, clients, objects) -> Row:
    who = people.get(event.user_id, "Someone not signed in") if event.user_id else "Someone not signed in"
    client_name = clients.get(event.client_id, "") if event.client_id else ""
    owner = f"{client_name}’s " if client_name else ("a client’s " if event.client_id else "")
    found = _object_of(event)
    thing = objects.get(found) if found else None
    if found and found[0] == "user" and found[1] in people:  # team changes: the member by name
        thing = f"{people[found[1]]}’s account"
    if found and thing is None:
        thing = KIND_WORDS.get(found[0], "a record")
    return Row(event, f"{who} {_predicate(event, owner, thing)}", who, client_name)


def _predicate(event: AuditEvent, owner: str, thing: str | None) -> str:
    action = event.action
    if action == "view":
        return _view_predicate(event, owner, thing)
    if action in OWN_ACTIONS:
        return OWN_ACTIONS[action]
    if action == "break-glass":
        return f"opened {owner or 'a client’s '}clinical record by break-glass (emergency access)"
    if action == "export" and not thing:
        return "exported the audit log (CSV)" if event.detail.startswith("audit log") else "exported a list"
    verb = VERBS.get(action, ACTIONS.get(action, action).lower())
    if thing:
        return f"{verb} {owner}{_bare(thing) if owner else thing}"
    return f"{verb} {owner}record" if owner else verb


def _view_predicate(event: AuditEvent, owner: str, thing: str | None) -> str:
    if (event.detail or "") == "search results":
        return f"saw {owner or 'a client’s '}name among search results"
    endpoint, _ = _view_target(event)
    phrase = VIEW_PHRASES.get(endpoint)
    if phrase is None:
        area = AREA_WORDS.get(endpoint.split(".")[0], "record")
        return f"opened a page of {owner}{area}" if owner else "opened a page"
    return phrase.format(owner=owner or "", object=_bare(thing) if owner and thing else (thing or "a page"))


def _bare(thing: str) -> str:
    """"a note of Nov 28" after a possessive reads "Rowan's note of Nov 28": drop the article."""
    for article in ("a ", "an ", "the "):
        if thing.startswith(article):
            return thing[len(article):]
    return thing
