"""The application factory."""
import logging
import os

from flask import Flask, has_request_context, request
from sqlalchemy import event
from werkzeug.exceptions import BadHost
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import DEV_SECRET_KEY, Config


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the message says what to set."""


class CampaignApp(Flask):
    """Flask, with absolute URLs on SITE_URL when it is set: links in mails, documents and
    feeds are SITE_URL plus our own path, never built on the request's Host header or script
    root (which a client or a forwarded header could choose)."""

    def url_for(self, endpoint, *, _anchor=None, _method=None, _scheme=None, _external=None, **values):
        site = self.config.get("SITE_URL")
        if _external and site:
            path = super().url_for(endpoint, _anchor=_anchor, _method=_method, _external=False, **values)
            root = request.script_root if has_request_context() else ""
            if root and path.startswith(root + "/"):
                path = path[len(root):]  # SITE_URL already says where the site is mounted
            return site.rstrip("/") + path
        return super().url_for(endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme,
                               _external=_external, **values)

    def create_url_adapter(self, request):
        """Flask's, except that a Host header no DNS name can have (a 300-character label) is
        still answered with our 400 page: the request is bound to a neutral host, so that the
        page's links can be built, and routing answers the 400."""
        try:
            return super().create_url_adapter(request)
        except BadHost as error:
            if request is None:
                raise
            request.routing_exception = error
            return self.url_map.bind("localhost", script_name=request.script_root or "/",
                                     url_scheme=request.scheme, path_info=request.path,
                                     subdomain=self.url_map.default_subdomain or "")


def create_app(config_class: type = Config) -> Flask:
    """Build the app: settings (class, then FLASK_… variables), extensions, blueprints, CLI."""
    app = CampaignApp(__name__, instance_relative_config=True,
                      template_folder="../templates", static_folder="../static")
    app.config.from_object(config_class)
    app.config.from_prefixed_env()
    _finish_config(app)

    from app import cli, errors, formats, i18n, outbox, security, urls
    from app.extensions import babel, cache, csrf, db, limiter, login_manager, migrate

    urls.init_app(app)  # first: bounded <int:…> converters before any route is registered
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":  # this app's engine only, not every Engine
            event.listen(db.engine, "connect", _sqlite_pragmas)
    cache.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "..", "migrations"))
    babel.init_app(app, locale_selector=i18n.select_locale)
    formats.init_app(app)  # after Babel, whose date filters it takes away
    i18n.init_app(app)  # before CSRF: a refused back-office POST answers in the chosen language
    csrf.init_app(app)
    limiter.init_app(app)
    limiter._storage_dead = False  # noqa: SLF001 - a new app presumes its storage up (tests make many)
    login_manager.init_app(app)
    outbox.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    cli.init_app(app)

    from app.admin import bp as admin_bp
    from app.api import bp as api_bp
    from app.campaign import bp as campaign_bp
    from app.letter import bp as letter_bp
    from app.petition import bp as petition_bp
    from app.press import bp as press_bp
    from app.registry import bp as registry_bp

    for blueprint in (letter_bp, petition_bp, registry_bp, press_bp, admin_bp, api_bp, campaign_bp):
        app.register_blueprint(blueprint)
    # Token CSRF is for the back office (and any blueprint not listed here); the public
    # blueprints' anonymous forms are refused cross-site by origin instead (app.security).
    for blueprint in (letter_bp, petition_bp, registry_bp, press_bp, api_bp):
        csrf.exempt(blueprint)

    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        # Only what our proxy sets: the client's address and the scheme. Never X-Forwarded-Host
        # or -Prefix, which a visitor can send and which would end up in links (SITE_URL is the host).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=0, x_port=0, x_prefix=0)
    app.wsgi_app = errors.LastResort(app.wsgi_app, app)  # outermost: answers when all else failed
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
    return app


def _finish_config(app: Flask) -> None:
    """Derived defaults, and refusing to start in production with the development secret."""
    if not app.config["SQLALCHEMY_DATABASE_URI"]:  # the laptop default: a file in instance/
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{app.instance_path}/campaign.db"
    if app.config.get("CACHE_REDIS_URL") and app.config["CACHE_TYPE"] == "SimpleCache":
        app.config["CACHE_TYPE"] = "RedisCache"  # a Redis address means: share the cache
    for key, sub in (("DOCUMENTS_DIR", "documents"), ("UPLOADS_DIR", "uploads")):
        if not app.config[key]:
            app.config[key] = os.path.join(app.instance_path, sub)
    secret = app.config.get("SECRET_KEY")
    local = app.config["DEVELOPMENT"] or app.config.get("TESTING")
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = not local  # production is served over HTTPS
    if local:
        return
    if not secret or secret == DEV_SECRET_KEY or len(str(secret)) < 16:
        raise ConfigError(
            "FLASK_SECRET_KEY is missing or is the development default. Set it to a long random "
            "value, e.g. FLASK_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))'); "
            "for a local run only, set FLASK_DEVELOPMENT=1 (make run does)."
        )
    if not app.config.get("SITE_URL"):
        raise ConfigError(
            "FLASK_SITE_URL is missing: set it to the site's public address, e.g. "
            "FLASK_SITE_URL=https://caraumanita.example (links in mails and documents use it)."
        )


def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: WAL so readers never wait for the writer, a busy timeout, and foreign keys."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
