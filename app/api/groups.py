"""Open data: the published registry as JSON, CSV and an OpenAPI description.

Only the public fields of published groups (`Group.PUBLIC_FIELDS`): never anything about
who reported a group. Every group keeps its numeric `id` for ever, so reusers can join on it.
"""
import json
import math
from pathlib import Path

from flask import Response, abort, request, url_for

from app.api import bp
from app.models import Crew, Group, GroupStatus
from app.registry import service
from app.security import public
from app.urls import query_int

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
OPENAPI = Path(__file__).with_name("openapi.json")  # the description, served by openapi()


def _filters() -> dict:
    """Search, status and crew from the query string; an unknown status or crew is a 400, so
    that a typo never passes for "every group"."""
    filters = {"q": request.args.get("q", "").strip()[:100], "status": request.args.get("status", ""),
               "crew": request.args.get("crew", "")}
    if filters["status"] and filters["status"] not in {s.value for s in GroupStatus}:
        abort(400, "unknown status")
    if filters["crew"] and filters["crew"] not in {c.value for c in Crew}:
        abort(400, "unknown crew")
    return filters


DATA_LICENCE = "https://opendatacommons.org/licenses/odbl/1-0/"


def _with_cors_and_licence(response: Response) -> Response:
    """Open data: any site may read it from a browser (no cookies are involved); its licence
    travels with every answer (the CSV has no place for it inside)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Link"] = f'<{DATA_LICENCE}>; rel="license"'
    return response


def group_json(group: Group) -> dict:
    """A group as the API shows it, with its page in each language."""
    data = group.to_dict()
    data["urls"] = {lang: url_for("registry.group", slug=group.slug, lang_code=lang, _external=True)
                    for lang in ("it", "en")}
    return data


@bp.route("/groups")
@public
def groups():
    """Published groups, paginated, with the registry's search, filters and sorting."""
    filters = _filters()
    sort = request.args.get("sort", "name")
    sort = sort if sort in service.SORTS else "name"
    # A page or size that is not a number in range is a 400, so that a typo never passes for
    # the first page (and no number reaches the database past what it can hold).
    page = query_int("page", 0) if "page" in request.args else 1
    per_page = (query_int("per_page", 0, maximum=MAX_PER_PAGE) if "per_page" in request.args
                else DEFAULT_PER_PAGE)
    if not page or not per_page:
        abort(400)
    totals = service.totals(**filters)
    rows, total = service.search_groups(sort=sort, page=page, per_page=per_page, total=totals["groups"],
                                        **filters)
    pages = max(math.ceil(total / per_page), 1)
    kept = {k: v for k, v in {**filters, "sort": sort, "per_page": per_page}.items() if v}

    def link(n: int) -> str | None:
        """The address of page `n`, or None when there is no such page."""
        return url_for("api.groups", page=n, _external=True, **kept) if 1 <= n <= pages else None

    body = {
        "data": [group_json(g) for g in rows],
        "meta": {"page": page, "per_page": per_page, "total": total, "pages": pages,
                 "members_affected": totals["members"], "groups_without_member_count": totals["unknown"]},
        "links": {"self": link(page), "next": link(page + 1), "prev": link(page - 1),
                  "first": link(1), "last": link(pages),
                  "csv": url_for("api.groups_csv", _external=True, **filters_only(filters))},
    }
    return _with_cors_and_licence(Response(_dumps(body), mimetype="application/json"))


def filters_only(filters: dict) -> dict:
    """The filters that are set."""
    return {k: v for k, v in filters.items() if v}


def _dumps(body) -> str:
    """JSON with non-ASCII names kept readable (UTF-8)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


@bp.route("/groups/<int:group_id>")
@public
def group(group_id: int):
    """One published group by its stable id."""
    found = service.group_by_id(group_id) or abort(404)
    return _with_cors_and_licence(Response(_dumps(group_json(found)), mimetype="application/json"))


@bp.route("/groups.csv")
@public
def groups_csv():
    """Every matching published group as CSV (UTF-8, header row, safe in spreadsheets)."""
    body = service.groups_csv(service.published_filter(**_filters()))
    response = Response(body, content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="hijacked-groups.csv"'
    return _with_cors_and_licence(response)


@bp.route("/openapi.json")
@public
def openapi():
    """The OpenAPI 3.1 description of the open-data API: app/api/openapi.json, versioned with
    the code (tests/test_openapi.py holds it to the routes and to their answers), with this
    site's address as its server."""
    spec = json.loads(OPENAPI.read_text(encoding="utf-8"))
    spec["servers"] = [{"url": url_for("api.groups", _external=True).rsplit("/groups", 1)[0]}]
    return _with_cors_and_licence(Response(_dumps(spec), mimetype="application/json"))
