"""Logging: one line per request to stderr, every line tagged with the request id and user.

A request line names the route by endpoint and method, never by URL: query strings, form
values, note text, names and emails do not belong in a log. For the same reason a database
error is logged with its SQL and constraint but without the values the driver quotes back.
"""
import logging
import re
import secrets
import sys
import time

from flask import Flask, current_app, g, has_request_context, request
from flask.logging import default_handler
from flask_login import user_logged_out
from sqlalchemy import inspect
from sqlalchemy.exc import StatementError

HANDLER_NAME = "integration-stderr"
REQUEST_ID_HEADER = "X-Request-ID"
FORMAT = "%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s user=%(user_id)s %(message)s"
# An id from a proxy in front of us is kept only when it is short and plainly safe to print.
_SAFE_INCOMING_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")

request_log = logging.getLogger("integration.request")


def register(app: Flask) -> None:
    """Send the app's log to stderr at LOG_LEVEL and log each request once."""
    logger = logging.getLogger(app.name)  # the logger behind app.logger
    for handler in list(logger.handlers):
        if handler is default_handler or handler.get_name() == HANDLER_NAME:
            logger.removeHandler(handler)  # create_app may run many times in one process
    logger.addHandler(_stderr_handler())
    logger.setLevel(app.config["LOG_LEVEL"])
    logger.propagate = False  # one line on stderr, not a second copy from a root handler
    app.before_request(_start_timer)
    app.after_request(_log_request)
    app.log_exception = _log_exception  # Flask's own names the path, and /p/<token> paths hold secrets
    user_logged_out.connect(_remember_signed_out_user)


def request_id() -> str:
    """This request's id: the incoming X-Request-ID if safe, else 16 new hex characters."""
    if "request_id" not in g:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _SAFE_INCOMING_ID.fullmatch(incoming) else secrets.token_hex(8)
    return g.request_id


def _start_timer() -> None:
    g.request_started = time.perf_counter()
    request_id()


def _log_request(response):
    if not g.get("request_logged"):
        g.request_logged = True
        started = g.get("request_started")
        duration = f"{(time.perf_counter() - started) * 1000:.1f}" if started is not None else "-"
        request_log.info("method=%s endpoint=%s status=%s duration_ms=%s",
                         request.method, _endpoint(), response.status_code, duration)
    response.headers[REQUEST_ID_HEADER] = request_id()
    return response


def _log_exception(exc_info) -> None:
    """Log an unhandled error by route, as Flask.log_exception does by path."""
    current_app.logger.error("Exception in %s %s", request.method, _endpoint(), exc_info=exc_info)


def _endpoint() -> str:
    return request.url_rule.endpoint if request.url_rule else "-"


def _remember_signed_out_user(sender, user=None, **extra) -> None:
    """Keep the id of who signed out, so that request's line still says who made it."""
    if has_request_context() and user is not None:
        g.log_user_id = _identity(user)


def _identity(user) -> str:
    """A user's id without touching the database (the transaction may be broken)."""
    state = inspect(user, raiseerr=False)
    if state is None or not state.identity:
        return "-"
    return str(state.identity[0])


class RequestContextFilter(logging.Filter):
    """Adds request_id and user_id to every record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id, record.user_id = "-", "-"
        if has_request_context():
            try:
                record.request_id = request_id()
                user = g.get("_login_user")  # only a user Flask-Login already loaded: never query here
                record.user_id = g.get("log_user_id") or (_identity(user) if user is not None else "-")
            except Exception:  # a log line must never fail the request it describes
                pass
        return True


class _StderrHandler(logging.StreamHandler):
    """Writes to sys.stderr as it is at the time of writing (servers and tests may swap it)."""

    def __init__(self):
        logging.Handler.__init__(self)

    @property
    def stream(self):
        return sys.stderr


class SafeFormatter(logging.Formatter):
    """Tracebacks as usual, except that database errors keep their SQL but lose quoted values.

    PostgreSQL answers a duplicate email with "DETAIL: Key (email)=(someone@example.org)
    already exists"; the engine's hide_parameters does not reach the driver's own message.
    """

    def format(self, record: logging.LogRecord) -> str:
        # logging caches a record's traceback text: another handler that formatted the record first
        # (a test harness's, a monitoring agent's) would hand us its raw text, values and all.
        cached, record.exc_text = record.exc_text, None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached

    def formatException(self, exc_info) -> str:
        text = super().formatException(exc_info)
        chain = _exception_chain(exc_info[1])
        drivers = {id(error.orig) for error in chain if isinstance(error, StatementError)}
        safe = {}
        for error in chain:
            if isinstance(error, StatementError):
                safe[str(error)] = _statement_summary(error)
            elif id(error) in drivers:
                safe[str(error)] = _driver_summary(error)
        safe.pop("", None)
        if not safe:
            return text
        # One pass, longest first: a summary is never itself rewritten by a later replacement.
        pattern = re.compile("|".join(re.escape(message) for message in sorted(safe, key=len, reverse=True)))
        return pattern.sub(lambda match: safe[match.group(0)], text)


def _exception_chain(error: BaseException | None) -> list[BaseException]:
    chain: list[BaseException] = []
    while error is not None and error not in chain:
        chain.append(error)
        error = error.__cause__ or error.__context__
    return chain


def _statement_summary(error: StatementError) -> str:
    orig = error.orig
    driver = f"({type(orig).__module__}.{type(orig).__qualname__}) {_driver_summary(orig)} " if orig else ""
    return f"{driver}[SQL: {error.statement}]"


def _driver_summary(error: BaseException) -> str:
    """What the driver said, reduced to codes and names that hold no data."""
    if getattr(error, "sqlite_errorname", None):  # sqlite3 names the constraint and column, never values
        return f"{error.sqlite_errorname}: {str(error).splitlines()[0]}"
    diag = getattr(error, "diag", None)  # psycopg: keep the SQLSTATE and the constraint's name
    parts = [f"sqlstate={getattr(error, 'sqlstate', None) or '?'}"]
    if getattr(diag, "constraint_name", None):
        parts.append(f"constraint={diag.constraint_name}")
    return " ".join(parts) + " (driver message hidden: it may quote values)"


def _stderr_handler() -> logging.Handler:
    handler = _StderrHandler()
    handler.set_name(HANDLER_NAME)
    handler.addFilter(RequestContextFilter())
    formatter = SafeFormatter(FORMAT, datefmt="%Y-%m-%dT%H:%M:%SZ")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    return handler
