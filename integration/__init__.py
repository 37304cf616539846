"""integration: case notes and integration plans for ketamine-assisted therapy."""
import os

from flask import Flask

from . import config


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configuration, logging, extensions, blueprints, error pages, headers, CLI."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    app = Flask(__name__, instance_path=os.environ.get("INSTANCE_PATH") or os.path.join(root, "instance"),
                template_folder=os.path.join(root, "templates"), static_folder=os.path.join(root, "static"))
    os.makedirs(app.instance_path, mode=0o700, exist_ok=True)  # keys and the SQLite file: the owner's alone
    app.config.from_mapping(config.from_environment(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)

    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    register_logging(app)
    register_converters(app)
    register_extensions(app)
    register_blueprints(app)
    register_record_contributions()
    register_errorhandlers(app)
    register_security(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_logging(app: Flask) -> None:
    from .logs import register

    register(app)


def register_converters(app: Flask) -> None:
    from .http import StoredIntConverter

    app.url_map.converters["int"] = StoredIntConverter


def register_extensions(app: Flask) -> None:
    from . import crypto
    from .auth import throttle  # noqa: F401  (registers the database:// limiter storage)
    from .database import configure_sqlite
    from .extensions import csrf, db, limiter, login_manager, migrate

    crypto.init_app(app)  # before the database: its encrypted columns need the keys
    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"),
                     render_as_batch=True)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    limiter.init_app(app)


def register_blueprints(app: Flask) -> None:
    from .audit.views import bp as audit_bp
    from .auth.views import bp as auth_bp
    from .checkins.views import bp as checkins_bp
    from .clients.views import bp as clients_bp
    from .exports.views import bp as exports_bp
    from .erasure.views import bp as erasure_bp
    from .dosing.views import bp as dosing_bp
    from .dosing.views import settings_bp as consent_settings_bp
    from .groups.views import bp as groups_bp
    from .home import bp as home_bp
    from .measures.views import bp as measures_bp
    from .notes.insight_views import bp as insights_bp
    from .notes.template_views import bp as note_templates_bp
    from .notes.views import bp as notes_bp
    from .notes.views import cosign_bp
    from .plans.views import bp as plans_bp
    from .safetyplans.views import bp as safetyplans_bp
    from .search.views import bp as search_bp
    from .worklist import bp as worklist_bp

    for blueprint in (home_bp, auth_bp, clients_bp, notes_bp, cosign_bp, insights_bp, note_templates_bp, search_bp, plans_bp,
                      groups_bp, audit_bp, measures_bp, worklist_bp, exports_bp, erasure_bp,
                      dosing_bp, consent_settings_bp, safetyplans_bp, checkins_bp):
        app.register_blueprint(blueprint)


def register_record_contributions() -> None:
    """Each area adds its part to the client's record (timeline, needs attention, linked insights)."""
    from .checkins import record as checkins_record
    from .clients import record as clients_record
    from .dosing import record as dosing_record
    from .groups import record as groups_record
    from .measures import record as measures_record
    from .notes import record as notes_record

    for area in (clients_record, notes_record, groups_record, measures_record, dosing_record, checkins_record):
        area.connect()


def register_errorhandlers(app: Flask) -> None:
    from .errors import register

    register(app)


def register_security(app: Flask) -> None:
    from . import csrf_tokens, security

    security.register(app)
    csrf_tokens.register(app)


def register_template_helpers(app: Flask) -> None:
    from .templating import register

    register(app)


def register_commands(app: Flask) -> None:
    from .cli import register
    from .crypto.commands import register as register_crypto
    from .operations.commands import register as register_operations

    register(app)
    register_crypto(app)
    register_operations(app)
