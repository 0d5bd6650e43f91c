"""Catalogs are complete, templates parse (the extractor skips broken ones silently)."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]


def test_no_untranslated_or_fuzzy_message_in_either_catalog():
    holes = []
    for lang in ("it", "en"):
        with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy or not all(strings):
                holes.append((lang, message.id))
    assert holes == []


def test_catalogs_hold_every_message_in_the_code():
    """Extract afresh and compare: a string added without `make translations` fails here."""
    result = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
         "-k", "lazy_pgettext:1c,2", "-o", "/dev/stdout", "--no-location", "."],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    from io import BytesIO

    extracted = read_po(BytesIO(result.stdout.encode()))
    with (ROOT / "translations" / "it" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        italian = read_po(handle, locale="it")
    missing = [m.id for m in extracted if m.id and italian.get(m.id, m.context) is None]
    assert missing == []


def test_every_template_parses(app):
    env = app.jinja_env
    for name in env.list_templates():
        if name.endswith((".html", ".txt", ".xml", ".svg")):
            env.get_template(name)


def test_every_mail_template_exists_in_both_languages():
    mails = ROOT / "templates" / "email"
    stems = {p.name.rsplit(".", 2)[0] for p in mails.glob("*.*.txt")}
    for stem in stems:
        for lang in ("it", "en"):
            assert (mails / f"{stem}.{lang}.txt").exists(), f"{stem}.{lang}.txt"


