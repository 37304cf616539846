"""flask check-deploy: each unsafe setting is one line and a non-zero exit; a safe production
configuration passes.
"""
import pytest

from integration.operations import deploy_check
from integration.operations.archive import new_key_text
from integration.operations.deploy_check import Settings, configuration_problems

SAFE_SECRET = "9f" * 32
SAFE_CONFIG = {
    "DEBUG": False, "TESTING": False, "WTF_CSRF_ENABLED": True,
    "SECRET_KEY": SAFE_SECRET, "HTTPS": True, "SESSION_COOKIE_SECURE": True, "REMEMBER_COOKIE_SECURE": True,
    "PREFERRED_URL_SCHEME": "https", "TRUSTED_PROXIES": 1, "RATELIMIT_STORAGE_URI": "database://",
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://integration_app@db/integration",
    "BACKUP_KEY": new_key_text(),
    "ENCRYPTION_KEYS": new_key_text(),
    "SEARCH_INDEX_KEY": new_key_text(),
}
SAFE_ENVIRON = {"SECRET_KEY": SAFE_SECRET, "ENCRYPTION_KEYS": "set", "SEARCH_INDEX_KEY": "set"}


def _problems(config_changes=None, environ=None, *, workers=4, behind_proxy=True) -> list[str]:
    config = {**SAFE_CONFIG, **(config_changes or {})}
    return configuration_problems(Settings(config, {**SAFE_ENVIRON, **(environ or {})},
                                           workers=workers, behind_proxy=behind_proxy))


def test_a_safe_production_configuration_has_no_problems():
    assert _problems() == []
    assert _problems(workers=1) == []
    assert _problems({"TRUSTED_PROXIES": 0}, behind_proxy=False) == []


@pytest.mark.parametrize("changes, environ, words", [
    ({"DEBUG": True}, {}, "debug is on"),
    ({}, {"FLASK_DEBUG": "1"}, "debug is on"),
    ({"TESTING": True}, {}, "TESTING is on"),
    ({"WTF_CSRF_ENABLED": False}, {}, "CSRF protection is off"),
    ({}, {"SECRET_KEY": ""}, "SECRET_KEY is not set in the environment"),
    ({"SECRET_KEY": "change-me"}, {"SECRET_KEY": "change-me"}, "well-known example value"),
    ({"SECRET_KEY": "tooshort-but-random-3x"}, {"SECRET_KEY": "tooshort-but-random-3x"}, "22 characters long"),
    ({"HTTPS": False}, {}, "HTTPS is off"),
    ({"SESSION_COOKIE_SECURE": False}, {}, "SESSION_COOKIE_SECURE is off although HTTPS is on"),
    ({"PREFERRED_URL_SCHEME": "http"}, {}, "PREFERRED_URL_SCHEME is not https"),
    ({"TRUSTED_PROXIES": 0}, {}, "TRUSTED_PROXIES is 0 behind a reverse proxy"),
    ({"RATELIMIT_STORAGE_URI": "memory://"}, {}, "each of the 4 workers counts apart"),
    ({"SQLALCHEMY_DATABASE_URI": "sqlite:////srv/instance/integration.db"}, {}, "DATABASE_URL is SQLite"),
    ({"BACKUP_KEY": ""}, {}, "BACKUP_KEY is not set"),
    ({"BACKUP_KEY": "not-a-key"}, {}, "BACKUP_KEY: the backup key is not valid"),
    ({"BACKUP_KEY": SAFE_SECRET}, {}, "BACKUP_KEY: the backup key is not valid"),
], ids=["debug", "FLASK_DEBUG", "testing", "csrf off", "secret key missing", "secret key default",
        "secret key short", "https off", "cookie not secure", "http links", "proxy not trusted", "memory limits",
        "sqlite", "backup key missing", "backup key malformed", "backup key is the secret key"])
def test_each_unsafe_setting_is_one_line(changes, environ, words):
    problems = _problems(changes, environ)
    assert len(problems) == 1, problems
    assert words in problems[0]


def test_memory_limits_with_one_worker_are_still_refused_with_their_reason():
    [problem] = _problems({"RATELIMIT_STORAGE_URI": "memory://"}, workers=1)
    assert "forgotten at every restart" in problem


def test_the_same_key_for_backups_and_sessions_is_refused():
    key = new_key_text()
    [problem] = _problems({"SECRET_KEY": key, "BACKUP_KEY": key}, {"SECRET_KEY": key})
    assert "same as SECRET_KEY" in problem


def test_several_problems_are_several_lines():
    problems = _problems({"DEBUG": True, "HTTPS": False, "BACKUP_KEY": ""}, {"SECRET_KEY": ""})
    assert len(problems) == 4


def test_the_encryption_at_rest_check_is_one_of_the_checks():
    assert deploy_check.encryption_at_rest_key_problems in deploy_check.CONFIGURATION_CHECKS


@pytest.mark.parametrize("changes, environ, words", [
    ({}, {"ENCRYPTION_KEYS": ""}, "ENCRYPTION_KEYS is not set in the environment"),
    ({}, {"SEARCH_INDEX_KEY": ""}, "SEARCH_INDEX_KEY is not set in the environment"),
    ({"ENCRYPTION_KEYS": "not-a-key"}, {}, "ENCRYPTION_KEYS: a key is not valid"),
    ({"ENCRYPTION_KEYS": SAFE_CONFIG["BACKUP_KEY"]}, {}, "ENCRYPTION_KEYS uses the same key as BACKUP_KEY"),
    ({"ENCRYPTION_KEYS": SAFE_CONFIG["SEARCH_INDEX_KEY"]}, {}, "same key as SEARCH_INDEX_KEY"),
], ids=["encryption key missing", "index key missing", "encryption key malformed", "encryption key is the backup key",
        "encryption key is the index key"])
def test_a_missing_or_shared_encryption_key_is_one_line(changes, environ, words):
    problems = _problems(changes, environ)
    assert len(problems) == 1, problems
    assert words in problems[0]


def test_the_command_refuses_the_test_configuration_one_line_per_problem(app, runner):
    result = runner.invoke(args=["check-deploy", "--workers", "3"], env={"SECRET_KEY": "", "FLASK_DEBUG": ""})
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    for words in ("TESTING is on", "CSRF protection is off", "SECRET_KEY is not set", "HTTPS is off",
                  "TRUSTED_PROXIES is 0", "each of the 3 workers counts apart", "BACKUP_KEY is not set"):
        assert sum(words in line for line in lines) == 1, (words, lines)
    assert len(lines) == len(set(lines))
