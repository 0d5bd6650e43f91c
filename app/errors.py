"""Error pages, translated, in the language of the URL they answer.

HTTP errors (404, 400, 429 …) and crashes (InternalServerError) have their own handlers, and
no handler catches every exception: a crash stays a crash in the tests and in the debugger. Every error
answer carries the security headers: the 500 page falls back to a fixed page when its template
cannot render, and `LastResort` answers at the WSGI level when even that fails.
"""
import logging

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db
from app.i18n import LANG_ARG, lang_from_path
from app.security import HEADERS

log = logging.getLogger(__name__)

# The page when nothing else could be rendered: no template, no translation, no url_for.
FALLBACK_HTML = (
    '<!doctype html><html lang="it"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>Errore · Error</title></head><body>"
    "<h1>Qualcosa è andato storto</h1><p>Riprova tra un momento. <a href=\"/\">Pagina iniziale</a></p>"
    '<h1 lang="en">Something went wrong</h1><p lang="en">Please try again in a moment. '
    '<a href="/">Home page</a></p></body></html>'
).encode()


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _page_lang() -> None:
    """An error outside a matched route has no language yet: take it from the path."""
    if not g.get(LANG_ARG):
        g.lang_code = lang_from_path(request.path)


def init_app(app: Flask) -> None:
    """Register the handlers for HTTP errors and for crashes (`create_app` wraps the WSGI app
    in `LastResort` last, so it stands outside every other middleware)."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        """An HTTP error raised by a view or by routing (404, 400, 405, 429, CSRF …)."""
        if _wants_json():
            return jsonify(error=error.name, status=error.code), error.code
        _page_lang()
        template = "errors/404.html" if error.code == 404 else "errors/error.html"
        return render_template(template, error=error, csrf=isinstance(error, CSRFError)), error.code

    @app.errorhandler(InternalServerError)
    def crash(error: InternalServerError):
        """A crash (Flask has logged it): undo the request's writes, answer with the 500 page."""
        db.session.rollback()
        if _wants_json():
            return jsonify(error="Internal Server Error", status=500), 500
        try:
            _page_lang()
            return render_template("errors/500.html"), 500
        except Exception:  # the page itself failed (the error may lie in the layout): plain page
            log.exception("the 500 page failed to render on %s", request.path)
            return FALLBACK_HTML, 500, {"Content-Type": "text/html; charset=utf-8"}


class LastResort:
    """WSGI middleware: when an exception escapes the app (an error handler or an after_request
    hook failed), a fixed 500 page with the security headers instead of the server's bare one.
    Where Flask propagates exceptions (tests, debugger), it lets them through."""

    def __init__(self, wsgi_app, app: Flask):
        self.wsgi_app, self.app = wsgi_app, app

    def __call__(self, environ, start_response):
        try:
            return self.wsgi_app(environ, start_response)
        except Exception:
            if self.app.config["PROPAGATE_EXCEPTIONS"] or (
                    self.app.config["PROPAGATE_EXCEPTIONS"] is None and (self.app.testing or self.app.debug)):
                raise
            log.exception("no error page could be made for %s", environ.get("PATH_INFO", ""))
            headers = [("Content-Type", "text/html; charset=utf-8"),
                       ("Content-Length", str(len(FALLBACK_HTML))), ("Cache-Control", "no-store"), *HEADERS]
            start_response("500 INTERNAL SERVER ERROR", headers, _exc_info())
            return [FALLBACK_HTML]


def _exc_info():
    """The exception being handled, for start_response (headers may already have gone out)."""
    import sys

    return sys.exc_info()
