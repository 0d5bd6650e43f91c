"""Campaign forms: the back office's (token CSRF) and, in later steps, the public ones."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from app.forms import NoHiddenCharacters, single_line_filter, strip_filter

_AT_MOST = _l("At most %(max)d characters, please.")


class UpdateForm(FlaskForm):
    """An update in both languages. Either may be left empty while it is a draft."""

    title_it = StringField(_l("Title in Italian"), filters=[strip_filter, single_line_filter],
                           validators=[Length(max=200, message=_AT_MOST), NoHiddenCharacters()])
    body_it = TextAreaField(_l("Text in Italian (Markdown)"), filters=[strip_filter],
                            validators=[Length(max=20000, message=_AT_MOST), NoHiddenCharacters()],
                            render_kw={"rows": 12})
    title_en = StringField(_l("Title in English"), filters=[strip_filter, single_line_filter],
                           validators=[Length(max=200, message=_AT_MOST), NoHiddenCharacters()])
    body_en = TextAreaField(_l("Text in English (Markdown)"), filters=[strip_filter],
                            validators=[Length(max=20000, message=_AT_MOST), NoHiddenCharacters()],
                            render_kw={"rows": 12})

    def values(self) -> dict:
        """The four texts, for the service."""
        return {name: getattr(self, name).data or "" for name in ("title_it", "title_en", "body_it", "body_en")}


class ButtonForm(FlaskForm):
    """Only a button (publish, unpublish…): its CSRF token and nothing else."""
