"""Hostile input never breaks a page: no form route answers with a server error.

Property-based (hypothesis): for every route of the url_map that takes a POST, and every GET
page's query-string form, post values a careless client or an attacker might send — wrong types,
the same choice twice, missing fields, huge text, control characters (NUL, bidi overrides),
fields nobody asked for, and JSON bodies nested without end — signed in as a care-team therapist
and as an admin, with CSRF off so the values reach the views. Every answer must be below 500.

The fields come from the app's own pages: a crawl of every GET page records each form's action,
its field names and the values its choices offer, so a multiple choice gets a real id twice.
Routes whose form no page shows (or only another role's page) get fields from the pool of every
field name the crawl and the app's form classes know. Examples are few per route and
derandomized (the same run each time) to keep the whole test under about a minute; set
HOSTILE_EXAMPLES=50 (and HOSTILE_RANDOM=1 for new examples) locally to search harder.
"""
from __future__ import annotations

import json
import os
import secrets
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime, timedelta
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from integration.extensions import db
from integration.erasure.models import PurgeRequest
from integration.plans.library import practice_library
from integration.plans.models import Plan
from tests.factories import PASSWORD, ClientFactory, UserFactory
from tests.routes import ARGUMENT_OBJECTS, GROUP_ARGUMENT_OBJECTS, full_record

MAX_EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "3"))
SKIPPED = {"static", "auth.logout"}  # signing out would end the walk, not test anything
SIGNED_OUT = {"auth.login", "auth.setup"}  # sent from a second, signed-out browser

HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from([
        "", " ", "\x00", "Wren\x00Ng", "\u202eWren Ng", "\u2066Ng\u2069", "\x1b[31m", "\x7f", "\r\n\r\n",
        "-1", "0", "99999999999999999999", "1e309", "NaN", "3.5", "true", "null", "[]", "{}",
        "2026-02-30", "24:61", "'; DROP TABLE client; --", "<script>alert(1)</script>", "=HYPERLINK(\"x\")",
        "😀" * 50, "ا" * 30,
    ]),
    st.builds(lambda n: "x" * n, st.sampled_from([101, 1_001, 20_001, 120_000])),
)


@dataclass
class Field:
    kind: str = "text"  # the input's type, "textarea" or "select"
    defaults: list[str] = dataclass_field(default_factory=list)  # what the page would send as it is
    offered: set[str] = dataclass_field(default_factory=set)  # the values its choices offer


class FormCrawler(HTMLParser):
    """Every form on a page: its action, method and fields (kind, what it would send, choices)."""

    def __init__(self, page_path: str):
        super().__init__()
        self.page_path = page_path
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None
        self._first_option = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        form, name = self._form, attrs.get("name")
        if tag == "form":
            self._form = {"action": (attrs.get("action") or self.page_path).split("?")[0].split("#")[0],
                          "method": (attrs.get("method") or "get").lower(), "fields": {}}
            self.forms.append(self._form)
        elif form is None:
            return
        elif tag == "input" and name:
            kind = attrs.get("type", "text")
            field = form["fields"].setdefault(name, Field(kind=kind))
            value = attrs.get("value") or ("on" if kind == "checkbox" else "")
            if kind in ("checkbox", "radio"):
                field.offered.add(value)
                if "checked" in attrs:
                    field.defaults.append(value)
            elif kind not in ("submit", "button", "reset"):
                field.defaults.append(value)
            else:
                field.offered.add(value)
        elif tag == "button" and name:
            form["fields"].setdefault(name, Field(kind="button")).offered.add(attrs.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = form["fields"].setdefault(name, Field(kind="textarea"))
            self._textarea.defaults.append("")
        elif tag == "select" and name:
            self._select = form["fields"].setdefault(name, Field(kind="select"))
            self._first_option = None
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            self._select.offered.add(value)
            self._first_option = value if self._first_option is None else self._first_option
            if "selected" in attrs:
                self._select.defaults.append(value)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.defaults[-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select is not None:
            if not self._select.defaults and self._first_option is not None:
                self._select.defaults.append(self._first_option)  # what a browser sends unchanged
            self._select = None


def crawl_forms(http, urls: list[str]) -> tuple[dict, dict]:
    """{action path: {name: Field}} for POST forms and for GET (query-string) forms."""
    posted, queried = {}, {}
    for url in urls:
        response = http.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        crawler = FormCrawler(url)
        crawler.feed(response.get_data(as_text=True))
        for form in crawler.forms:
            target = posted if form["method"] == "post" else queried
            fields = target.setdefault(form["action"], {})
            for name, field in form["fields"].items():
                fields.setdefault(name, field)
    return posted, queried


# What a person would type into an empty field of each kind, so the rest of the form passes and
# the hostile value reaches the view's deeper paths.
PLAUSIBLE = {"date": "2026-03-02", "time": "10:00", "number": "1", "email": "wren@example.org",
             "url": "https://example.org/room", "password": "copper lantern meadow ridge"}


def baseline(fields: dict[str, Field]) -> list[tuple[str, str]]:
    """The form as its page would send it, empty text fields filled in plausibly."""
    body = []
    for name, field in sorted(fields.items()):
        if name == "csrf_token" or field.kind == "button":
            continue
        values = [v for v in field.defaults if v.strip()] or ([] if field.kind in ("checkbox", "radio") else
                                                      [PLAUSIBLE.get(field.kind, "Felt held and heard")])
        body += [(name, value) for value in values]
    return body


@st.composite
def hostile_fields(draw, fields: dict[str, Field]):
    """The form as sent by its page, with one to three fields made hostile: dropped, sent twice
    with the same value, given a hostile value, or several — and maybe a field nobody asked for."""
    body = baseline(fields)
    names = sorted(name for name in fields if name != "csrf_token")
    for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)) if names else []:
        field = fields[name]
        real = sorted(v for v in field.offered | set(field.defaults) if v)
        operation = draw(st.sampled_from(["drop", "twice", "replace", "replace", "several"]))
        value = draw(st.sampled_from(real) if real and operation == "twice" else
                     st.sampled_from(real) | HOSTILE_TEXT if real else HOSTILE_TEXT)
        kept = [(key, v) for key, v in body if key != name]
        if operation == "drop":
            body = kept
        elif operation == "twice":
            body = kept + [(name, value), (name, value)]
        elif operation == "replace":
            body = kept + [(name, value)]
        else:
            body = kept + [(name, draw(HOSTILE_TEXT)) for _ in range(3)]
    extra = draw(st.lists(st.tuples(st.text(min_size=1, max_size=12), HOSTILE_TEXT), max_size=1))
    return body + extra


def explicit_bodies(fields: dict[str, Field]) -> list[list[tuple[str, str]]]:
    """Tried first on every form: as sent; every choice's first option twice; nothing at all;
    every field holding NUL and a right-to-left override."""
    sent = baseline(fields)
    names = [name for name in sorted(fields) if name != "csrf_token" and fields[name].kind != "button"]
    twice = [(name, value) for name, value in sent if not any(v for v in fields[name].offered)]
    for name in names:
        real = sorted(v for v in fields[name].offered if v)
        if real:
            twice += [(name, real[0]), (name, real[0])]
    return [sent, twice, [], [(name, "Wren\x00\u202eNg") for name in names]]


@st.composite
def pool_fields(draw, pool: dict[str, Field]):
    """For a route whose form no page shows: a handful of names from the pool, made hostile."""
    names = draw(st.lists(st.sampled_from(sorted(pool)), min_size=1, max_size=6, unique=True))
    return draw(hostile_fields({name: pool[name] for name in names}))


JSON_BODIES = st.one_of(
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                 lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                 max_leaves=10).map(json.dumps),
    st.sampled_from([2_000, 50_000]).map(lambda depth: "[" * depth + "]" * depth),
    st.sampled_from([2_000, 50_000]).map(lambda depth: '{"email":' * depth + "1" + "}" * depth),
)


def build_world(practice, person) -> dict:
    """One client's whole record, a circle, a colleague and a library entry: every URL argument."""
    client = ClientFactory.for_team(person, first_name="Wren", last_name="Ng")
    record = full_record(client, person)
    record["link"].token_hash = secrets.token_hex(32)  # full_record's fixed hash is free for the next world
    # A draft never has exports: they belong to a finalized version (deleting a draft keeps none).
    finalized = Plan(client_id=client.id, start_date=record["plan"].start_date, created_by_id=person.id,
                     status="finalized", version=2)
    db.session.add(finalized)
    record["export"].plan = finalized
    record["finalized_plan"] = finalized
    colleague = UserFactory(practice=practice, role="coach", name="Cal Coach")
    library = practice_library(practice.id)
    from integration.measures.models import Measure

    measure = Measure(practice_id=practice.id, name="Evening check", items=["Rested"], scale=[["No", 0], ["Yes", 1]])
    db.session.add(measure)
    from integration.notes import templates

    template = templates.create(practice.id, "debrief", "First debrief",
                                {"experience": {"prompt": "Their first words.", "start": "Started."}}, person)
    db.session.commit()
    # erasure: a purge request waiting for a second admin (the record is open, so approving is refused)
    purge_request = PurgeRequest(practice_id=practice.id, client_id=record["client"].id, requested_by_id=colleague.id,
                                 expires_at=datetime.now() + timedelta(days=14), counts={})
    db.session.add(purge_request)
    db.session.commit()
    record.update(colleague=colleague, library=library[0], measure=measure, purge_request=purge_request,
                  template=template)
    return record


FINDERS = {"client_id": lambda r: r["client"].id, **ARGUMENT_OBJECTS, **GROUP_ARGUMENT_OBJECTS,
           "user_id": lambda r: r["colleague"].id, "library_id": lambda r: r["library"].id,
           "measure_id": lambda r: r["measure"].id, "request_id": lambda r: r["purge_request"].id,
           "template_id": lambda r: r["template"].id}


def rules_of(app, method: str) -> list:
    """The rules answering `method`, except static files, signing out and the client's token links."""
    return [rule for rule in app.url_map.iter_rules()
            if method in rule.methods and rule.endpoint not in SKIPPED and "token" not in rule.arguments]


def url_in(app, rule, world: dict) -> str:
    from flask import url_for

    missing = rule.arguments - FINDERS.keys()
    assert not missing, f"{rule.rule}: tell FINDERS how to find <{', '.join(missing)}>"
    values = {name: FINDERS[name](world) for name in rule.arguments}
    if {"export_id", "link_id"} & rule.arguments:
        values["plan_id"] = world["finalized_plan"].id
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def endpoint_of(app, action: str) -> str | None:
    """The endpoint a form's action posts to (None for a URL that is not the app's)."""
    try:
        endpoint, _ = app.url_map.bind("localhost").match(action, method="POST")
    except HTTPException:
        return None
    return endpoint


class Site:
    """The app as each kind of visitor sees it: where every POST form is shown, and its fields."""

    def __init__(self, app, viewers: dict):
        self.app = app
        self.viewers = viewers  # name -> test client (the person, an admin, someone signed out)
        self.shown_on: dict[str, dict] = defaultdict(dict)  # endpoint -> {(viewer, page rule's path): rule}

    def survey(self, world: dict) -> dict:
        """Crawl every page once; remember where each form is shown. Returns the GET forms."""
        queried = {}
        for viewer, http in self.viewers.items():
            for rule in rules_of(self.app, "GET"):
                posted, got = crawl_forms(http, [url_in(self.app, rule, world)])
                for action in posted:
                    if (endpoint := endpoint_of(self.app, action)) is not None:
                        self.shown_on[endpoint][(viewer, rule.rule)] = rule
                for action, fields in got.items():
                    queried.setdefault(action, fields)
        return queried

    def forms_for(self, endpoint: str, world: dict) -> dict:
        """{action: fields} of the forms posting to `endpoint`, read from this world's pages."""
        forms = {}
        for (viewer, _), page_rule in sorted(self.shown_on.get(endpoint, {}).items()):
            posted, _ = crawl_forms(self.viewers[viewer], [url_in(self.app, page_rule, world)])
            for action, fields in posted.items():
                if endpoint_of(self.app, action) == endpoint:
                    forms.setdefault(action, fields)
        return forms


def signed_in_client(app, user):
    http = app.test_client()
    assert http.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return http


def ensure_signed_in(http, user) -> None:
    """An example may end the session (a password change, an edited own account): sign in again."""
    with http.session_transaction() as session:
        signed_in = "_user_id" in session
    if not signed_in:
        http.post("/login", data={"email": user.email, "password": PASSWORD})


def no_server_error(http, method: str, url: str, **kwargs) -> None:
    response = http.open(url, method=method, **kwargs)
    assert response.status_code < 500, f"{method} {url} -> {response.status_code}"


EXAMPLES = settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=not os.environ.get("HOSTILE_RANDOM"),
                    database=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


def field_pool(site: Site, world: dict) -> dict[str, Field]:
    """Every field name the app's forms have: crawled, and declared on BaseForm classes."""
    from integration.forms import BaseForm

    pool: dict[str, Field] = {}
    for endpoint in site.shown_on:
        for fields in site.forms_for(endpoint, world).values():
            for name, field in fields.items():
                pool.setdefault(name, field)
    classes = [BaseForm]
    while classes:
        form_class = classes.pop()
        classes.extend(form_class.__subclasses__())
        for name in dir(form_class):
            if type(getattr(form_class, name, None)).__name__ == "UnboundField":
                pool.setdefault(name, Field())
                pool.setdefault(f"insight-{name}", Field())
    return pool


def attack(browser, url: str, fields: dict | None, pool: dict, keep_signed_in) -> None:
    """Hypothesis examples against one form: the explicit ones first, then generated ones."""

    @EXAMPLES
    @given(body=hostile_fields(fields) if fields else pool_fields(pool), htmx=st.booleans())
    def post_form(body, htmx):
        keep_signed_in()
        headers = {"HX-Request": "true"} if htmx else {}
        no_server_error(browser, "POST", url, data=MultiDict(body), headers=headers)

    for body in explicit_bodies(fields) if fields else [[]]:
        post_form = example(body=body, htmx=False)(post_form)
    post_form()


@pytest.mark.parametrize("role", ["therapist", "admin"])
def test_hostile_input_to_every_form_never_causes_a_server_error(app, practice, role):
    # The admin is also a clinician, so the crawl reaches the record's forms as well as the admin's.
    person = UserFactory(practice=practice, role=role, name=f"Hostile {role}",
                         profession="therapist")
    http = signed_in_client(app, person)
    viewers = {"person": http, "signed out": app.test_client()}
    if role != "admin":  # forms only an admin's pages show are posted by the person all the same
        viewers["admin"] = signed_in_client(app, UserFactory(practice=practice, role="admin"))
    site = Site(app, viewers)
    queried = site.survey(build_world(practice, person))
    assert len(site.shown_on) >= 30 and queried  # the crawl found the app's forms
    pool = field_pool(site, build_world(practice, person))

    def keep_signed_in():
        ensure_signed_in(http, person)

    for rule in rules_of(app, "POST"):
        world = build_world(practice, person)  # a fresh record: earlier routes signed, archived, deleted
        browser = viewers["signed out"] if rule.endpoint in SIGNED_OUT else http
        url = url_in(app, rule, world)
        for action, fields in (site.forms_for(rule.endpoint, world) or {url: None}).items():
            attack(browser, action, fields, pool, keep_signed_in)

        @EXAMPLES
        @given(body=JSON_BODIES)
        def post_json(body):
            keep_signed_in()
            no_server_error(browser, "POST", url, data=body, content_type="application/json")

        post_json()

    for url, fields in queried.items():
        @EXAMPLES
        @given(body=hostile_fields(fields))
        def query(body):
            keep_signed_in()
            no_server_error(http, "GET", url, query_string=MultiDict(body))

        query()


def test_the_crawler_reads_forms_as_a_browser_would_send_them():
    crawler = FormCrawler("/page")
    crawler.feed('<form method="post" action="/x?y=1"><select name="g"><option value="3">a</option>'
                 '<option value="4">b</option></select><input type="checkbox" name="c" value="7" checked>'
                 '<textarea name="t">typed</textarea><input type="date" name="d"></form><form><input name="q"></form>')
    post, get = crawler.forms
    assert (post["action"], post["method"], get["action"], get["method"]) == ("/x", "post", "/page", "get")
    assert baseline(post["fields"]) == [("c", "7"), ("d", "2026-03-02"), ("g", "3"), ("t", "typed")]
    assert post["fields"]["g"].offered == {"3", "4"}


def test_known_crashes_stay_fixed(app, client, auth, practice, therapist):
    """The three the security review found, by hand: same goal twice, no themes field, nested JSON."""
    record = build_world(practice, therapist)
    auth.login(therapist)
    person, note, goal, insight = record["client"], record["note"], record["goal"], record["insight"]
    twice = client.post(f"/clients/{person.id}/notes/{note.id}/insights",
                        data=MultiDict([("insight-text", "Felt held"), ("insight-goal_ids", str(goal.id)),
                                     ("insight-goal_ids", str(goal.id))]))
    assert twice.status_code == 302
    db.session.expire_all()
    assert [g.id for g in db.session.get(type(insight), insight.id + 1).goals] == [goal.id]
    client.post(f"/clients/{person.id}/insights/{insight.id}/edit",
                data={"insight-text": "Felt held", "insight-themes": "trust, the body"})
    no_themes = client.post(f"/clients/{person.id}/insights/{insight.id}/edit", data={"insight-text": "Felt held"})
    assert no_themes.status_code == 302
    nested = client.post("/login", data="[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert nested.status_code < 500
