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
