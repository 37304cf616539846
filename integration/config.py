"""Settings from the environment, with safe defaults (see the README's configuration table)."""
import os
import secrets
from pathlib import Path


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def instance_secret_key(instance_path: str) -> str:
    """Read the secret key kept in instance/, creating it once (atomically) if it is missing.

    O_EXCL makes two server processes starting together agree on one key.
    """
    path = Path(instance_path) / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def from_environment(instance_path: str) -> dict:
    """Build the app's configuration dict from environment variables."""
    secure = _env_bool("HTTPS", False)
    idle_minutes = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    database_url = os.environ.get("DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "integration.db")
    )
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or instance_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # hide_parameters: a database error in the log shows the SQL, never the values typed.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "SESSION_IDLE_MINUTES": idle_minutes,
        # However busy, a sign-in ends after this long (checked on the server, see auth/sessions.py).
        "SESSION_MAX_HOURS": int(os.environ.get("SESSION_MAX_HOURS", "12")),
        "PERMANENT_SESSION_LIFETIME": idle_minutes * 60,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        "PREFERRED_URL_SCHEME": "https" if secure else "http",
        "HTTPS": secure,
        # database:// keeps the per-address counts in the app's database, shared by every worker
        # and server (auth/throttle.py). The sign-in lockout is always in the database.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "database://"),
        "LOGIN_LOCKOUT": os.environ.get("LOGIN_LOCKOUT", "10 per 15 minutes"),
        "LOGIN_RATE_PER_ADDRESS": os.environ.get("LOGIN_RATE_PER_ADDRESS", "60 per 15 minutes"),
        # Private plan links: requests per network address, so tokens cannot be guessed by brute force.
        "SHARE_LINK_RATE": os.environ.get("SHARE_LINK_RATE", "30 per hour"),
        # Wrong check-in codes per private link (checkins/link.py), then the link takes no code for a while.
        "CHECKIN_CODE_RATE": os.environ.get("CHECKIN_CODE_RATE", "5 per 15 minutes"),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_REQUEST_BYTES", str(2 * 1024 * 1024))),
        # A form left open for a long session must still save: the CSRF token lives as
        # long as the signed-in session rather than expiring on its own after an hour.
        "WTF_CSRF_TIME_LIMIT": None,
        "CLIENTS_PER_PAGE": 25,
        # How many reverse proxies stand in front of the app; their X-Forwarded-For is trusted
        # so the audit log records the person's address, not the proxy's.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        # Encrypts backup archives (operations/archive.py). Never derived from SECRET_KEY: the two
        # are kept, rotated and lost separately. Empty: `flask backup` uses instance/backup_key.
        "BACKUP_KEY": os.environ.get("BACKUP_KEY", "").strip(),
        # Encrypt clinical text at rest (integration/crypto/): comma-separated keys, the first encrypts,
        # all decrypt. Empty: instance/encryption_keys, made on first run. The blind index of search
        # has its own key. Neither is derived from SECRET_KEY (README, Keys).
        "ENCRYPTION_KEYS": os.environ.get("ENCRYPTION_KEYS", "").strip(),
        "SEARCH_INDEX_KEY": os.environ.get("SEARCH_INDEX_KEY", "").strip(),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").strip().upper(),
        # Tests only, never read from the environment: hash new passwords with argon2's cheapest
        # parameters instead of production strength (existing hashes verify either way).
        "PASSWORD_HASH_FAST": False,
    }
