"""The press room page and its downloads (/it/stampa/…, /en/press/…; see docs/press.md)."""
from flask import abort, render_template, request, send_file

from app import stats
from app.i18n import current_lang, localized_route
from app.letter.facts import FACTS_2014, LETTER_DATE
from app.letter.service import current_letter
from app.press import bp, service
from app.security import public

# Downloads may be cached briefly by browsers and proxies, then revalidated with the ETag.
MAX_AGE = 60


@localized_route(bp, {"it": "/stampa", "en": "/press"})
@public
def index():
    """The press room: figures with their date, the story, the downloads, how to cite, contact."""
    lang = current_lang()
    letter = current_letter(lang)
    if letter is None:
        abort(503, "The letter is not loaded yet: run `flask --app wsgi seed`.")
    edition = service.current_edition()
    downloads = []
    for doc_id in service.LISTED:
        downloads.append({"doc": service.DOCS[doc_id], "url": service.url_of(doc_id, lang),
                          "stored": service.on_disk(doc_id, edition)})
    # Missing files are rendered by the mail sender (app.worker) or by their first download.
    stale = any(d["stored"] is None or not d["stored"].current for d in downloads)
    return render_template("press/index.html", letter=letter, stats=stats.figures(), edition=edition,
                           downloads=downloads, stale=stale, format_size=service.human_size,
                           facts_2014=FACTS_2014, letter_date=LETTER_DATE,
                           from_letter=service.groups_from_letter())


@localized_route(bp, {"it": "/dati-aperti", "en": "/open-data"})
def open_data():
    """The open data API for people: addresses, parameters, fields, licences, examples."""
    from app.api.groups import DATA_LICENCE, DEFAULT_PER_PAGE, MAX_PER_PAGE
    from app.registry.service import CSV_COLUMNS, SORTS

    return render_template("press/open_data.html", columns=CSV_COLUMNS, sorts=SORTS,
                           default_per_page=DEFAULT_PER_PAGE, max_per_page=MAX_PER_PAGE,
                           data_licence=DATA_LICENCE)


@localized_route(bp, {"it": "/stampa/<slug>", "en": "/press/<slug>"})
@public
def document(slug: str):
    """One document of the current edition, from disk, with ETag (its SHA-256) and
    Last-Modified, so a repeated request answers 304 Not Modified."""
    doc_id = service.SLUGS[current_lang()].get(slug)
    if doc_id is None:
        abort(404)
    try:
        stored = service.rendered(doc_id, site=request.host_url)  # used only without SITE_URL
    except service.NotReady:
        abort(503, "The letter is not loaded yet: run `flask --app wsgi seed`.")
    doc = stored.doc
    response = send_file(
        stored.path, mimetype=doc.mimetype, download_name=doc.download_name(current_lang()),
        as_attachment=doc.kind == "zip", conditional=True, etag=stored.sha256,
        last_modified=stored.modified, max_age=MAX_AGE,
    )
    response.headers["X-Statement-Edition"] = stored.edition
    return response

