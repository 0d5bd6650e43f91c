"""Screenshots kept across a failed report submission.

A browser never sends a file twice, so when the report form comes back with an error, the
screenshots it accepted (already re-encoded) are kept on the server under a random id for an
hour, and the form carries only that id. They live in UPLOADS_DIR (shared by every instance,
never under static/), no route serves them, and they go when the report is sent, when the hour
is up, or with `flask purge`."""
import json
import re
import secrets
import shutil
import time

from app.registry.images import CleanImage, uploads_dir

KEEP_SECONDS = 3600
_ID = re.compile(r"[A-Za-z0-9_-]{22}")  # secrets.token_urlsafe(16)
_META = "meta.json"


def _folder(kept_id: str):
    """The folder of a kept id, or None when the id is not one we could have made (so a
    forged id can never name a path outside kept/)."""
    if not isinstance(kept_id, str) or not _ID.fullmatch(kept_id):
        return None
    return uploads_dir() / "kept" / kept_id


def _read_meta(folder) -> dict | None:
    """A kept folder's description, or None if absent, unreadable or older than the hour."""
    try:
        meta = json.loads((folder / _META).read_text(encoding="utf-8"))
        if time.time() - float(meta["created"]) > KEEP_SECONDS:
            return None
        return meta
    except (OSError, ValueError, KeyError, TypeError):
        return None


def keep(images: list[CleanImage], names: list[str], kept_id: str | None = None) -> str | None:
    """Keep these re-encoded screenshots (with the file names the sender chose, for display);
    returns their id, or None when there is nothing to keep. Keeping again under the same id
    replaces what was kept, and starts the hour again."""
    discard(kept_id)
    sweep()
    if not images:
        return None
    kept_id = secrets.token_urlsafe(16)
    folder = _folder(kept_id)
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for position, (image, name) in enumerate(zip(images, names, strict=True)):
        filename = f"{position}.{'png' if image.format == 'PNG' else 'jpg'}"
        (folder / filename).write_bytes(image.data)
        files.append({"file": filename, "name": (name or "")[:80], "format": image.format,
                      "width": image.width, "height": image.height})
    (folder / _META).write_text(json.dumps({"created": time.time(), "files": files}), encoding="utf-8")
    return kept_id


def load(kept_id: str | None) -> list[tuple[CleanImage, str]]:
    """The screenshots kept under `kept_id` as (image, file name); empty when the id is
    unknown, forged or expired."""
    folder = _folder(kept_id) if kept_id else None
    meta = _read_meta(folder) if folder else None
    if meta is None:
        return []
    kept = []
    for entry in meta["files"]:
        try:
            data = (folder / entry["file"]).read_bytes()
        except (OSError, KeyError):
            return []
        kept.append((CleanImage(data, entry["format"], entry["width"], entry["height"]), entry["name"]))
    return kept


def discard(kept_id: str | None) -> None:
    """Forget the screenshots kept under `kept_id` (sent with a report, or replaced)."""
    folder = _folder(kept_id) if kept_id else None
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def sweep() -> int:
    """Remove whatever was kept more than an hour ago; returns how many sets went."""
    root = uploads_dir() / "kept"
    if not root.is_dir():
        return 0
    removed = 0
    for folder in root.iterdir():
        if folder.is_dir() and _read_meta(folder) is None and _older_than_hour(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def _older_than_hour(folder) -> bool:
    """Whether a folder was last written more than an hour ago (a set whose description is
    missing is one being written right now, or a broken one that may go)."""
    try:
        return time.time() - folder.stat().st_mtime > KEEP_SECONDS
    except OSError:
        return False
