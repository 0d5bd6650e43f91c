"""The press room's pictures: the share card per language (OpenGraph's 1200×630) with the
live figures."""
import io
from datetime import datetime
from pathlib import Path

from flask import current_app, url_for
from flask_babel import format_decimal, gettext as _, ngettext

from app.formats import when

from app.press.service.catalogue import SHARE_SIZE, Doc, Edition


def render_share(doc: Doc, edition: Edition, generated: datetime, site: str = "") -> bytes:
    """The share image for social networks: the headline figures, live, in one language."""
    from PIL import Image, ImageDraw, ImageFont
    from PIL.PngImagePlugin import PngInfo

    fonts = Path(current_app.static_folder) / "fonts"
    bold = str(fonts / "DejaVuSans-Bold.ttf")
    regular = str(fonts / "DejaVuSans.ttf")
    width, height = SHARE_SIZE
    image = Image.new("RGB", SHARE_SIZE, "#1d3557")  # the site's colours
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 24, height), fill="#b3261e")
    from app.press.service.renderers import in_lang, site_context

    with site_context(site), in_lang(doc.lang):
        f = edition.figures
        title = _("Dear Humanity")
        if f.signatures:
            big = format_decimal(f.signatures)
            line = ngettext("person has signed the open letter", "people have signed the open letter",
                            f.signatures)
            detail = _("%(groups)s groups · at least %(members)s members affected",
                       groups=format_decimal(f.groups), members=format_decimal(f.members_affected))
        else:
            big = format_decimal(f.groups)
            line = _("Facebook groups hijacked, in the public registry")
            detail = _("at least %(members)s members affected",
                       members=format_decimal(f.members_affected))
        as_of = _("As of %(date)s", date=when(f.updated_at, "al"))
        source = url_for("press.index", _external=True)
        address = source.split("://", 1)[-1]
    draw.text((80, 70), title, font=ImageFont.truetype(bold, 56), fill="#ffffff")
    size = 200
    while size > 60 and draw.textlength(big, font=ImageFont.truetype(bold, size)) > width - 160:
        size -= 10
    draw.text((80, 150), big, font=ImageFont.truetype(bold, size), fill="#ffbf47")
    draw.text((80, 390), line, font=_fit(draw, line, regular, 44, width - 160), fill="#ffffff")
    draw.text((80, 460), detail, font=_fit(draw, detail, regular, 32, width - 160), fill="#d8e1ea")
    draw.text((80, 550), f"{address} · {as_of}", font=_fit(draw, f"{address} · {as_of}",
                                                          regular, 26, width - 160), fill="#b8c4d0")
    meta = PngInfo()  # what the image is, for anyone who finds it shared without context
    meta.add_text("Title", title)
    meta.add_text("Source", source)
    meta.add_text("Creation Time", generated.isoformat())
    meta.add_text("Comment", f"statement version {edition.version}, edition {edition.key}")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True, pnginfo=meta)
    return out.getvalue()


def _fit(draw, text: str, font_path: str, size: int, max_width: int):
    """The largest font up to `size` at which `text` fits in `max_width`."""
    from PIL import ImageFont

    while True:
        font = ImageFont.truetype(font_path, size)
        if size <= 12 or draw.textlength(text, font=font) <= max_width:
            return font
        size -= 2


def logo_svg(doc: Doc, edition: Edition, generated: datetime, site: str = "") -> bytes:
    """The logo as SVG: our own static/img/logo.svg, as it is."""
    return (Path(current_app.static_folder) / "img" / "logo.svg").read_bytes()


LOGO_SIZE = (1200, 600)


def render_logo(doc: Doc, edition: Edition, generated: datetime, site: str = "") -> bytes:
    """The logo as a PNG (for those whose tools take no SVG), drawn like logo.svg with our fonts."""
    from PIL import Image, ImageDraw, ImageFont

    fonts = Path(current_app.static_folder) / "fonts"
    image = Image.new("RGB", LOGO_SIZE, "#1d3557")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 48, LOGO_SIZE[1]), fill="#b3261e")
    draw.text((128, 170), "Cara Umanità", font=ImageFont.truetype(str(fonts / "DejaVuSerif-Bold.ttf"), 124),
              fill="#ffffff")
    draw.text((128, 340), "Dear Humanity", font=ImageFont.truetype(str(fonts / "DejaVuSans.ttf"), 80),
              fill="#ffbf47")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
