"""What kind of answer a request wants: the one predicate every area asks; ids in URLs."""
from flask import request
from werkzeug.routing import IntegerConverter

from .database import MAX_INTEGER


def wants_json() -> bool:
    """True for the note editor's autosave, htmx fragments and API-style calls: they want a short
    answer (JSON or a fragment), never a full page or a redirect to one."""
    return (bool(request.headers.get("HX-Request")) or request.is_json
            or request.accept_mimetypes.best == "application/json")


def is_htmx() -> bool:
    """An htmx request: answer with the fragment it swaps in."""
    return request.headers.get("HX-Request") == "true"


class StoredIntConverter(IntegerConverter):
    """<int:...> in every route: a number beyond the database's integers matches no route (404)."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_INTEGER, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
