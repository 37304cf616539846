"""The production package, read as files (no Docker here): the image runs as a non-root user,
checks its health on /healthz, runs `flask check-deploy` before gunicorn, bakes in no secret;
the compose file starts PostgreSQL 15, the app and an HTTPS proxy, with every secret from .env.
"""
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SECRET_WORDS = re.compile(r"SECRET|PASSWORD|BACKUP_KEY|TOKEN", re.IGNORECASE)


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (instruction, arguments), continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    joined = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line.strip() else "")
            for line in joined.splitlines() if line.strip()]


def _all(instruction: str) -> list[str]:
    return [arguments for name, arguments in _instructions() if name == instruction]


def _environment_names() -> list[str]:
    names = []
    for arguments in _all("ENV") + _all("ARG"):
        names += re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", arguments) or [arguments.split()[0]]
    return names


def test_the_image_starts_from_python_311_slim_bookworm():
    assert _all("FROM") == ["python:3.11-slim-bookworm"]


def test_the_image_runs_as_a_user_that_is_not_root():
    users = _all("USER")
    assert users, "no USER: the app would run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    last_user = max(index for index, (name, _) in enumerate(_instructions()) if name == "USER")
    assert [name for name, _ in _instructions()].index("CMD") > last_user


def test_the_image_checks_its_health_on_healthz():
    [healthcheck] = _all("HEALTHCHECK")
    assert "/healthz" in healthcheck and "CMD" in healthcheck


def test_weasyprint_gets_pango_and_fonts():
    installs = " ".join(_all("RUN"))
    assert "libpango-1.0-0" in installs and "libpangoft2-1.0-0" in installs
    assert re.search(r"\bfonts-[a-z0-9-]+", installs)
    assert "postgresql-client-15" in installs, "flask backup needs pg_dump of the server's version"


def test_gunicorn_serves_after_check_deploy():
    [entrypoint] = _all("ENTRYPOINT")
    [command] = _all("CMD")
    assert yaml.safe_load(command)[:3] == ["gunicorn", "--config", "gunicorn.conf.py"]
    assert "COPY app.py gunicorn.conf.py ./" in "\n".join(f"{name} {arguments}" for name, arguments in _instructions())
    script = (ROOT / "deploy" / "entrypoint.sh").read_text()
    assert yaml.safe_load(entrypoint) == ["integration-entrypoint"]
    assert "COPY deploy/entrypoint.sh /usr/local/bin/integration-entrypoint" in "\n".join(
        f"{name} {arguments}" for name, arguments in _instructions())
    assert "set -e" in script
    assert script.index("flask check-deploy") < script.index('exec "$@"')


def test_no_secret_is_baked_into_the_image():
    assert not [name for name in _environment_names() if SECRET_WORDS.search(name)]
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", "instance", ".git"} <= set(ignored), "keys in instance/ or .env must not reach the image"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_runs_postgresql_15_the_app_and_an_https_proxy(compose):
    services = compose["services"]
    assert services["db"]["image"].startswith("postgres:15")
    assert services["app"]["build"] == "." and "443:443" in services["proxy"]["ports"]
    assert "tls internal" in (ROOT / "deploy" / "Caddyfile").read_text()
    assert services["app"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "db-grants --app-role integration_app" in " ".join(services["migrate"]["command"])


def test_compose_takes_every_secret_from_the_environment(compose):
    for name, service in compose["services"].items():
        for variable, value in (service.get("environment") or {}).items():
            if SECRET_WORDS.search(variable) or "://" in str(value):
                assert re.search(r"\$\{[A-Z_]+:\?", str(value)), f"{name}.{variable} must come from .env"


def test_the_app_runs_as_its_own_role_and_behind_the_proxy(compose):
    app = compose["services"]["app"]["environment"]
    assert app["DATABASE_URL"].startswith("postgresql+psycopg://integration_app:")
    assert app["HTTPS"] == "1" and app["TRUSTED_PROXIES"] == "1"
    assert "ports" not in compose["services"]["app"], "only the proxy is reachable from outside"
    assert compose["networks"]["backend"]["internal"] is True


def test_make_env_writes_every_variable_compose_asks_for(compose):
    asked = set(re.findall(r"\$\{([A-Z_]+):\?", (ROOT / "compose.yaml").read_text()))
    script = (ROOT / "deploy" / "make-env").read_text()
    assert asked == set(re.findall(r'print\(f"([A-Z_]+)=', script))
    assert "umask 077" in script
