"""The glossary holds (docs/glossary.md): one term per concept and the house typography, in both
catalogs and in every page and mail template. The banned variants come from
docs/glossary-banned.toml; the letter is never checked (it is quoted as written)."""
import functools
import re
import tomllib
from pathlib import Path

from tests.helpers.words import catalog, strings

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
TAG = re.compile(r"<[^>]*>")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)
JINJA_BLOCK = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\'')


@functools.cache
def terms():
    """The glossary's banned variants, compiled: [(lang, use, [regex], [exception])]."""
    data = tomllib.loads((ROOT / "docs" / "glossary-banned.toml").read_text(encoding="utf-8"))
    out = []
    for term in data["term"]:
        flags = 0 if term.get("case") else re.I
        out.append((term["lang"], term["use"], [re.compile(p, flags) for p in term["banned"]],
                    term.get("exceptions", [])))
    return out


def catalog_texts(lang):
    """(where, text) for every message of `lang`'s catalog, HTML tags removed."""
    for message in catalog(lang):
        if not message.id:
            continue
        for text in strings(message, lang):
            yield f"{lang} catalog, msgid {message.id!r}", PLACEHOLDER.sub("", TAG.sub("", text))


def template_lang(path: Path) -> str | None:
    """'it' or 'en' for a language's own template (name.it.html), None for a shared one."""
    parts = path.name.split(".")
    return parts[-2] if len(parts) >= 3 and parts[-2] in ("it", "en") else None


def page_and_mail_templates():
    """Every template a visitor or a moderator reads: pages, partials, mails, feeds, documents."""
    for path in sorted(TEMPLATES.rglob("*")):
        if path.is_file() and path.suffix in (".html", ".txt", ".xml", ".md", ".svg"):
            yield path


def template_texts(path: Path):
    """(line number, prose, literals) per line: the text outside Jinja blocks and HTML tags, and
    the string literals inside Jinja blocks (msgids in shared templates, words in mails)."""
    source = JINJA_COMMENT.sub(lambda m: "\n" * m.group().count("\n"), path.read_text(encoding="utf-8"))
    # Blocks spanning lines (a mail's {% set reasons = {…} %}): their literals, then blanked.
    for block in JINJA_BLOCK.findall(source):
        if "\n" in block:
            yield 0, "", [a or b for a, b in LITERAL.findall(block)]
    source = JINJA_BLOCK.sub(lambda m: "\n" * m.group().count("\n") if "\n" in m.group() else m.group(),
                             source)
    for number, line in enumerate(source.splitlines(), 1):
        literals = []
        for block in JINJA_BLOCK.findall(line):
            literals += [a or b for a, b in LITERAL.findall(block)]
        prose = TAG.sub(" ", JINJA_BLOCK.sub(" ", line))
        yield number, prose, literals


def banned_hits(text, lang):
    """The glossary's words for each banned variant found in `text` (a reader of `lang`)."""
    hits = []
    for term_lang, use, patterns, exceptions in terms():
        if term_lang != lang:
            continue
        checked = text
        for exception in exceptions:
            checked = checked.replace(exception, " ")
        for pattern in patterns:
            found = pattern.search(checked)
            if found:
                hits.append(f"“{found.group()}” (use: {use})")
    return hits


STRAIGHT = re.compile(r"['\"]")


def test_no_banned_variant_in_either_catalog():
    problems = [f"{where}: {hit}" for lang in ("it", "en") for where, text in catalog_texts(lang)
                for hit in banned_hits(text, lang)]
    assert problems == [], "see docs/glossary.md:\n" + "\n".join(problems)


def test_no_banned_variant_in_page_and_mail_templates():
    problems = []
    for path in page_and_mail_templates():
        # A shared template's words are English msgids (the Italian ones are in the catalog).
        lang = template_lang(path) or "en"
        for number, prose, literals in template_texts(path):
            for text in [prose, *literals]:
                problems += [f"{path.relative_to(ROOT)}:{number}: {hit}" for hit in banned_hits(text, lang)]
    assert problems == [], "see docs/glossary.md:\n" + "\n".join(problems)


def test_no_straight_apostrophe_or_quote_in_either_catalog():
    """Italian and English messages use ’ and “ ” (HTML attributes inside a message are fine)."""
    problems = [f"{where}: {text!r}" for lang in ("it", "en") for where, text in catalog_texts(lang)
                if STRAIGHT.search(text)]
    assert problems == [], "use ’ and “ ” (docs/glossary.md):\n" + "\n".join(problems)


def test_no_straight_apostrophe_or_quote_in_italian_and_english_templates():
    """A language's own pages and mails (name.it.html, name.en.txt) use ’ and “ ” in their
    prose and in the words inside Jinja blocks (a mail's reasons)."""
    problems = []
    for path in page_and_mail_templates():
        if template_lang(path) is None:
            continue
        for number, prose, literals in template_texts(path):
            if STRAIGHT.search(prose):
                problems.append(f"{path.relative_to(ROOT)}:{number}: {prose.strip()!r}")
            problems += [f"{path.relative_to(ROOT)}:{number}: {text!r}" for text in literals
                         if STRAIGHT.search(text)]
    assert problems == [], "use ’ and “ ” (docs/glossary.md):\n" + "\n".join(problems)


def test_the_checks_catch_what_they_are_for():
    """A check that cannot fail is a defect: each kind of slip is caught, quotations are not."""
    assert banned_hits("Registro dei gruppi rubati", "it")
    assert banned_hits("La crew che li ha presi", "it")
    assert banned_hits("Report a stolen group", "en")
    assert banned_hits("Sii il primo!", "it")
    assert banned_hits("You can’t", "en")
    assert not banned_hits("Elenco parziale di gruppi su Facebook carpiti da Shitstorm e Nameless", "it")
    assert not banned_hits("Registro dei gruppi dirottati", "it")
    assert STRAIGHT.search(TAG.sub("", "Leggi l'<a href=\"x\">informativa</a>"))
    assert not STRAIGHT.search(TAG.sub("", "Leggi l’<a href=\"x\">informativa</a>"))


def test_every_mail_is_signed_once_by_the_coalition_and_greets_as_the_glossary_says(app):
    """Rendered as the sender renders them: one sign-off (not the bare "Dear Humanity", which
    reads like the start of a letter), and in English a capital after "Hello Maria,"."""
    from app.outbox import render

    sign_off = {"it": "— La coalizione “Cara Umanità”", "en": "— The “Dear Humanity” coalition"}
    context = {"name": "Maria", "group_name": "Gruppo", "days": 7, "reason": "other", "message": "",
               "existing": False}
    with app.test_request_context():
        for path in sorted((TEMPLATES / "email").glob("*.*.txt")):
            template, lang = path.name.split(".")[0], template_lang(path)
            _, body, _ = render(template, lang, context)
            lines = [line for line in body.strip().splitlines() if line.strip()]
            assert lines[-1] == sign_off[lang] and body.count(sign_off[lang]) == 1, path.name
            assert "Dear Humanity\n" not in body + "\n" and "Cara Umanità\n" not in body + "\n", path.name
            if lang == "en" and lines[0].startswith("Hello"):
                assert lines[1][0].isupper(), (path.name, lines[1])
            if template == "report_rejected":
                assert "note below" not in body and "nota del moderatore qui sotto" not in body, path.name
