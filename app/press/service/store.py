"""The press documents on disk: one folder per edition under DOCUMENTS_DIR/press, files written
atomically, served with their SHA-256; a lock file per document so that each is rendered once,
and a download never waits for a render in progress when an earlier edition can be served.
New editions are rendered by the mail sender (`render_missing`), or by the first download."""
import fcntl
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from flask_babel import format_decimal, gettext as _

from app.press.service import renderers
from app.press.service.catalogue import DOCS, KEEP_EDITIONS, Doc, Edition, current_edition, state

@dataclass(frozen=True)
class Stored:
    """A document as it is on disk: where, how big, its SHA-256, when and for which edition."""

    doc: Doc
    path: Path
    size: int
    sha256: str
    modified: datetime
    edition: str
    current: bool  # of the current edition (False: a previous one, while the new one renders)


def root_dir() -> Path:
    """Where the press documents live: DOCUMENTS_DIR/press."""
    return Path(current_app.config["DOCUMENTS_DIR"]) / "press"


def _path(edition_key: str, doc: Doc) -> Path:
    """Where `doc` of an edition is kept."""
    return root_dir() / edition_key / doc.filename


def stored_file(path: Path, doc: Doc, edition_key: str, current: bool) -> Stored:
    """Size, SHA-256 and time of a document file (the digest is cached per file version)."""
    st = path.stat()
    cache_key = (str(path), st.st_mtime_ns, st.st_size)
    digests = state()["digests"]
    digest = digests.get(cache_key)
    if digest is None:
        digest = file_sha256(path)
        if len(digests) > 1000:  # old editions' files: forget them all, recompute on demand
            digests.clear()
        digests[cache_key] = digest
    return Stored(doc, path, st.st_size, digest, datetime.fromtimestamp(st.st_mtime, UTC),
                  edition_key, current)


def human_size(size: int) -> str:
    """A file size for people, in the current locale: "532 byte", "48,3 kB", "1,2 MB"."""
    if size < 1000:
        return _("%(num)s bytes", num=format_decimal(size))
    if size < 1000 * 1000:
        return _("%(num)s kB", num=format_decimal(size / 1000, format="#,##0.0"))
    return _("%(num)s MB", num=format_decimal(size / 1000 / 1000, format="#,##0.0"))


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _previous(doc: Doc, edition_key: str) -> Stored | None:
    """The newest copy of `doc` from another edition, if any is on disk."""
    root = root_dir()
    if not root.is_dir():
        return None
    candidates = []
    for folder in root.iterdir():
        path = folder / doc.filename
        if folder.name != edition_key and path.is_file():
            candidates.append((path.stat().st_mtime_ns, folder.name, path))
    if not candidates:
        return None
    _, key, path = max(candidates)
    return stored_file(path, doc, key, current=False)


def on_disk(doc_id: str, edition: Edition | None = None) -> Stored | None:
    """The document as it is on disk now, without rendering: this edition's, else the latest
    previous one, else None."""
    edition = edition or current_edition()
    doc = DOCS[doc_id]
    path = _path(edition.key, doc)
    if path.is_file():
        return stored_file(path, doc, edition.key, current=True)
    return _previous(doc, edition.key)


class Busy(Exception):
    """Another request is rendering a document that this render needs."""


def rendered(doc_id: str, edition: Edition | None = None, allow_previous: bool = True,
        wait: bool = True, site: str = "") -> Stored:
    """The document to serve: this edition's (rendering it if nobody else is), or, while another
    request renders it, the previous edition's; waits only when there is nothing on disk at all
    (or when `allow_previous` is False: the press kit needs this edition's files; with `wait`
    False it raises Busy instead of waiting). `site`: the address a render falls back on when
    SITE_URL is empty (renderers.site_url)."""
    edition = edition or current_edition()
    doc = DOCS[doc_id]
    target = _path(edition.key, doc)
    if target.is_file():
        return stored_file(target, doc, edition.key, current=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_name(f".{doc.filename}.lock"), "a+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            previous = _previous(doc, edition.key) if allow_previous else None
            if previous is not None:
                return previous
            if not wait:
                raise Busy(doc.id) from None
            fcntl.flock(lock, fcntl.LOCK_EX)  # nothing to serve: wait for the other render
        try:
            if not target.is_file():  # the other render may have finished meanwhile
                generated = renderers.now()
                if doc.kind == "zip":
                    # A kit download serves the previous kit rather than wait for a document
                    # that another request is rendering; the first kit ever waits.
                    may_skip = allow_previous and _previous(doc, edition.key) is not None
                    data = renderers.render_zip(doc, edition, generated, wait=not may_skip, site=site)
                else:
                    data = renderers.RENDERERS[doc.kind](doc, edition, generated, site)
                _write_atomic(target, data, generated)
                _prune(edition.key)
        except Busy:
            previous = _previous(doc, edition.key) if allow_previous else None
            if previous is None:
                raise
            return previous
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return stored_file(target, doc, edition.key, current=True)


def _write_atomic(target: Path, data: bytes, generated: datetime) -> None:
    """Write to a temporary file and rename, so a reader never sees half a document. The file's
    time is the generation time the document states (Last-Modified, and the page, show it)."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        stamp = generated.timestamp()
        os.utime(tmp, (stamp, stamp))
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _prune(current_key: str) -> None:
    """Delete all but the KEEP_EDITIONS newest editions (never the current one)."""
    folders = sorted((f for f in root_dir().iterdir() if f.is_dir()),
                     key=lambda f: f.stat().st_mtime_ns, reverse=True)
    for folder in folders[KEEP_EDITIONS:]:
        if folder.name != current_key:
            shutil.rmtree(folder, ignore_errors=True)


def render_all(edition: Edition | None = None) -> list[Stored]:
    """Every document of the edition, rendering those not on disk yet (`flask press-render`)."""
    edition = edition or current_edition()
    order = [d for d in DOCS if d != "press-kit.zip"] + ["press-kit.zip"]
    return [rendered(doc_id, edition, allow_previous=False) for doc_id in order]


def render_missing(edition: Edition | None = None) -> int:
    """Render the documents of the edition that are not on disk yet, skipping any that another
    process is rendering right now; how many were rendered. The mail sender calls it (never a
    web worker: see app.worker), so that the press room lists every file with its SHA-256
    soon after the content changed."""
    edition = edition or current_edition()
    count = 0
    for doc_id in [d for d in DOCS if d != "press-kit.zip"] + ["press-kit.zip"]:
        if _path(edition.key, DOCS[doc_id]).is_file():
            continue
        try:
            rendered(doc_id, edition, allow_previous=False, wait=False)
        except Busy:  # another sender has it (or a download): it will be there
            continue
        count += 1
    return count
