"""Crafted URLs: numbers in paths and query strings kept within what the database can hold,
control characters refused before any view sees them, query strings forwarded without ever
passing a visitor's keys to `url_for`, and absolute links on SITE_URL alone."""
import re
from urllib.parse import urlencode

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

# The largest id or page number we accept: PostgreSQL's INTEGER (2³¹ − 1). A larger number in a
# path cannot name anything (404); in a query string it is ignored.
MAX_INT = 2**31 - 1
# C0 controls, DEL and C1 controls: NUL breaks PostgreSQL's text, CR/LF would break headers
# (a redirect to `?next=`), and none of them belongs in an address.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f]")
# The longest host name DNS allows, and its longest label.
_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?)+(?::\d{1,5})?$"
                   r"|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$")


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` on every route: a number past MAX_INT matches nothing (404), instead of
    reaching the database as a value its INTEGER column cannot hold."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_INT, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def query_int(name: str, default: int, minimum: int = 1, maximum: int = MAX_INT) -> int:
    """The query string's `name` as a whole number from `minimum` to `maximum`; anything else
    (missing, not a number, 30 digits, negative) is ignored and gives `default`."""
    raw = request.args.get(name, "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > len(str(maximum)):
        return default
    value = int(raw)
    return value if minimum <= value <= maximum else default


def query_suffix(exclude: tuple[str, ...] = (), extra: tuple[tuple[str, str], ...] = ()) -> str:
    """This request's query string ("?a=1&b=2", or "") without the keys in `exclude`, plus the
    `extra` pairs, to append to a path built by `url_for`: a visitor's keys never become
    `url_for` arguments, where `_external`, `_scheme` or `_method` would change the link."""
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k not in exclude] + list(extra)
    return "?" + urlencode(pairs) if pairs else ""


def valid_host(host: str) -> bool:
    """True for a host name (labels of at most 63 characters, 253 in all) or an IP literal,
    with an optional port."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return len(name) <= 253 and bool(_HOST.match(host))


def init_app(app: Flask) -> None:
    """Bound `<int:…>` on every route (call before the blueprints register theirs) and refuse
    control characters and impossible hosts before routing results reach a view."""
    app.url_map.converters["int"] = BoundedIntConverter

    @app.before_request
    def refuse_crafted_requests():
        if not valid_host(request.host):
            abort(400)
        if CONTROL_CHARACTERS.search(request.path):
            abort(404)  # no page of ours has a control character in its address
        if request.query_string and any(CONTROL_CHARACTERS.search(k) or CONTROL_CHARACTERS.search(v)
                                        for k, v in request.args.items(multi=True)):
            abort(400)
