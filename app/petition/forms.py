"""The signing form and the one-button forms behind mailed links."""
import unicodedata
from functools import lru_cache

from babel import Locale
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.forms import (NoFormulaStart, NoHiddenCharacters, NoInvisibleCharacters, NoUrl, PublicForm,
                       ValidEmail, single_line_filter, strip_filter)
from app.safeform import SafeForm
from app.text import fold

# Regions and groupings in the CLDR territory list that are not countries.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"}


def plain_text():
    """Shown in public: not starting like a spreadsheet formula, no links, no hidden characters."""
    return [NoFormulaStart(), NoUrl(), NoInvisibleCharacters()]


def has_letters(form, field):
    """A name has at least one letter, in any script."""
    if not any(unicodedata.category(c).startswith("L") for c in field.data or ""):
        raise ValidationError(_l("Please enter your name."))


@lru_cache(maxsize=8)
def country_choices(lang: str) -> tuple[tuple[str, str], ...]:
    """Every country as (ISO code, name in `lang`), sorted by name (CLDR data through Babel)."""
    names = Locale.parse(lang).territories
    countries = [(code, name) for code, name in names.items()
                 if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES]
    return tuple(sorted(countries, key=lambda item: fold(item[1])))


class ListedSelectField(SelectField):
    """A SelectField whose refusal of a value not in the list is in our catalog."""

    def pre_validate(self, form):
        """The submitted value must be one of the choices."""
        if self.validate_choice and self.choices and str(self.data) not in {str(v) for v, _ in self.choices}:
            raise ValidationError(_l("Not a valid choice."))


_BLANK_GROUP = _l("— choose from the registry —")


def group_select_choices(groups: list[tuple[int, str]]) -> list[tuple[str, str]]:
    """The group <select>'s choices: a blank first, then the registry's groups."""
    return [("", str(_BLANK_GROUP))] + [(str(i), n) for i, n in groups]


class SignForm(PublicForm):
    """Sign the letter. The group fields matter only when `is_admin` is ticked."""

    name = StringField(_l("Full name"), filters=[strip_filter, single_line_filter],
                       validators=[DataRequired(_l("Please enter your name.")),
                                   Length(max=120, message=_l("At most %(max)d characters, please.")),
                                   *plain_text(), has_letters],
                       render_kw={"autocomplete": "name"})
    email = StringField(_l("Email"), filters=[strip_filter],
                        validators=[DataRequired(_l("Please enter your email address.")),
                                    Length(max=254, message=_l("At most %(max)d characters, please.")),
                                    ValidEmail()],
                        render_kw={"autocomplete": "email", "type": "email", "inputmode": "email",
                                   "spellcheck": "false"})
    city = StringField(_l("City or province"), filters=[strip_filter, single_line_filter],
                       validators=[Optional(),
                                   Length(max=120, message=_l("At most %(max)d characters, please.")),
                                   *plain_text()],
                       render_kw={"autocomplete": "address-level2"})
    country = ListedSelectField(_l("Country"), default="IT")
    is_admin = BooleanField(_l("I am (or was) an admin of a hijacked group"))
    group_id = ListedSelectField(_l("Which group?"), default="")
    group_name = StringField(_l("Or type its name, if it is not in the list"), filters=[strip_filter, single_line_filter],
                             validators=[Optional(),
                                         Length(max=300, message=_l("At most %(max)d characters, please.")),
                                         *plain_text()])
    reason = TextAreaField(_l("Why do you sign? (optional)"), filters=[strip_filter],
                           validators=[Optional(),
                                       Length(max=500, message=_l("At most %(max)d characters, please.")),
                                       NoUrl(), NoHiddenCharacters()],
                           render_kw={"maxlength": 500, "rows": 4})
    public = BooleanField(_l("Show my name, city, group and reason on the public list"), default=False)
    news = BooleanField(_l("Send me news of this campaign"), default=False)
    privacy = BooleanField(_l("I consent to my data being processed as the privacy notice explains"),
                           validators=[DataRequired(
                               _l("We can only take your data with your consent: please tick the box."))])

    def __init__(self, *args, lang: str = "it", groups: list[tuple[int, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices(lang)
        self.group_id.choices = group_select_choices(groups)

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks, then: an admin says which group (from the list or typed).
        Not an inline validator: the Optional() of an empty field would skip it."""
        valid = super().validate(extra_validators)
        if self.is_admin.data and not self.group_id.data and not self.group_name.data:
            self.group_name.errors = [*self.group_name.errors,
                                      _l("Please choose your group from the list or type its name.")]
            valid = False
        return valid

    def chosen_group_id(self) -> int | None:
        """The registry group chosen, if any."""
        return int(self.group_id.data) if self.is_admin.data and self.group_id.data else None


class ButtonForm(SafeForm):
    """A form that is only a button (confirm, withdraw). Anonymous, like every public form:
    cross-site posts are refused by their origin (app.security), not by a token."""

    class Meta:
        csrf = False


class ConfirmForm(ButtonForm):
    """The confirm button, with the fingerprint of the details the page showed."""

    # An explicit (empty) label: without one WTForms translates a made-up label, which loads
    # its own message catalog from disk on every request.
    shown = HiddenField(label="")
