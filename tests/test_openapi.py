"""The open-data API's description is a file (app/api/openapi.json), versioned with the code: it
documents every /api route and no other, its lists of values are the code's, and what the API
really answers matches its schemas, so a reuser who trusts the document is never surprised."""
import json
import re
from dataclasses import fields
from pathlib import Path

import jsonschema_rs
import pytest

from app.api.groups import DEFAULT_PER_PAGE, MAX_PER_PAGE
from app.extensions import db
from app.models import Crew, Group, GroupStatus
from app.registry import service
from app.stats import Figures

SPEC_FILE = Path(__file__).resolve().parents[1] / "app" / "api" / "openapi.json"
PREFIX = "/api/v1"


@pytest.fixture(scope="module")
def spec() -> dict:
    """The description as committed."""
    return json.loads(SPEC_FILE.read_text(encoding="utf-8"))


def template(path: str) -> str:
    """A path with its parameters blanked, so /groups/<int:group_id> and /groups/{id} compare."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def api_routes(app) -> dict[str, set[str]]:
    """{path template under /api/v1: its methods} from the URL map."""
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/"):
            methods = {m.lower() for m in rule.methods} - {"head", "options"}
            routes.setdefault(template(rule.rule.removeprefix(PREFIX)), set()).update(methods)
    return routes


def validator(spec: dict, schema: dict):
    """A validator of `schema` that resolves the document's #/components references."""
    root = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "components": spec["components"]}
    return jsonschema_rs.validator_for(root, validate_formats=True)


def answer_schema(spec: dict, path: str, status: str = "200") -> dict:
    """The JSON schema of the GET answer of `path` with `status`."""
    return spec["paths"][path]["get"]["responses"][status]["content"]["application/json"]["schema"]


def test_the_file_is_an_openapi_3_1_document_with_a_version(spec):
    assert spec["openapi"] == "3.1.0"
    assert spec["info"]["version"] and spec["info"]["license"]["identifier"] == "ODbL-1.0"
    assert "servers" not in spec  # the view adds the site's own address


def test_every_api_route_is_documented_and_nothing_else(app, spec):
    documented = {template(path): {m for m in item if m in ("get", "post", "put", "patch", "delete")}
                  for path, item in spec["paths"].items()}
    assert documented == api_routes(app)


def test_path_parameters_are_the_routes_own(app, spec):
    for path, item in spec["paths"].items():
        declared = [p for p in item["get"].get("parameters", []) if p["in"] == "path"]
        assert len(declared) == path.count("{"), path
        for parameter in declared:
            assert "{" + parameter["name"] + "}" in path and parameter["required"] is True


def test_the_lists_of_values_are_the_codes(spec):
    groups = {p["name"]: p["schema"] for p in spec["paths"]["/groups"]["get"]["parameters"]}
    csv = {p["name"]: p["schema"] for p in spec["paths"]["/groups.csv"]["get"]["parameters"]}
    group = spec["components"]["schemas"]["Group"]
    statuses, crews = [s.value for s in GroupStatus], [c.value for c in Crew]
    assert groups["status"]["enum"] == csv["status"]["enum"] == group["properties"]["status"]["enum"] == statuses
    assert groups["crew"]["enum"] == csv["crew"]["enum"] == group["properties"]["crew"]["enum"] == crews
    assert groups["sort"]["enum"] == list(service.SORTS)
    assert (groups["per_page"]["default"], groups["per_page"]["maximum"]) == (DEFAULT_PER_PAGE, MAX_PER_PAGE)
    assert group["required"] == [*service.CSV_COLUMNS, "urls"]
    assert set(group["properties"]) == set(group["required"])
    stats = answer_schema(spec, "/stats")
    assert set(stats["properties"]) == set(stats["required"]) == {f.name for f in fields(Figures)}


def test_served_with_this_sites_address(client, spec):
    served = client.get(PREFIX + "/openapi.json").json
    assert served["servers"] == [{"url": "http://localhost/api/v1"}]
    assert {k: v for k, v in served.items() if k != "servers"} == spec


def published_report_group() -> Group:
    """A group as a report makes it: no Facebook address, no date, no member counts."""
    group = Group(slug="senza-dati", name="Senza dati", name_folded="senza dati", status=GroupStatus.closed,
                  crew=Crew.unknown, source="report", published=True)
    db.session.add(group)
    db.session.commit()
    return group


def test_real_answers_match_their_schemas(seeded, client, spec):
    sparse = published_report_group()
    listing = client.get(PREFIX + "/groups?per_page=200")
    assert listing.status_code == 200
    validator(spec, answer_schema(spec, "/groups")).validate(listing.json)
    properties = set(spec["components"]["schemas"]["Group"]["properties"])
    assert len(listing.json["data"]) > 50
    for item in listing.json["data"]:
        assert set(item) == properties, item["slug"]  # no field the document does not name
    one = client.get(f"{PREFIX}/groups/{sparse.id}")
    validator(spec, answer_schema(spec, "/groups/{id}")).validate(one.json)
    assert one.json["hijacked_on"] is None and one.json["members_at_hijack"] is None
    stats = client.get(PREFIX + "/stats")
    validator(spec, answer_schema(spec, "/stats")).validate(stats.json)
    csv = client.get(PREFIX + "/groups.csv")
    assert csv.status_code == 200 and "text/csv" in spec["paths"]["/groups.csv"]["get"]["responses"]["200"]["content"]
    assert csv.get_data(as_text=True).splitlines()[0] == ",".join(service.CSV_COLUMNS)


def test_the_documented_refusals_are_the_real_ones(seeded, client, spec):
    responses = {path: set(item["get"]["responses"]) for path, item in spec["paths"].items()}
    assert client.get(PREFIX + "/groups?page=0").status_code == 400 and "400" in responses["/groups"]
    assert client.get(PREFIX + "/groups?per_page=201").status_code == 400
    assert client.get(PREFIX + "/groups/999999").status_code == 404 and "404" in responses["/groups/{id}"]


def test_a_wrong_answer_would_be_caught(spec):
    # The schemas are strict enough to fail on what a regression would send.
    check = validator(spec, answer_schema(spec, "/groups/{id}"))
    good = {"id": 1, "slug": "a", "name": "A", "status": "hijacked", "crew": "shitstorm", "hijacked_on": "2014-07",
            "members_at_hijack": 10, "members_after": None, "facebook_url": None, "source": "report",
            "published_at": "2026-01-01T00:00:00+00:00", "account_it": "", "account_en": "",
            "urls": {"it": "http://localhost/it/registro/gruppo/a", "en": "http://localhost/en/registry/group/a"}}
    assert check.is_valid(good)
    for broken in ({"status": "stolen"}, {"hijacked_on": "luglio 2014"}, {"members_at_hijack": "12.000"},
                   {"id": None}, {"published_at": "yesterday"}):
        assert not check.is_valid({**good, **broken}), broken
    assert not check.is_valid({k: v for k, v in good.items() if k != "slug"})
