"""Registry pages: the searchable list, a page per group, the Atom feed, the report form and
the mailed confirmation link; screenshots that moderators published."""
import math


from flask import abort, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import format_decimal, gettext as _, ngettext

from app.extensions import client_ip, db, limiter
from app.formats import day, month
from app.i18n import current_lang, localized_route
from app.models import ReportStatus
from app.models.base import utcnow
from app.registry import bp, images, kept, reports, service
from app.models.registry import CREW_LABELS, ROLE_LABELS, STATUS_LABELS
from app.registry.forms import ConfirmForm, ReportForm
from app.security import MAILED_LINK_HEADERS, ip_hash, mailed_link_page, public
from app.urls import query_int

PER_PAGE = 25
STATUS_VALUES = {s.value for s in STATUS_LABELS}
CREW_VALUES = {c.value for c in CREW_LABELS}


@bp.app_template_filter("dayormonth")
def day_or_month(value: str | None) -> str:
    """An ISO day ('2014-07-18') or month ('2014-07') in the page's language."""
    parsed = service.parse_hijacked_on(value or "")
    if parsed is None:
        return ""
    return day(parsed) if len(value) == 10 else month(parsed)


@bp.context_processor
def labels():
    """Translated names of statuses, crews and roles for the registry's templates."""
    return {"status_labels": {k.value: v for k, v in STATUS_LABELS.items()},
            "crew_labels": {k.value: v for k, v in CREW_LABELS.items()},
            "role_labels": {k.value: v for k, v in ROLE_LABELS.items()},
            "source_2014": service.SOURCE_2014, "listed_2014": service.LISTED_2014}


def _sort_labels() -> dict[str, str]:
    """The sort options, translated."""
    return {
        "name": _("Name (A to Z)"), "-date": _("Date (newest first)"), "date": _("Date (oldest first)"),
        "-members": _("Most members first"), "members": _("Fewest members first"),
        "-added": _("Recently added"),
    }


def search_args() -> dict:
    """The search, filters and sort of the query string (unknown values fall back to none)."""
    sort = request.args.get("sort", "name")
    return {
        "q": request.args.get("q", "").strip()[:100],
        "status": request.args.get("status", ""),
        "crew": request.args.get("crew", ""),
        "sort": sort if sort in service.SORTS else "name",
    }


def query_args(args: dict) -> dict:
    """The non-default search arguments, for links that keep the search (pages, exports)."""
    return {k: v for k, v in args.items() if v and not (k == "sort" and v == "name")}


@localized_route(bp, {"it": "/registro", "en": "/registry"})
@public
def index():
    """The public registry: search, filters, sorting, totals and pages."""
    args = search_args()
    page = query_int("page", 1)
    figures = service.totals(args["q"], args["status"], args["crew"])
    groups, total = service.search_groups(page=page, per_page=PER_PAGE, total=figures["groups"], **args)
    pages = max(math.ceil(total / PER_PAGE), 1)
    if page > pages:
        abort(404)
    filtered = bool(args["q"] or args["status"] in STATUS_VALUES or args["crew"] in CREW_VALUES)
    return render_template(
        "registry/index.html", groups=groups, total=total, page=page, pages=pages, args=args,
        figures=figures, filtered=filtered,
        sort_labels=_sort_labels(), query=query_args(args),
    )


@localized_route(bp, {"it": "/registro/gruppo/<slug>", "en": "/registry/group/<slug>"})
@public
def group(slug: str):
    """One published group: facts, account, published evidence, timeline, signers, sign link."""
    found = service.group_by_slug(slug) or abort(404)
    account, account_lang = found.account(current_lang())
    links, shots = service.public_evidence(found)
    return render_template(
        "registry/group.html", group=found, account=account, account_lang=account_lang,
        links=links, shots=shots, admins=service.admin_signers(found),
        hijack_date=service.parse_hijacked_on(found.hijacked_on or ""),
    )


@bp.route("/registry/screenshots/<int:screenshot_id>")
def screenshot(screenshot_id: int):
    """A screenshot a moderator published (404 for any other: unpublished ones are /admin/'s)."""
    shot = service.public_screenshot(screenshot_id) or abort(404)
    path = images.screenshot_file(shot)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=shot.mimetype, max_age=3600, conditional=True)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@localized_route(bp, {"it": "/registro/feed.atom", "en": "/registry/feed.atom"})
@public
def feed():
    """Atom feed of the newest published groups, in the page's language."""
    lang = current_lang()
    entries = []
    for g in service.recent_published(50):
        account, account_lang = g.account(lang)
        facts = [str(STATUS_LABELS[g.status]), str(CREW_LABELS[g.crew])]
        if g.hijacked_on:
            facts.append(day_or_month(g.hijacked_on))
        if g.members_at_hijack is not None:
            facts.append(ngettext("%(count)s member", "%(count)s members", g.members_at_hijack,
                                  count=format_decimal(g.members_at_hijack)))
        summary = " · ".join(facts) + ("\n\n" + _truncate(account, 600) if account else "")
        entries.append((g, summary, account_lang))
    updated = max((g.published_at for g, _s, _l in entries), default=None) or utcnow()
    body = render_template("registry/feed.xml", entries=entries, updated=updated,
                           feed_title=_("Registry of hijacked groups: new entries"),
                           site_name=_("Dear Humanity"))
    return body, 200, {"Content-Type": "application/atom+xml; charset=utf-8"}


def _truncate(text: str, length: int) -> str:
    """At most `length` characters, cut at a word, with an ellipsis."""
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0] + "…"


def _report_limit() -> str:
    """The per-IP limit on report submissions (RATELIMIT_REPORT)."""
    return current_app.config["RATELIMIT_REPORT"]


@localized_route(bp, {"it": "/registro/segnala", "en": "/registry/report"}, methods=["GET", "POST"])
# Every POST counts, valid or not: each one may carry five screenshots to decode, and a flood of
# reports made to fail (no consent ticked) cost as much CPU as accepted ones.
@limiter.limit(_report_limit, methods=["POST"])
@public
def report():
    """The form to report a hijacked group; a valid report waits for the email confirmation.
    Its sender is sent on to the report's private status page (Post/Redirect/Get), which says
    "check your email" and is the page they can come back to; nothing goes in a cookie."""
    form = ReportForm(data=_prefill())
    if form.validate_on_submit():
        target = url_for("registry.report_sent")  # a bot: the plain page, and nothing is stored
        if not form.is_bot():
            new, status_token = reports.submit_report(form.report_data(), form.evidence_urls,
                                                      form.clean_images, current_lang(), ip_hash(client_ip()))
            with reports.files_gone_on_failure(new):
                db.session.commit()
            target = url_for("registry.status", token=status_token)
        kept.discard(form.kept.data)
        response = redirect(target, 303)
        response.headers.update(MAILED_LINK_HEADERS)  # the next address holds a private token
        return response
    if form.errors and not form.is_bot():
        # The browser will not send the files again: keep the accepted ones for the next try.
        images, names = form.to_keep()
        form.kept.data = kept.keep(images, names, form.kept.data)
        form.kept_names = names if form.kept.data else []
        form.drop_kept.data = False  # what was dropped is gone; what is kept now is new
    status = 422 if form.errors else 200
    return render_template("registry/report.html", form=form), status


@localized_route(bp, {"it": "/registro/segnala/inviata", "en": "/registry/report/sent"})
@public
def report_sent():
    """Check your mail: the same page for everyone (a report's sender lands on its status page)."""
    return render_template("registry/report_sent.html", days=reports.confirm_days())


@localized_route(bp, {"it": "/registro/segnala/stato/<token>", "en": "/registry/report/status/<token>"})
def status(token: str):
    """A report's private status page, from the link its sender got by mail and on screen:
    received, waiting for review, published (with its entry) or not published. It shows only
    what they sent about the group, never their name or address."""
    found = reports.report_for_status(token)
    if found is None:
        return mailed_link_page("registry/link_invalid.html", 404, expired=False, status_link=True,
                                days=reports.confirm_days())
    stage = reports.report_stage(found)
    return mailed_link_page(
        "registry/status.html", report=found, stage=stage, entry=reports.published_entry(found),
        expired=stage == "received" and reports.link_expired(found), days=reports.confirm_days(),
        status_url=url_for("registry.status", token=token, _external=True))


def _prefill() -> dict | None:
    """On "send more information" from a group's page: its name and address, already filled."""
    slug = request.args.get("group") if request.method == "GET" else None
    known = service.group_by_slug(slug) if slug else None
    return {"name": known.name, "facebook_url": known.facebook_url or ""} if known else None


@localized_route(bp, {"it": "/registro/conferma/<token>", "en": "/registry/confirm/<token>"},
                 methods=["GET", "POST"])
def confirm(token: str):
    """Confirm a report with a button (mail scanners open links, they do not press buttons)."""
    found = reports.report_for_token(token)
    if found is None:
        return mailed_link_page("registry/link_invalid.html", 404, expired=False)
    if found.status == ReportStatus.pending_email and reports.link_expired(found):
        return mailed_link_page("registry/link_invalid.html", 404, expired=True)
    form = ConfirmForm()
    if form.validate_on_submit():
        if reports.confirm_and_notify(found):
            db.session.commit()
        return mailed_link_page("registry/confirmed.html", report=found)
    already = found.status != ReportStatus.pending_email
    return mailed_link_page("registry/confirm.html", form=form, report=found, already=already)
