"""Helpers of the fuzzing tests: Hypothesis profiles, the site's data to fuzz
against, URLs for every rule of the URL map, and the forms the pages render.

Profiles: `ci` (CI=true, as .ci/run's environment has it) gives each form 500 examples;
`dev` (the default) 25, so a local run stays quick. HYPOTHESIS_PROFILE overrides both."""
import os
from html.parser import HTMLParser

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import text
from werkzeug.routing import IntegerConverter

from app.extensions import db

_CHECKS = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large,
           HealthCheck.filter_too_much]
settings.register_profile("ci", max_examples=500, deadline=None, database=None, suppress_health_check=_CHECKS)
settings.register_profile("dev", max_examples=25, deadline=None, database=None, suppress_health_check=_CHECKS)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev"))


def examples(share: int = 1) -> int:
    """The profile's examples, divided by `share` (at least 5): forms get them all, buttons and
    query strings a share."""
    return max(5, settings.default.max_examples // share)


# What a hostile visitor types: control characters, invisible and direction marks, look-alike
# dots, huge numbers, HTML, very long text, and ordinary words.
NASTY = ["\x00", "\r\n", "\u202e", "\u200b", "\ufeff", "scam。com", "9" * 30, "-1", "0", "2147483648",
         "<script>alert(1)</script>", "' OR 1=1 --", "=cmd|' /C calc'!A0", "%00", "..\\..\\", "x" * 5000,
         "https://www.facebook.com/groups/123", "2014-07-18", "18/07/2014", "12.000", "a@example.org",
         "it", "en", "y", "", " "]
values = st.one_of(st.sampled_from(NASTY), st.text(max_size=60), st.integers().map(str),
                   st.emails(), st.text(alphabet=st.characters(codec="utf-8"), max_size=20))


def converter_of(rule, name: str):
    """The converter of the rule's argument `name` (Werkzeug keeps them per rule)."""
    return rule._converters[name]  # noqa: SLF001


def ids_of(table_hint: str) -> list[int]:
    """Existing ids of the table that an argument such as `report_id` or `step_id` names."""
    tables = [t.name for t in db.metadata.sorted_tables if t.name == table_hint or t.name.endswith("_" + table_hint)]
    if not tables:
        return []
    return list(db.session.execute(text(f'SELECT id FROM "{tables[0]}" ORDER BY id LIMIT 2')).scalars())


def arg_values(rule) -> dict | None:
    """Values for the rule's path arguments, taken from the data (an id that exists, a slug of a
    group), or made up (tokens); None for rules we do not fuzz (static files)."""
    from app.models import Group

    out = {}
    for name in rule.arguments - set(rule.defaults or {}):
        if name == "filename":
            return None
        if isinstance(converter_of(rule, name), IntegerConverter):
            out[name] = (ids_of(name.removesuffix("_id")) or [1])[0]
        elif name == "slug":
            out[name] = db.session.scalar(db.select(Group.slug).where(Group.published.is_(True)).limit(1)) or "x"
        else:
            out[name] = "t" * 43
    return out


def rule_url(app, rule) -> str | None:
    """A URL of `rule` with values for its arguments, or None."""
    args = arg_values(rule)
    if args is None:
        return None
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        return adapter.build(rule.endpoint, {**(rule.defaults or {}), **args}, force_external=False)


class FormParser(HTMLParser):
    """The POST forms of a page: action and fields (name, kind, value, options)."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag in ("input", "button") and a.get("name"):
            self._form["fields"].append({"name": a["name"], "kind": a.get("type", "text"), "value": a.get("value", ""),
                                         "options": []})
        elif tag == "textarea" and a.get("name"):
            self._form["fields"].append({"name": a["name"], "kind": "textarea", "value": "", "options": []})
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "kind": "select", "value": "", "options": []}
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def page_forms(html: str) -> list[dict]:
    """The POST forms in `html`."""
    parser = FormParser()
    parser.feed(html)
    return parser.forms


# Counted in the back office on every attempt, refused or not (login throttling, sessions, audit).
ATTEMPT_TABLES = {"audit_log", "login_throttle", "moderator_session"}


def row_counts() -> dict[str, int]:
    """Rows per table, in one query."""
    tables = [t.name for t in db.metadata.sorted_tables]
    sql = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM \"{t}\"" for t in tables)
    db.session.rollback()
    return dict(db.session.execute(text(sql)).all())


def kept_rows() -> dict[str, int]:
    """Rows per table, but for the tables every attempt may write to."""
    return {t: n for t, n in row_counts().items() if t not in ATTEMPT_TABLES}
