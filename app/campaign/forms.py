"""Campaign forms: the back office's (token CSRF) and, in later steps, the public ones."""
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.campaign.service.endorsements import EndorsementData
from app.forms import (NoFormulaStart, NoHiddenCharacters, NoUrl, PublicForm, ValidEmail,
                       single_line_filter, strip_filter)
from app.models import EndorsementKind
from app.petition.forms import has_letters, plain_text
from app.safeform import SafeForm

_AT_MOST = _l("At most %(max)d characters, please.")


class UpdateForm(SafeForm):
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


class ButtonForm(SafeForm):
    """Only a button (publish, unpublish…): its CSRF token and nothing else."""


KIND_LABELS = {
    EndorsementKind.association: _l("Association"),
    EndorsementKind.group: _l("Group or committee"),
    EndorsementKind.council: _l("Local council"),
    EndorsementKind.representative: _l("Elected representative"),
}
# Headings of the public list, one per kind.
KIND_HEADINGS = {
    EndorsementKind.association: _l("Associations"),
    EndorsementKind.group: _l("Groups and committees"),
    EndorsementKind.council: _l("Local councils"),
    EndorsementKind.representative: _l("Elected representatives"),
}


def website_filter(value):
    """Filter: a web address gets https:// when typed without a scheme."""
    value = strip_filter(value)
    if value and "://" not in value:
        value = "https://" + value
    return value


def valid_website(form, field):
    """Validator: an http(s) address with a host name, no user name or password in it."""
    if not field.data:
        return
    try:
        parts = urlsplit(field.data)
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        raise ValidationError(_l("Please enter a web address, for example https://example.org.")) from None
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or "." not in host or parts.username or parts.password \
            or any(c.isspace() for c in field.data):
        raise ValidationError(_l("Please enter a web address, for example https://example.org."))


class EndorsementForm(PublicForm):
    """Endorse the letter as an association, a group, a local council or an elected representative."""

    name = StringField(_l("Name of the association, group, council or representative"),
                       filters=[strip_filter, single_line_filter],
                       validators=[DataRequired(_l("Please enter the name.")), Length(max=200, message=_AT_MOST),
                                   *plain_text(), has_letters])
    kind = SelectField(_l("Who endorses"), choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
                       validators=[DataRequired(_l("Please choose who endorses."))])
    city = StringField(_l("City"), filters=[strip_filter, single_line_filter],
                       validators=[DataRequired(_l("Please enter the city.")), Length(max=120, message=_AT_MOST),
                                   *plain_text()],
                       render_kw={"autocomplete": "address-level2"})
    # Not "website": that is PublicForm's honeypot.
    homepage = StringField(_l("Website (optional)"), filters=[website_filter],
                          validators=[Optional(), Length(max=300, message=_AT_MOST), valid_website],
                          render_kw={"type": "url", "inputmode": "url", "spellcheck": "false"})
    email = StringField(_l("Contact email"), filters=[strip_filter],
                        validators=[DataRequired(_l("Please enter your email address.")),
                                    Length(max=254, message=_AT_MOST), ValidEmail()],
                        render_kw={"autocomplete": "email", "type": "email", "inputmode": "email",
                                   "spellcheck": "false"})
    statement = TextAreaField(_l("A short statement (optional)"), filters=[strip_filter],
                              validators=[Optional(), Length(max=500, message=_AT_MOST),
                                          NoFormulaStart(), NoUrl(), NoHiddenCharacters()],
                              render_kw={"maxlength": 500, "rows": 4})
    privacy = BooleanField(_l("I consent to my data being processed as the privacy notice explains"),
                           validators=[DataRequired(
                               _l("We can only take your data with your consent: please tick the box."))])

    def data_for_service(self) -> EndorsementData:
        """The submitted values, for the service."""
        return EndorsementData(name=self.name.data, kind=EndorsementKind(self.kind.data), city=self.city.data,
                               website=self.homepage.data or "", email=self.email.data,
                               statement=self.statement.data or "")


class ConfirmForm(SafeForm):
    """The confirm button behind the mailed link. Anonymous: refused cross-site by origin."""

    class Meta:
        csrf = False


class TimelineForm(SafeForm):
    """A step of the demand's timeline, in both languages; no date for a step still to come."""

    happened_on = DateField(_l("Date (empty for a step still to come)"), validators=[Optional()],
                            format="%Y-%m-%d")
    label_it = StringField(_l("In Italian"), filters=[strip_filter, single_line_filter],
                           validators=[DataRequired(_l("Please write the step in Italian.")),
                                       Length(max=300, message=_AT_MOST), NoHiddenCharacters()])
    label_en = StringField(_l("In English"), filters=[strip_filter, single_line_filter],
                           validators=[DataRequired(_l("Please write the step in English.")),
                                       Length(max=300, message=_AT_MOST), NoHiddenCharacters()])
