"""The base every form in the app derives from, and the input hygiene every text shares.

Text typed or pasted into any field passes through `clean_text` (BaseForm adds it to every text
field; the note editor, which reads its sections itself, calls it too; search boxes use
`query_text`):

- a NUL character is refused with a message on the field: it cannot be stored in PostgreSQL and
  has no business in a clinical record;
- bidirectional override, embedding and isolate controls (U+202A–U+202E, U+2066–U+2069) are
  removed: one of them in a name turns "Wren Ng" into "gN nerW" on the client's PDF, calendar
  and every page, and nothing a person means to type needs them (right-to-left scripts display
  correctly without them);
- the other invisible control characters (C0 and DEL, except tab and line breaks) are removed:
  they come from copy and paste, and the PDF and calendar formats do not allow them.
"""
import math
import re

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from werkzeug.datastructures import ImmutableMultiDict

from .database import MAX_INTEGER
from wtforms import (DateField, DecimalField, FloatField, IntegerField, PasswordField, SelectFieldBase,
                     SelectMultipleField, StringField, TimeField)
from wtforms.widgets import CheckboxInput, ListWidget

NUL_MESSAGE = ("This text contains an invisible “null” character, often left by copying from another "
               "program. Remove it, or type that part again, then save.")
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_INVISIBLE = re.compile("[" + BIDI_CONTROLS + "\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


# What a person reads when a number or date field holds something else, in place of WTForms'
# "Not a valid float value." (BaseForm gives every such field its message; a field may set its own).
PLAIN_MESSAGES = (
    (IntegerField, "Enter a whole number, like 7."),
    (FloatField, "Enter a number, like 0.5."),
    (DecimalField, "Enter a number, like 0.5."),
    (DateField, "Enter a date, like 2026-11-28."),
    (TimeField, "Enter a time, like 15:00."),
)


def plain_message(field_class) -> str | None:
    """The plain-words message for a field that could not read what was typed, if it has one."""
    return next((message for kind, message in PLAIN_MESSAGES if issubclass(field_class, kind)), None)


def clean_text(value):
    """Text without bidi controls or stray control characters.

    :raise ValueError: the text holds a NUL character (WTForms shows the message on the field).
    """
    if not isinstance(value, str):
        return value
    if "\x00" in value:
        raise ValueError(NUL_MESSAGE)
    return _INVISIBLE.sub("", value)


def stored_int(value) -> int:
    """A whole number that fits the database's integer columns (ids, versions, counts); usable
    as `request.form.get(name, type=stored_int)` and as a choice field's `coerce`.

    :raise ValueError: not a whole number, or one no id or count can be.
    """
    number = int(value)
    if not -MAX_INTEGER <= number <= MAX_INTEGER:
        raise ValueError("That number is far larger than anything this can be.")
    return number


def _within_integers(value):
    if isinstance(value, int) and not -MAX_INTEGER <= value <= MAX_INTEGER:
        raise ValueError("That number is far larger than anything this can be.")
    return value


def _a_real_number(value):
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("Enter a number, with digits.")
    return value


def query_text(value: str | None) -> str:
    """A search box's words, with NUL and invisible controls dropped (nothing is stored, so
    nothing is refused: a search for them simply finds nothing)."""
    return _INVISIBLE.sub("", (value or "").replace("\x00", "")).strip()


def _clean_and_strip(value):
    value = clean_text(value)
    return value.strip() if isinstance(value, str) else value


def _each_once(values):
    """A multiple choice names each option at most once (the same goal twice is one link)."""
    return list(dict.fromkeys(values)) if isinstance(values, list) else values


class BaseForm(FlaskForm):
    """A CSRF-protected form whose text is clean (see clean_text) and trimmed, whose multiple
    choices hold each option once, whose numbers fit the database (no 10**20, NaN or inf), and
    whose number and date fields say in plain words what they need (PLAIN_MESSAGES)."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            # Passwords keep their exact characters.
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                options["filters"] = (*options.get("filters", ()), _clean_and_strip)
            if issubclass(field_class, SelectMultipleField):
                options["filters"] = (*options.get("filters", ()), _each_once)
            if issubclass(field_class, SelectFieldBase) and options.get("coerce") is int:
                options["coerce"] = stored_int  # an id beyond the database's integers is no choice
            if issubclass(field_class, IntegerField):
                options["filters"] = (*options.get("filters", ()), _within_integers)
            if issubclass(field_class, FloatField):
                options["filters"] = (*options.get("filters", ()), _a_real_number)
            if plain_message(field_class) and not options.get("invalid_value_message"):
                options["invalid_value_message"] = plain_message(field_class)
            return unbound_field.bind(form=form, **options)

        def wrap_formdata(self, form, formdata):
            """Forms read form posts only. The app's pages never send JSON, and Flask-WTF would
            otherwise parse any JSON body (one nested without end exhausts the recursion limit)."""
            if formdata is _Auto and request and request.is_json and not (request.form or request.files):
                return ImmutableMultiDict() if form.is_submitted() else None
            return super().wrap_formdata(form, formdata)


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes (drawn by the checkbox_group macro inside a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
