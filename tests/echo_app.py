"""A tiny WSGI app that answers with what it received, for testing deploy/nginx.conf on its own
(tests/test_production_serve.py serves it with deploy/serve.py --wsgi tests.echo_app:app).

Query arguments choose the answer: `cc` its Cache-Control, `cookie=1` a Set-Cookie, `sleep`
seconds to wait first. The answer's `n` counts the requests this worker answered, so a test
can tell an answer from the app (new n) from one out of nginx's cache (same n)."""
import itertools
import os
import time

from flask import Flask, jsonify, request

app = Flask(__name__)
answered = itertools.count()


@app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
@app.route("/<path:path>", methods=["GET", "POST"])
def echo(path: str):
    """What this request looked like from behind the proxy."""
    if request.args.get("sleep"):
        time.sleep(float(request.args["sleep"]))
    response = jsonify(n=next(answered), pid=os.getpid(), path=path, headers=dict(request.headers),
                       remote_addr=request.remote_addr)
    if "cc" in request.args:
        response.headers["Cache-Control"] = request.args["cc"]
    if request.args.get("cookie"):
        response.set_cookie("session", "someone")
    return response
