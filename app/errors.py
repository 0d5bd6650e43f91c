"""Error pages, translated, in the language of the URL they answer."""
from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.i18n import LANG_ARG, lang_from_path


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    """Register one handler for HTTP errors and one for crashes."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _wants_json():
            return jsonify(error=error.name, status=error.code), error.code
        if not g.get(LANG_ARG):
            g.lang_code = lang_from_path(request.path)
        template = "errors/404.html" if error.code == 404 else "errors/error.html"
        return render_template(template, error=error, csrf=isinstance(error, CSRFError)), error.code

    @app.errorhandler(Exception)
    def crash(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        app.logger.exception("unhandled error on %s", request.path)
        db.session.rollback()
        if _wants_json():
            return jsonify(error="Internal Server Error", status=500), 500
        if not g.get(LANG_ARG):
            g.lang_code = lang_from_path(request.path)
        return render_template("errors/500.html"), 500
