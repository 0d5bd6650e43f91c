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


# Control characters (except tab, newline and carriage return, which multi-line fields keep and
# single-line filters collapse) and bidirectional overrides/isolates: they can disguise what a
# public page or list shows (e.g. U+202E turns "gnp.exe" around).
HIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# A cell starting with one of these is run as a formula by spreadsheets (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Something that looks like a web address: "http://…", "www.…", or "something.tld".
URLISH = re.compile(r"(://|\bwww\.|\b[\w-]+\.(com|net|org|info|biz|io|co|it|eu|ru|me|ly|xyz|link|site"
                    r"|online|top|click|app|tk|ml|ga|cf|gq)\b)", re.IGNORECASE)
