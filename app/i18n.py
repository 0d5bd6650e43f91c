"""Language in the URL: every public page lives under /it/… and /en/… at a fixed, localized path.

A view is registered once per language with `localized_route`; each rule carries its language
as a default value `lang_code`, so `url_for(endpoint)` builds the current language's path and
`url_for(endpoint, lang_code="en")` the English twin (Flask's URL processors pattern).
"""
from flask import Flask, current_app, g, request, session, url_for
from flask_babel import get_locale

LANG_ARG = "lang_code"


def localized_route(bp, paths: dict[str, str], **options):
    """Register the decorated view at one fixed path per language, e.g.
    `@localized_route(bp, {"it": "/lettera", "en": "/letter"})` serves /it/lettera and /en/letter."""

    def decorator(view):
        endpoint = options.pop("endpoint", view.__name__)
        for lang, path in paths.items():
            bp.add_url_rule(f"/{lang}{path}", endpoint, view, defaults={LANG_ARG: lang}, **options)
        return view

    return decorator


def current_lang() -> str:
    """The language of this request as a plain code ("it" or "en"): the Locale's `language`
    (str() would give the Babel locale, "en_GB")."""
    locale = get_locale()
    return locale.language if locale else "it"


def select_locale() -> str:
    """Flask-Babel's locale selector: the URL's language, else the moderator's choice kept in
    the session (back office), else the browser's preference, else Italian; as a Babel locale
    ("en_GB" for English: the catalog is translations/en, which gettext finds for en_GB)."""
    from app.formats import babel_locale

    languages = current_app.config["LANGUAGES"]
    lang = g.get(LANG_ARG)
    if lang not in languages:
        lang = session["lang"] if request and session.get("lang") in languages else browser_lang()
    return babel_locale(lang)  # English pages format dates and numbers as en_GB


def browser_lang() -> str:
    """The best of our languages for the Accept-Language header; Italian when none matches."""
    languages = current_app.config["LANGUAGES"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def lang_from_path(path: str) -> str | None:
    """'en' for '/en/whatever', None for a path outside the language prefixes."""
    first = path.lstrip("/").split("/", 1)[0]
    return first if first in current_app.config["LANGUAGES"] else None


def twin_url(lang: str, external: bool = False) -> str:
    """This page in `lang` (same view, same path arguments, same query string), or that
    language's home page. Query keys are appended as they came, never passed to url_for
    (where `_external`, `_scheme` or `_method` would change how the link is built)."""
    from app.urls import query_suffix

    rule = request.url_rule
    if rule is not None and LANG_ARG in rule.arguments and request.endpoint:
        values = {**(request.view_args or {}), LANG_ARG: lang}
        return url_for(request.endpoint, _external=external, **values) + query_suffix()
    if rule is not None and request.endpoint and request.endpoint != "static":
        # A page outside the language prefixes (back office): switch by query string.
        path = url_for(request.endpoint, _external=external, **(request.view_args or {}))
        return path + query_suffix(exclude=("lang",), extra=(("lang", lang),))
    return url_for("letter.home", lang_code=lang, _external=external)


def init_app(app: Flask) -> None:
    """Wire the URL processors that pull the language out of URLs and put it back in."""

    @app.url_value_preprocessor
    def pull_lang(endpoint, values):
        g.lang_code = values.pop(LANG_ARG, None) if values else None

    @app.url_defaults
    def add_lang(endpoint, values):
        if LANG_ARG in values or not endpoint:
            return
        if app.url_map.is_endpoint_expecting(endpoint, LANG_ARG):
            values[LANG_ARG] = current_lang()

    @app.before_request
    def remember_back_office_lang():
        # Pages outside /it/ and /en/ (the back office) switch language with ?lang=xx.
        if not request.query_string:
            return
        lang = request.args.get("lang")
        if lang in app.config["LANGUAGES"] and request.path.startswith("/admin"):
            session["lang"] = lang

    app.jinja_env.globals.update(twin_url=twin_url, current_lang=current_lang)

