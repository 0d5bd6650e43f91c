"""What the registry keeps and for how long (purge, IP hashes, screenshot files), slugs under a
race, the admin signers count, and numbers in the reader's language."""
import html
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models import Crew, Group, GroupStatus, ReportStatus
from app.models.base import utcnow
from app.models.petition import Signature, SignatureStatus
from app.registry import moderation, service
from app.registry.reports import purge_reports
from app.text import slugify
from tests.helpers.registry import fetch, last_link, plain_png, reports, send_report


def uploaded_files(app) -> list[Path]:
    """Every file under UPLOADS_DIR."""
    root = Path(app.config["UPLOADS_DIR"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _failing_commit(*args, **kwargs):
    """A commit that the database refuses."""
    raise OperationalError("COMMIT", {}, Exception("database is down"))


# --- IP hashes go after 30 days, and `purge_reports` is the registry's part of `flask purge` ---

def test_purge_reports_drops_ip_hashes_older_than_30_days(app, client, smtp, runner):
    send_report(client, "it")
    send_report(client, "en", name="Fresh one", reporter_email="fresh@example.org")
    for address in ("reporter.secret@example.org", "fresh@example.org"):
        fetch(client, last_link(smtp, address), "POST")  # confirmed: not purged as unconfirmed
    old, fresh = reports()
    assert old.ip_hash and fresh.ip_hash
    old.created_at = utcnow() - timedelta(days=31)
    fresh.created_at = utcnow() - timedelta(days=29)
    db.session.commit()

    assert purge_reports() == {"reports_deleted": 0, "ip_hashes_dropped": 1}
    old, fresh = reports()
    assert old.ip_hash is None and fresh.ip_hash is not None
    assert old.status == ReportStatus.queued  # the report itself stays
    # Later, the fresh one's hash goes too; the command line says so.
    assert purge_reports(now=utcnow() + timedelta(days=2)) == {
        "reports_deleted": 0, "ip_hashes_dropped": 1}
    assert reports()[1].ip_hash is None
    result = runner.invoke(args=["purge"])
    assert "unconfirmed reports deleted: 0; IP hashes dropped: 0" in result.output


# --- Screenshot files: never left behind by a failed commit, never lost before one ------------

def test_a_failed_commit_leaves_no_screenshot_files(app, client, monkeypatch):
    monkeypatch.setattr(db.session, "commit", _failing_commit)
    try:
        response = send_report(client, "en", files=[(plain_png(), "a.png"), (plain_png(), "b.png")])
    except OperationalError:
        pass  # the test app lets the exception through; in production it is a 500 page
    else:
        assert response.status_code == 500
    monkeypatch.undo()
    assert reports() == []
    assert uploaded_files(app) == []


def test_purge_deletes_files_only_once_the_deletion_is_committed(app, client, smtp, monkeypatch):
    send_report(client, "it", files=[(plain_png(), "a.png")])
    [report] = reports()
    path = Path(app.config["UPLOADS_DIR"]) / report.screenshots[0].path
    report.created_at = utcnow() - timedelta(days=8)
    db.session.commit()

    monkeypatch.setattr(db.session, "commit", _failing_commit)
    with pytest.raises(OperationalError):
        purge_reports()
    monkeypatch.undo()
    db.session.rollback()
    assert path.is_file() and len(reports()) == 1  # the row is still there, so is its file

    assert purge_reports()["reports_deleted"] == 1
    assert not path.exists() and reports() == []


# --- Slugs: the unique constraint decides, a collision takes the next one -----------------------

def _group(slug: str, url: str) -> Group:
    """A published group with this slug and Facebook address."""
    return Group(slug=slug, name=slug, name_folded=slug, facebook_url=url, status=GroupStatus.hijacked,
                 crew=Crew.unknown, published=True, published_at=utcnow())


def test_a_slug_taken_at_the_same_moment_gets_the_next_suffix(app, client, smtp, monkeypatch):
    send_report(client, "en")
    fetch(client, last_link(smtp), "POST")
    # Another moderator published groups with the same name between our check and our insert:
    # the check saw nothing (it ran before their commits).
    db.session.add_all([_group("cucina-povera-italiana", "https://www.facebook.com/groups/a"),
                        _group("cucina-povera-italiana-2", "https://www.facebook.com/groups/b")])
    db.session.commit()
    monkeypatch.setattr(moderation, "unique_slug", slugify)

    group = moderation.publish_report(reports()[0], {})
    db.session.commit()
    assert group.slug == "cucina-povera-italiana-3"
    assert group.facebook_url == "https://www.facebook.com/groups/cucinapovera"
    assert fetch(client, "/en/registry/group/cucina-povera-italiana-3").status_code == 200


def test_a_taken_facebook_url_still_asks_to_merge(app, client, smtp):
    send_report(client, "en")
    fetch(client, last_link(smtp), "POST")
    other = _group("other", "https://www.facebook.com/groups/cucinapovera")
    db.session.add(other)
    db.session.commit()
    with pytest.raises(moderation.DuplicateGroupError) as caught:
        moderation.publish_report(reports()[0], {})
    assert caught.value.group.id == other.id


# --- Signers who were a group's admins -------------------------------------------------------

def _signature(n: int, group_id: int | None, status=SignatureStatus.confirmed, suspect=False) -> Signature:
    """A signature by an admin of `group_id`."""
    return Signature(name=f"Admin {n}", email=f"a{n}@example.org", email_canonical=f"a{n}@example.org",
                     lang="it", is_admin=group_id is not None, group_id=group_id, status=status,
                     suspect=suspect, expires_at=utcnow() + timedelta(days=7),
                     confirmed_at=utcnow() if status == SignatureStatus.confirmed else None)


@pytest.mark.parametrize("path, label", [
    ("/it/registro/gruppo/cucina", "Firmatari che ne erano amministratori"),
    ("/en/registry/group/cucina", "Signers who were its admins"),
])
def test_group_page_counts_confirmed_not_suspect_admin_signers(app, client, path, label):
    group, other = _group("cucina", "https://www.facebook.com/groups/c"), _group("altro", None)
    db.session.add_all([group, other])
    db.session.flush()
    db.session.add_all([
        _signature(1, group.id), _signature(2, group.id),
        _signature(3, group.id, status=SignatureStatus.pending),  # not confirmed
        _signature(4, group.id, suspect=True),  # over the rate limit: not counted
        _signature(5, other.id), _signature(6, None),
    ])
    db.session.commit()
    assert service.admin_signers(group) == 2
    page = html.unescape(fetch(client, path).get_data(as_text=True))
    assert f"<dt>{label}</dt><dd>2</dd>" in page


# --- Numbers with the reader's grouping --------------------------------------------------------

@pytest.mark.parametrize("path, found, unknown", [
    ("/it/registro", "1.001 gruppi trovati.", "(1.001 gruppi senza numero di iscritti)"),
    ("/en/registry", "1,001 groups found.", "(1,001 groups without a member count)"),
])
def test_counts_on_the_registry_use_the_languages_grouping(app, client, path, found, unknown):
    now = utcnow()
    db.session.execute(insert(Group), [
        {"slug": f"g-{i}", "name": f"Gruppo {i}", "name_folded": f"gruppo {i}",
         "status": GroupStatus.hijacked, "crew": Crew.unknown, "published": True, "published_at": now,
         "source": "report", "account_it": "", "account_en": "", "created_at": now, "updated_at": now}
        for i in range(1001)])
    db.session.commit()
    page = html.unescape(fetch(client, path).get_data(as_text=True))
    assert found in page and unknown in page
    assert "1001" not in page
