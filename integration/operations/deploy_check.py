"""flask check-deploy: refuse a production configuration that is unsafe, one line per problem.

The Docker image runs it before gunicorn, so an unsafe container stops at start instead of
serving. Each check is a small function returning its problems (possibly none), so a new
check is one function added to CONFIGURATION_CHECKS.
"""
from __future__ import annotations

from typing import Callable, Mapping

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from . import archive, grants
from .errors import OperationsError

MIN_SECRET_KEY_LENGTH = 32
# Values seen in examples and tutorials (and our own tests): as good as no key at all.
WELL_KNOWN_SECRET_KEYS = {"dev", "development", "secret", "secret-key", "secret_key", "changeme", "change-me",
                          "change_me", "test", "test-only-secret", "ci-only-secret", "your-secret-key"}
TRUE_WORDS = {"1", "true", "yes", "on"}


class Settings:
    """What the checks read: the app's configuration, the environment, and how it is served."""

    def __init__(self, config: Mapping, environ: Mapping, *, workers: int, behind_proxy: bool):
        self.config, self.environ, self.workers, self.behind_proxy = config, environ, workers, behind_proxy


def debug_problems(s: Settings) -> list[str]:
    found = []
    if s.config.get("DEBUG") or s.environ.get("FLASK_DEBUG", "").strip().lower() in TRUE_WORDS:
        found.append("debug is on (FLASK_DEBUG/DEBUG): the debugger hands a shell to anyone who reaches an "
                     "error page; turn it off")
    if s.config.get("TESTING"):
        found.append("TESTING is on: a setting for the test suite only")
    if s.config.get("WTF_CSRF_ENABLED") is False:
        found.append("CSRF protection is off (WTF_CSRF_ENABLED): a setting for the test suite only")
    return found


def secret_key_problems(s: Settings) -> list[str]:
    key = str(s.config.get("SECRET_KEY") or "")
    if not s.environ.get("SECRET_KEY"):
        return ["SECRET_KEY is not set in the environment: a key generated in instance/ differs on every "
                "server and is lost with the container; set 64 random hex characters"]
    if key.strip().lower() in WELL_KNOWN_SECRET_KEYS:
        return ["SECRET_KEY is a well-known example value: anyone could sign sessions; set 64 random hex characters"]
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return [f"SECRET_KEY is {len(key)} characters long: use at least {MIN_SECRET_KEY_LENGTH} "
                "(64 random hex characters)"]
    return []


def https_problems(s: Settings) -> list[str]:
    if not s.config.get("HTTPS"):
        return ["HTTPS is off: cookies go without Secure and no HSTS is sent; set HTTPS=1 (TLS ends at the proxy)"]
    found = []
    for setting in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if not s.config.get(setting):
            found.append(f"{setting} is off although HTTPS is on: the cookie would also travel over plain HTTP")
    if s.config.get("PREFERRED_URL_SCHEME") != "https":
        found.append("PREFERRED_URL_SCHEME is not https: links the app prints (reset links) would start with http://")
    return found


def proxy_problems(s: Settings) -> list[str]:
    if s.behind_proxy and not s.config.get("TRUSTED_PROXIES"):
        return ["TRUSTED_PROXIES is 0 behind a reverse proxy: the audit log would record the proxy's address "
                "and one person's failed sign-ins would throttle everyone; set TRUSTED_PROXIES=1 "
                "(or pass --no-proxy if nothing stands in front of gunicorn)"]
    return []


def rate_limit_problems(s: Settings) -> list[str]:
    if not str(s.config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
        return []
    if s.workers > 1:
        return [f"RATELIMIT_STORAGE_URI is memory://: each of the {s.workers} workers counts apart, so every "
                "per-address limit is that many times weaker; use database://"]
    return ["RATELIMIT_STORAGE_URI is memory://: counts live in one process, forgotten at every restart and "
            "apart on every server; use database://"]


def database_kind_problems(s: Settings) -> list[str]:
    url = str(s.config.get("SQLALCHEMY_DATABASE_URI", ""))
    if not url.startswith("sqlite"):
        return []
    workers = f"; {s.workers} workers would also queue behind one file lock" if s.workers > 1 else ""
    return ["DATABASE_URL is SQLite: production runs on PostgreSQL (on SQLite the app owns the file, so no "
            f"database role can keep it from rewriting the audit log){workers}"]


def backup_key_problems(s: Settings) -> list[str]:
    configured = str(s.config.get("BACKUP_KEY") or "")
    if not configured:
        return ["BACKUP_KEY is not set: backups cannot be made or restored with a key kept off this machine; "
                "make one with `flask backup-key` and keep a copy somewhere safe"]
    try:
        archive.parse_key(configured)
    except OperationsError as problem:
        return [f"BACKUP_KEY: {problem}"]
    if configured == s.config.get("SECRET_KEY"):
        return ["BACKUP_KEY is the same as SECRET_KEY: use two different keys"]
    return []


def encryption_at_rest_key_problems(s: Settings) -> list[str]:
    """The keys of clinical text at rest and of the search's blind index (integration/crypto/): set
    in the environment, valid, and each different from every other key."""
    from ..crypto.keys import EncryptionKeyError, parse_key

    found = []
    for name in ("ENCRYPTION_KEYS", "SEARCH_INDEX_KEY"):
        if not s.environ.get(name):
            found.append(f"{name} is not set in the environment: a key generated in instance/ is lost with the "
                         "container, and with it every note; make one with `flask encryption-key`, keep a copy "
                         "apart from the backups (README, Keys)")
            continue
        try:
            for text in str(s.config.get(name) or "").split(","):
                parse_key(text, name)
        except EncryptionKeyError as problem:
            found.append(str(problem))
    first_key = str(s.config.get("ENCRYPTION_KEYS") or "").split(",")[0].strip()
    others = {"SECRET_KEY": s.config.get("SECRET_KEY"), "BACKUP_KEY": s.config.get("BACKUP_KEY"),
              "SEARCH_INDEX_KEY": s.config.get("SEARCH_INDEX_KEY")}
    for name, value in others.items():
        if first_key and value and str(value).strip() == first_key:
            found.append(f"ENCRYPTION_KEYS uses the same key as {name}: use a key of its own")
    return found


CONFIGURATION_CHECKS: list[Callable[[Settings], list[str]]] = [
    debug_problems, secret_key_problems, https_problems, proxy_problems, rate_limit_problems,
    database_kind_problems, backup_key_problems, encryption_at_rest_key_problems,
]


def configuration_problems(settings: Settings) -> list[str]:
    return [problem for check in CONFIGURATION_CHECKS for problem in check(settings)]


def database_problems(engine: Engine, migration_head: str | None) -> list[str]:
    """PostgreSQL only: the database answers, its schema is current, and the app's role cannot
    change the audit log (superuser, owner, or UPDATE/DELETE/TRUNCATE on it)."""
    if engine.dialect.name != "postgresql":
        return []
    try:
        with engine.connect() as connection:
            role = connection.scalar(text("SELECT current_user"))
            superuser = connection.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
            revision = _revision(connection)
            audit_rights = [] if superuser else grants.role_may_change_audit_log(connection)
    except SQLAlchemyError as error:
        where = make_url(engine.url).render_as_string(hide_password=True)
        return [f"the database at {where} cannot be reached: {type(getattr(error, 'orig', None) or error).__name__}"]
    found = []
    if revision != migration_head:
        found.append(f"the database schema is at revision {revision}, this code expects {migration_head}: "
                     "run `flask db upgrade` (as the tables' owner)")
    if superuser:
        found.append(f"the app connects as {role}, a superuser: nothing can hold it back from changing the "
                     "audit log; give it a role of its own (`flask db-grants`)")
    if audit_rights:
        found.append(f"the app's database role {role} may change the audit log ({', '.join(audit_rights)}): run "
                     f"`flask db-grants --app-role {role}` as the tables' owner")
    return found


def _revision(connection) -> str | None:
    exists = connection.scalar(text("SELECT to_regclass('alembic_version') IS NOT NULL"))
    return connection.scalar(text("SELECT version_num FROM alembic_version")) if exists else None
