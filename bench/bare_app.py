"""The baseline: a bare Flask app that answers "hello" to any path and method.

`bench/run.py` serves it with exactly the same gunicorn settings as the campaign site and
points the same wrk script at it, so a scenario's ratio compares the site's work per request
with Flask's own minimum on the same machine, in the same run.
"""
from flask import Flask

app = Flask(__name__)


@app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
@app.route("/<path:path>", methods=["GET", "POST"])
def hello(path: str) -> str:
    """Answer "hello" (a POST body is read, as the site's form views read theirs)."""
    from flask import request

    request.get_data()
    return "hello"
