"""Screenshots sent with a report: re-encoded from their pixels alone, stored under UPLOADS_DIR.

Decoding is bounded: the pixel count is read from the file's header and checked against
IMAGE_MAX_PIXELS before any pixel is decoded (a 154 kB PNG can hold 40 megapixels, 700 MB once
decoded), and at most IMAGE_DECODE_CONCURRENCY images are decoded at once in a worker."""
import io
import secrets
import threading
import warnings
from pathlib import Path

from flask import Flask, current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from app.models import Screenshot
from app.registry import bp

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 4096 * 8192  # the default of IMAGE_MAX_PIXELS: a tall phone screenshot passes


class BadImage(ValueError):
    """Not a PNG or JPEG we accept; the message is a code: "type", "size", "pixels" or "busy"."""


@bp.record_once
def _decoding_slots(state) -> None:
    """One semaphore per app (so per worker process): the images being decoded at once. It is a
    limit, not a cache: it keeps no data."""
    app: Flask = state.app
    app.extensions["image_decoding"] = threading.BoundedSemaphore(app.config["IMAGE_DECODE_CONCURRENCY"])


class CleanImage:
    """An uploaded screenshot re-encoded from its pixels alone (no EXIF, GPS, text chunks, ICC
    profile or anything else the file carried)."""

    def __init__(self, data: bytes, fmt: str, width: int, height: int):
        self.data, self.format, self.width, self.height = data, fmt, width, height

    @property
    def mimetype(self) -> str:
        """The MIME type of the re-encoded file."""
        return "image/png" if self.format == "PNG" else "image/jpeg"

    def save(self) -> dict:
        """Write the file under UPLOADS_DIR with a random name; the Screenshot columns.
        The caller removes the file (`remove_files`) if its transaction fails."""
        ext = "png" if self.format == "PNG" else "jpg"
        relative = f"screenshots/{secrets.token_hex(16)}.{ext}"
        target = uploads_dir() / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(self.data)
        return {"path": relative, "mimetype": self.mimetype, "width": self.width,
                "height": self.height, "size_bytes": len(self.data)}


def uploads_dir() -> Path:
    """Where uploaded files live (never under static/)."""
    return Path(current_app.config["UPLOADS_DIR"])


def screenshot_file(screenshot: Screenshot) -> Path:
    """Where a screenshot's (re-encoded) file is on disk."""
    return uploads_dir() / screenshot.path


def remove_files(relative_paths) -> None:
    """Delete these files under UPLOADS_DIR (those already gone are fine)."""
    for relative in relative_paths:
        (uploads_dir() / relative).unlink(missing_ok=True)


def clean_image(stream) -> CleanImage:
    """Read an uploaded PNG or JPEG (at most 5 MB) and re-encode its pixels only, waiting for
    a decoding slot of this worker (BadImage("busy") if none frees up in IMAGE_DECODE_WAIT s)."""
    data = stream.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise BadImage("size")
    slots = current_app.extensions["image_decoding"]
    if not slots.acquire(timeout=current_app.config["IMAGE_DECODE_WAIT"]):
        raise BadImage("busy")
    try:
        return _reencode(data, current_app.config["IMAGE_MAX_PIXELS"])
    finally:
        slots.release()


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """The image's header only (Pillow decodes nothing yet), refused past `max_pixels`.
    Pillow's own bomb check would call a huge image "not an image" (its error) or only warn:
    ours comes first, with the right message."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data), formats=("PNG", "JPEG"))
        except Image.DecompressionBombError:
            raise BadImage("pixels") from None
    if img.width * img.height > max_pixels:
        img.close()
        raise BadImage("pixels")
    return img


def _reencode(data: bytes, max_pixels: int) -> CleanImage:
    """Decode a PNG or JPEG of at most `max_pixels` and re-encode its pixels alone."""
    try:
        with _open(data, max_pixels) as img:
            if img.format not in ("PNG", "JPEG"):
                raise BadImage("type")
            fmt = img.format
            img.load()
            # Keep the picture the right way up, since its EXIF orientation goes away.
            img = ImageOps.exif_transpose(img)
            if fmt == "JPEG":
                img = img.convert("RGB")
            elif img.mode not in ("RGB", "RGBA", "L", "LA"):
                img = img.convert("RGBA")
            # A new image from the raw pixels: nothing else of the upload survives.
            pixels = Image.frombytes(img.mode, img.size, img.tobytes())
    except BadImage:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise BadImage("type") from None
    out = io.BytesIO()
    if fmt == "PNG":
        pixels.save(out, "PNG", optimize=True)
    else:
        pixels.save(out, "JPEG", quality=90, optimize=True)
    return CleanImage(out.getvalue(), fmt, pixels.width, pixels.height)
