"""Screenshots sent with a report: re-encoded from their pixels alone, stored under UPLOADS_DIR."""
import io
import secrets
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from app.models import Screenshot

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 5 MB PNG can decompress to gigabytes: refuse before decoding


class BadImage(ValueError):
    """Not a PNG or JPEG we accept; the message is a code: "type", "size" or "pixels"."""


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
    """Read an uploaded PNG or JPEG (at most 5 MB) and re-encode its pixels only."""
    data = stream.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise BadImage("size")
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in ("PNG", "JPEG"):
                raise BadImage("type")
            if img.width * img.height > MAX_PIXELS:
                raise BadImage("pixels")
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
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise BadImage("type") from None
    out = io.BytesIO()
    if fmt == "PNG":
        pixels.save(out, "PNG", optimize=True)
    else:
        pixels.save(out, "JPEG", quality=90, optimize=True)
    return CleanImage(out.getvalue(), fmt, pixels.width, pixels.height)
