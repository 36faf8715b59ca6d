"""Ledelsesjournal: a private leadership journal on the organisation's leadership framework."""

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from journal import cli, database, errors, headers, i18n, layout, logs
from journal.admin.routes import bp as admin_bp
from journal.agenda.routes import bp as agenda_bp
from journal.auth import access, throttle
from journal.auth.routes import bp as auth_bp
from journal.auth.routes import rescue_bp
from journal.config import default_instance_path, load_config
from journal.dashboard.routes import bp as dashboard_bp
from journal.entries.routes import bp as entries_bp
from journal.extensions import babel, csrf, db, login_manager, migrate
from journal.framework import DEFAULT_FRAMEWORK_FILE, load_framework
from journal.framework.routes import bp as framework_bp
from journal.goals.routes import bp as goals_bp
from journal.installable.routes import bp as installable_bp
from journal.my_data import services as my_data_services
from journal.my_data.importer import allow_large_imports
from journal.my_data.routes import bp as my_data_bp
from journal.notifications import delivery, reminders
from journal.notifications.routes import bp as notifications_bp
from journal.passkeys.routes import bp as passkeys_bp
from journal.review.routes import bp as review_bp
from journal.sharing.routes import bp as sharing_bp
from journal.sso import provider as sso_provider
from journal.sso.routes import bp as sso_bp
from journal.unlock.routes import bp as unlock_bp

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_app(config: dict | None = None) -> Flask:
    """Build the application; `config` overrides every other source (used by tests)."""
    config = dict(config or {})
    instance_path = config.pop("INSTANCE_PATH", None) or default_instance_path()
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()),
        instance_relative_config=True,
    )
    app.jinja_environment = i18n.LanguageEnvironment  # before anything makes the environment
    load_config(app, config)
    logs.init_app(app)
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        # The client's address and scheme; not the host, which nothing here needs to trust.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)

    app.extensions["framework"] = load_framework(
        app.config["FRAMEWORK_FILE"] or DEFAULT_FRAMEWORK_FILE
    )
    database.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    app.before_request(allow_large_imports)  # before the CSRF check reads the upload
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.init_app(app)
    layout.init_app(app)
    access.init_app(app)
    throttle.init_app(app)
    sso_provider.init_app(app)
    errors.init_app(app)
    headers.init_app(app)
    cli.init_app(app)
    delivery.init_app(app)
    delivery.register_step(app, reminders.queue_due)
    # The choose-password page (auth) offers My data's start over; auth is below my_data.
    app.extensions["start_over"] = my_data_services.start_over
    app.url_map.converters["id"] = IdConverter
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app


class IdConverter(IntegerConverter):
    """A database id in a URL: 1 to 2^63-1, anything else is simply not found (404)."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=2**63 - 1)


BLUEPRINTS = (
    auth_bp,
    sso_bp,
    unlock_bp,
    passkeys_bp,
    dashboard_bp,
    entries_bp,
    goals_bp,
    review_bp,
    agenda_bp,
    my_data_bp,
    notifications_bp,
    framework_bp,
    sharing_bp,
    admin_bp,
    rescue_bp,
    installable_bp,
)
