"""Dates read one way everywhere, and form messages are plain words (issue 16).

- Every date a person reads is "Nov 28, 2026" and every time "3:00 PM": the template filters
  `day`, `clock` and `local` (integration/templating.py) with the formats in integration/clock.py.
  Plan appointments are kept as ISO text ("2026-12-03", "15:00") and were shown raw.
- A number or date field that cannot read what was typed says what it needs ("Enter a number,
  like 0.5"), never WTForms' "Not a valid float value.": checked on a real form, and on every
  number and date field of every form in the app.
"""
import importlib
import pkgutil

import pytest
from flask import render_template_string
from werkzeug.datastructures import MultiDict
from wtforms import DateField, DecimalField, FloatField, IntegerField, TimeField

import integration
from integration.forms import BaseForm, plain_message
from tests.factories import ClientFactory, PlanFactory, session_form


@pytest.mark.parametrize("template, expected", [
    ("{{ '2026-12-03'|day }}", "Dec 3, 2026"),
    ("{{ '15:00'|clock }}", "3:00 PM"),
    ("{{ '09:05'|clock }}", "9:05 AM"),
    ("{{ ''|day }}|{{ ''|clock }}|{{ None|day }}", "||"),
    ("{{ 'not a date'|day }}|{{ '25:99'|clock }}", "|"),  # shown as nothing, never a 500
])
def test_the_date_filters_read_iso_text_the_same_way_as_dates(app, template, expected):
    with app.test_request_context():
        assert render_template_string(template) == expected


def test_plan_appointments_read_like_every_other_date(client, auth, coach):
    person = ClientFactory.for_team(coach)
    plan = PlanFactory(client=person, appointments=[{"on": "2026-12-03", "at": "15:00", "what": "Integration session"},
                                                    {"on": "2026-12-10", "at": "", "what": ""}])
    auth.login(coach)
    page = client.get(f"/clients/{person.id}/plans/{plan.id}").get_data(as_text=True)
    assert "Dec 3, 2026 3:00 PM · Integration session" in page
    assert "Dec 10, 2026 · Appointment" in page
    assert "2026-12-03" not in page and "15:00" not in page


def test_a_dose_that_is_not_a_number_says_so_in_plain_words(signed_in, therapist):
    person = ClientFactory.for_team(therapist)
    response = signed_in.post(f"/clients/{person.id}/sessions/new", data=session_form(dose_mg="seventy"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="dose_mg-error" class="field-error">Enter a number, like 0.5.' in page
    assert "Not a valid" not in page


def _every_form_class():
    for module in pkgutil.walk_packages(integration.__path__, "integration."):
        importlib.import_module(module.name)
    seen, stack = [], list(BaseForm.__subclasses__())
    while stack:
        form_class = stack.pop()
        seen.append(form_class)
        stack.extend(form_class.__subclasses__())
    return seen


KINDS = (IntegerField, FloatField, DecimalField, DateField, TimeField)


def _number_and_date_fields():
    found = []
    for form_class in _every_form_class():
        for name in dir(form_class):
            unbound = getattr(form_class, name, None)
            field_class = getattr(unbound, "field_class", None)
            if isinstance(field_class, type) and issubclass(field_class, KINDS):
                found.append(pytest.param(form_class, name, id=f"{form_class.__name__}.{name}"))
    return found


FIELDS = _number_and_date_fields()


def test_the_forms_have_number_and_date_fields_to_check():
    names = {p.id for p in FIELDS}
    assert {"DosingSessionForm.dose_mg", "CheckInForm.rating", "GoalForm.target_date"} <= names


@pytest.mark.parametrize("form_class, name", FIELDS)
def test_every_number_and_date_field_speaks_plainly(app, form_class, name):
    with app.test_request_context(method="POST"):
        form = form_class(formdata=MultiDict({name: "a few"}), meta={"csrf": False})
        messages = " ".join(form[name].process_errors)  # the field could not read it: no view set-up needed
        field = form[name]
    assert messages, f"{form_class.__name__}.{name} took 'a few'"
    assert "Not a valid" not in messages
    assert messages == plain_message(type(field)) or "Enter" in messages
