"""Back-office forms about signatures: the search filter (GET, no CSRF token: it changes
nothing), the reason of an invalidation and a block list entry (POST, with a token)."""
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.models import BlockKind
from app.petition.forms import ListedSelectField, country_choices
from app.safeform import SafeForm

STATE_LABELS = {
    "pending": _l("Pending (not confirmed yet)"),
    "confirmed": _l("Confirmed"),
    "held": _l("Held"),
    "invalidated": _l("Invalidated"),
}

BLOCK_LABELS = {
    BlockKind.domain: _l("Email domain"),
    BlockKind.email: _l("Email address"),
    BlockKind.ip_hash: _l("IP hash"),
}


def iso_day(form, field):
    """A day written as 2026-12-01 (what a date input sends)."""
    if not field.data:
        return
    try:
        field.day = date.fromisoformat(field.data.strip())
    except ValueError:
        field.day = None
        raise ValidationError(_l("Write a date like 2026-12-01.")) from None


class DayField(StringField):
    """A date input whose value is read as an ISO day (`.day`), None when empty or wrong."""

    day = None

    def __init__(self, label, **kwargs):
        super().__init__(label, validators=[Optional(), Length(max=10), iso_day],
                         render_kw={"type": "date"}, **kwargs)


class FilterForm(SafeForm):
    """What the signatures are searched by; every field is optional and they add up."""

    class Meta:
        csrf = False

    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    email = StringField(_l("Email address"), validators=[Optional(), Length(max=320)],
                        render_kw={"autocomplete": "off", "spellcheck": "false"})
    domain = StringField(_l("Email domain"), validators=[Optional(), Length(max=253)],
                         render_kw={"autocomplete": "off", "spellcheck": "false"})
    ip_hash = StringField(_l("IP hash"), validators=[Optional(), Length(max=64)],
                          render_kw={"autocomplete": "off", "spellcheck": "false"})
    country = ListedSelectField(_l("Country"), validate_choice=True, default="")
    state = ListedSelectField(_l("State"), validate_choice=True, default="")
    since = DayField(_l("Signed from"))
    until = DayField(_l("Signed until"))

    def __init__(self, *args, lang: str = "it", **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = [("", _l("Any country"))] + list(country_choices(lang))
        self.state.choices = [("", _l("Any state"))] + list(STATE_LABELS.items())


class ReasonForm(SafeForm):
    """Why signatures are invalidated: kept with the invalidation and in the audit log."""

    reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(_l("Write why these signatures are invalidated.")), Length(max=1000)])


class BlockForm(SafeForm):
    """A new block list entry."""

    kind = ListedSelectField(_l("Kind"), choices=lambda: [(k.value, label) for k, label in BLOCK_LABELS.items()],
                       validate_choice=True)
    value = StringField(_l("Value"), validators=[DataRequired(_l("Enter a domain, an address or an IP hash.")),
                                                 Length(max=320)],
                        render_kw={"autocomplete": "off", "spellcheck": "false"})
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=300)])
