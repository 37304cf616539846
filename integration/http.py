"""What kind of answer a request wants: the one predicate every area asks."""
from flask import request


def wants_json() -> bool:
    """True for the note editor's autosave, htmx fragments and API-style calls: they want a short
    answer (JSON or a fragment), never a full page or a redirect to one."""
    return (bool(request.headers.get("HX-Request")) or request.is_json
            or request.accept_mimetypes.best == "application/json")


def is_htmx() -> bool:
    """An htmx request: answer with the fragment it swaps in."""
    return request.headers.get("HX-Request") == "true"
