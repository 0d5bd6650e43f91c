"""Helpers for the registry tests: images with hidden data, sending a report, reading mailed links."""
import io

from PIL import Image, PngImagePlugin
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.extensions import db
from app.models import Report
from tests.helpers import form, mail, mailed_link

PATHS = {
    "it": {"index": "/it/registro", "report": "/it/registro/segnala", "feed": "/it/registro/feed.atom",
           "group": "/it/registro/gruppo/"},
    "en": {"index": "/en/registry", "report": "/en/registry/report", "feed": "/en/registry/feed.atom",
           "group": "/en/registry/group/"},
}
CONFIRM_LINK = mailed_link("it/registro/conferma", "en/registry/confirm")
REPORTER_EMAIL = "reporter.secret@example.org"
REPORTER_NAME = "Giuseppina Segretissima"
GPS_IFD = 0x8825


def fetch(client, url: str, method: str = "GET", **kwargs):
    """A request as a browser makes it, redirects not followed (each request has a fresh `g`)."""
    return client.open(url, method=method, **kwargs)


def png_with_secrets(size=(40, 30), color=(200, 30, 30)) -> bytes:
    """A PNG carrying EXIF (camera, GPS position) and a text chunk with a script."""
    img = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "SpyCamMaker"  # Make
    exif[0x0131] = "SecretSoftware"  # Software
    exif[GPS_IFD] = {1: "N", 2: (45.0, 30.0, 15.0), 3: "E", 4: (9.0, 11.0, 0.0)}
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert('png')</script>")
    out = io.BytesIO()
    img.save(out, "PNG", exif=exif.tobytes(), pnginfo=info)
    return out.getvalue()


def jpeg_with_secrets(size=(40, 30)) -> bytes:
    """A JPEG carrying EXIF with a GPS position and a comment."""
    img = Image.new("RGB", size, (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SpyCamMaker"
    exif[GPS_IFD] = {1: "N", 2: (41.0, 54.0, 0.0), 3: "E", 4: (12.0, 29.0, 0.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes(), comment=b"<script>alert('jpg')</script>")
    return out.getvalue()


def plain_png(color=(0, 128, 0), size=(8, 8)) -> bytes:
    """A small PNG without metadata."""
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def report_data(**fields) -> dict:
    """A valid report form, with `fields` changed (None removes a field)."""
    data = {
        "name": "Cucina Povera Italiana",
        "facebook_url": "https://it-it.facebook.com/groups/CucinaPovera/permalink/123/?ref=share",
        "status": "hijacked", "crew": "shitarmy", "hijacked_on": "18/07/2014",
        "members_at_hijack": "12.000", "members_after": "300",
        "account": "Una mattina abbiamo trovato il gruppo rinominato.\n\nGli amministratori erano stati rimossi.",
        "evidence": "https://archive.org/web/123\nhttp://example.org/article",
        "reporter_name": REPORTER_NAME, "reporter_email": REPORTER_EMAIL,
        "reporter_role": "admin", "consent": "y",
    }
    return form(data, fields)


def send_report(client, lang: str = "it", files: list[tuple[bytes, str]] = (), headers=None, **fields):
    """Post the report form in `lang`, with screenshots given as (bytes, filename)."""
    values = MultiDict(report_data(**fields))
    for content, name in files:
        values.add("screenshots", FileStorage(io.BytesIO(content), filename=name,
                                              content_type="application/octet-stream"))
    # Encoded in memory: the test client's own encoder leaves a temporary file open for big bodies.
    boundary, body = encode_multipart(values)
    return fetch(client, PATHS[lang]["report"], "POST", data=body,
                 content_type=f"multipart/form-data; boundary={boundary}", headers=headers or {})


def last_link(smtp, address: str = REPORTER_EMAIL) -> str:
    """The path of the last confirmation link mailed to `address`."""
    return mail.last_link(smtp, address, CONFIRM_LINK)


def reports() -> list[Report]:
    """Every report row, fresh from the database."""
    db.session.expire_all()
    return list(db.session.scalars(select(Report).order_by(Report.id)))
