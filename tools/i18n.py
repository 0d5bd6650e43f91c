"""Catalog maintenance. Message ids are English; the Italian catalog is translated by hand and
the English one is filled with the ids themselves.

  python tools/i18n.py update          extract, update both catalogs, fill English
  python tools/i18n.py set FILE.json   set Italian translations from {"msgid": "msgstr", …}
                                       (plural ids: {"msgid": ["singular", "plural"]};
                                       with a context: {"context\u0004msgid": "msgstr"})
  python tools/i18n.py check           list untranslated or fuzzy messages; exit 1 if any

Runs under a lock file, so that several people (or helpers) can update at once.
"""
import fcntl
import json
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
POT = ROOT / "translations" / "messages.pot"
LANGS = ("it", "en")


def po_path(lang: str) -> Path:
    return ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po"


@contextmanager
def locked():
    with open(ROOT / "translations" / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load(lang):
    with po_path(lang).open("rb") as handle:
        return read_po(handle, locale=lang)


def save(catalog, lang):
    with po_path(lang).open("wb") as handle:
        write_po(handle, catalog, width=100, no_location=True, omit_header=False,
                 include_previous=False, sort_output=True)


def pybabel(*args):
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


def update():
    pybabel("extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_pgettext:1c,2", "--add-comments=I18N:",
            "--no-location", "--sort-output", "--project", "Dear Humanity", "--version", "1",
            "--msgid-bugs-address", "-", "-o", str(POT), ".")
    for lang in LANGS:
        if not po_path(lang).exists():
            pybabel("init", "-i", str(POT), "-d", "translations", "-l", lang)
        pybabel("update", "-i", str(POT), "-d", "translations", "-l", lang,
                "--no-fuzzy-matching", "--ignore-obsolete")
    catalog = load("en")
    for message in catalog:
        if message.id:
            message.string = message.id
            message.flags.discard("fuzzy")
    save(catalog, "en")
    for lang in ("it",):
        save(load(lang), lang)  # normalise layout (sorted, no locations)


def set_italian(path):
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    catalog = load("it")
    missing = []
    for key, value in data.items():
        # "context\u0004msgid" for a message with a context (pgettext), as gettext spells it.
        context, _, msgid = key.rpartition("\u0004")
        message = catalog.get(msgid, context or None)
        if message is None:
            missing.append(key)
            continue
        if isinstance(value, list):
            # Italian has three plural forms in CLDR (one, many, other): "many" reads as "other".
            value = value + [value[-1]] * (catalog.num_plurals - len(value))
            value = tuple(value[: catalog.num_plurals])
        message.string = value
        message.flags.discard("fuzzy")
    save(catalog, "it")
    if missing:
        print(f"{len(missing)} ids not in the catalog (run update first?):", *missing[:20], sep="\n  ")


def holes():
    out = []
    for lang in LANGS:
        for message in load(lang):
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy or any(not s for s in strings):
                out.append((lang, message.id))
    return out


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "update":
        with locked():
            update()
    elif command == "set":
        with locked():
            set_italian(sys.argv[2])
    elif command == "check":
        found = holes()
        print("\n".join(f"{lang}: {msgid!r}" for lang, msgid in found))
        sys.exit(1 if found else 0)
    else:
        print(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
