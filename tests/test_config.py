"""Every setting in one place: each one the code or a template reads is defined in `Config`
(app/config.py) with its default, and each one `Config` defines is in the README's settings
table, so that an operator can find every knob in one list."""
import ast
import re
from collections import Counter
from pathlib import Path

from flask import Flask

from app.config import Config

ROOT = Path(__file__).resolve().parents[1]
NAME = r"([A-Z][A-Z0-9_]*)"
# config["X"], config['X'], config.get("X"…), config.setdefault("X"…), config.pop("X"…) in
# Python (app.config, current_app.config, a local `config = current_app.config`); config.X and
# config["X"] in Jinja templates.
READS = {
    "app": [re.compile(rf"""config\[\s*["']{NAME}["']\s*\]"""),
            re.compile(rf"""config\.(?:get|setdefault|pop)\(\s*["']{NAME}["']""")],
    "templates": [re.compile(rf"\bconfig\.{NAME}\b"), re.compile(rf"""\bconfig\[\s*["']{NAME}["']\s*\]""")],
}
SUFFIXES = {"app": "*.py", "templates": "*.html"}


def settings_read() -> dict[str, set[str]]:
    """{setting: {files reading it}} over app/ and templates/."""
    found: dict[str, set[str]] = {}
    for folder, patterns in READS.items():
        for path in (ROOT / folder).rglob(SUFFIXES[folder]):
            text = path.read_text(encoding="utf-8")
            for pattern in patterns:
                for name in pattern.findall(text):
                    found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def config_settings() -> list[str]:
    """The settings `Config` itself defines (not those it inherits from nowhere: it has no base)."""
    return [name for name in vars(Config) if name.isupper()]


def readme_settings() -> set[str]:
    """The FLASK_… variables named in the first column of the README's settings table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `FLASK_")]
    return {name for row in rows for name in re.findall(r"`FLASK_([A-Z0-9_]+)`", row)}


def test_every_setting_the_code_reads_is_defined_in_config():
    flask_own = set(Flask.default_config)  # TESTING, SESSION_COOKIE_NAME … (Flask's defaults)
    missing = {name: sorted(files) for name, files in settings_read().items()
               if not hasattr(Config, name) and name not in flask_own}
    assert missing == {}, "read in the code but not in app/config.py's Config"


def test_every_setting_of_config_is_in_the_readme_table():
    missing = [name for name in config_settings() if name not in readme_settings()]
    assert missing == [], "in Config but not in the README's settings table"


def test_the_readme_table_names_no_setting_that_does_not_exist():
    assert readme_settings() - set(config_settings()) == set()


def test_no_setting_is_defined_twice_in_one_class():
    # A second assignment in the class body silently wins over the first (and its comment).
    tree = ast.parse((ROOT / "app" / "config.py").read_text(encoding="utf-8"))
    for cls in (node for node in tree.body if isinstance(node, ast.ClassDef)):
        names = Counter(target.id for stmt in cls.body
                        for target in (stmt.targets if isinstance(stmt, ast.Assign) else
                                       [stmt.target] if isinstance(stmt, ast.AnnAssign) else [])
                        if isinstance(target, ast.Name))
        assert [n for n, times in names.items() if times > 1] == [], cls.name


def test_the_checks_see_what_they_are_for():
    # The scan finds settings read the usual ways, or the first test could not fail.
    found = settings_read()
    assert {"SITE_URL", "ADMIN_LOCK_AFTER", "PRESS_RENDER_SECONDS", "MAIL_BACKEND"} <= set(found)
    assert "LANGUAGES" in found and any(f.startswith("templates/") for f in found["LANGUAGES"])
    assert {"SECRET_KEY", "IP_HASH_DAYS", "ADMIN_LOCK_WINDOW"} <= readme_settings()
