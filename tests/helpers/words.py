"""The catalogs as the words tests read them."""
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def catalog(lang):
    """The catalog of `lang` as Babel reads it."""
    with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def strings(message, lang):
    """The words a reader of `lang` sees for this message: the msgstr in Italian (every plural
    form), the msgid (singular and plural) in English."""
    value = message.string if lang == "it" else message.id
    return [s for s in (value if isinstance(value, (tuple, list)) else (value,)) if s]
