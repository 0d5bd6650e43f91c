"""Text helpers of our own: folding names for search and making readable slugs."""
import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Fold text for search: compatibility forms (circled ⓛ → l), case, accents (Ù → u), spaces.

    "NUN TE REGGHE PIÙ" and "nun te regghe piu" fold alike, and so do
    "ⓛⓐ ©ⓐⓟⓐ ⓖⓘⓡⓐ" and "la ©apa gira"."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _SPACES.sub(" ", text).strip()


def slugify(text: str, max_length: int = 80) -> str:
    """A readable ASCII slug: "Nell'alveo del torrente" → "nell-alveo-del-torrente"."""
    slug = _NOT_SLUG.sub("-", fold(text)).strip("-")
    return slug[:max_length].rstrip("-") or "group"


# Control characters: C0 (but tab, newline and carriage return, which multi-line fields keep and
# single-line filters collapse), DEL and C1. No field of any form takes them (app/safeform.py).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# What can disguise what a public page or list shows, refused in every text: control characters
# and bidirectional embeddings, overrides and isolates (U+202E turns "gnp.exe" around).
HIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Also refused in names, cities and addresses (prose keeps them: emoji and some scripts join
# with U+200D/U+200C): zero-width characters, direction marks, the soft hyphen and the
# byte-order mark, which hide inside a word ("scam\u200b.com", "Mar\u200bia").
INVISIBLE_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e"
                                  "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# A cell starting with one of these is run as a formula by spreadsheets (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Web addresses, checked on text folded by `fold_for_links`: a scheme ("http://", "https:\\"),
# "www.", or any label followed by a known top-level domain ("scam.shop", "scam.pw/x").
_SCHEME = re.compile(r"://|\b(?:https?|ftp|hxxps?)\s*:|\bwww\.")
_DOTTED = re.compile(r"[\w-]+(?:\.[\w-]*)+")
# Look-alikes of the dot that NFKC leaves alone: ideographic and halfwidth full stops, the
# stenographic one, and the "defanged" forms people write to slip past filters.
_DOTS = str.maketrans({"\u3002": ".", "\uff61": ".", "\u2e3c": ".", "\ufe12": "."})
_DEFANGED = re.compile(r"[\[({]\s*(?:\.|dot)\s*[\])}]")


def fold_for_links(text: str) -> str:
    """Text as a web address would read once a browser had it: compatibility forms (circled,
    full-width, bold letters; full-width dots) as plain ones (NFKC), case folded, invisible
    characters (zero-width, direction marks, soft hyphens: Unicode's format characters) and
    combining marks removed, dot look-alikes as dots, backslashes as slashes."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(c for c in unicodedata.normalize("NFD", text)
                   if unicodedata.category(c) not in ("Cf", "Mn"))
    text = _DEFANGED.sub(".", unicodedata.normalize("NFKC", text).translate(_DOTS))
    return text.replace("\\", "/")


def has_web_address(text: str) -> bool:
    """True when `text` holds something a browser or a mail reader would take for a web address:
    after folding, a scheme, "www.", or a label followed by a known top-level domain."""
    folded = fold_for_links(text)
    if _SCHEME.search(folded):
        return True
    for token in _DOTTED.findall(folded):
        labels = token.split(".")
        if any(labels[i - 1] and label in TLDS for i, label in enumerate(labels) if i):
            return True
    return False


def _known_tlds() -> frozenset[str]:
    """Every top-level domain of the Public Suffix List (the `publicsuffixlist` package's copy,
    pinned in requirements.txt), as folded text and in its ASCII (punycode) form."""
    from importlib.resources import files

    names = set()
    source = files("publicsuffixlist").joinpath("public_suffix_list.dat").read_text("utf-8")
    for line in source.splitlines():
        line = line.strip()
        if line and not line.startswith("//"):
            tld = line.rsplit(".", 1)[-1].lstrip("!*")
            if tld:
                names.add(fold_for_links(tld))
                try:
                    names.add(tld.encode("idna").decode("ascii"))
                except UnicodeError:
                    pass
    return frozenset(names)


# Data, read once when the module is imported (like a compiled pattern; it never changes).
TLDS = _known_tlds()


GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}


def canonical_email(email: str) -> str:
    """The form in which two addresses of one mailbox compare equal: case and spaces ignored,
    `+tags` dropped, and for Gmail the dots too (googlemail.com is gmail.com)."""
    local, _, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"
