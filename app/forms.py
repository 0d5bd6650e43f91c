"""The base of every public form (CSRF and a honeypot field), and the filters and validators
that several areas' forms share."""
import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import ValidationError

from app.safeform import SafeForm
from app.text import FORMULA_START, HIDDEN_CHARACTERS, INVISIBLE_CHARACTERS, has_web_address


class PublicForm(SafeForm):
    """A public form. `website` is a honeypot: people never see it, naive bots fill it in.
    Views treat a filled honeypot like success (same answer) and store nothing. No CSRF token,
    so public pages are the same for everyone and cacheable: app.security refuses cross-site
    posts by their Sec-Fetch-Site and Origin headers instead."""

    class Meta:
        csrf = False

    website = StringField(_l("Leave this field empty"))

    def is_bot(self) -> bool:
        """True when the honeypot was filled in."""
        return bool(self.website.data)


def strip_filter(value):
    """Filter: normalise Unicode (NFC) and strip surrounding spaces; None becomes ""."""
    if value is None:
        return ""
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else value


def single_line_filter(value):
    """Filter: collapse every run of whitespace (newlines included) into one space."""
    if value is None:
        return ""
    return " ".join(value.split()) if isinstance(value, str) else value


class NoHiddenCharacters:
    """Validator: no control characters (tab and newlines allowed) or bidirectional overrides,
    which can disguise what a public page shows."""

    def __init__(self, message=None):
        self.message = message or _l("This contains characters we cannot accept.")

    pattern = HIDDEN_CHARACTERS

    def __call__(self, form, field):
        if self.pattern.search(field.data or ""):
            raise ValidationError(self.message)


class NoInvisibleCharacters(NoHiddenCharacters):
    """Validator for names, cities and addresses: nor zero-width characters, direction marks
    or soft hyphens, which hide inside a word."""

    pattern = INVISIBLE_CHARACTERS


class NoUrl:
    """Validator: no web address ("http://…", "www.…", "something.shop"), also disguised
    (full-width dots, circled letters, zero-width spaces: see `app.text.has_web_address`)."""

    def __init__(self, message=None):
        self.message = message or _l("This cannot contain a web address.")

    def __call__(self, form, field):
        if has_web_address(field.data or ""):
            raise ValidationError(self.message)


class NoFormulaStart:
    """Validator: does not start like a spreadsheet formula (=, +, -, @), so exports stay inert."""

    def __init__(self, message=None):
        self.message = message or _l("This cannot start with =, +, - or @.")

    def __call__(self, form, field):
        if (field.data or "").startswith(FORMULA_START):
            raise ValidationError(self.message)


class ValidEmail:
    """Validator: a well-formed address (email-validator, no DNS look-up); the field's data
    becomes the normalised address."""

    def __init__(self, message=None):
        self.message = message or _l("Please enter a valid email address, for example name@example.com.")

    def __call__(self, form, field):
        try:
            field.data = validate_email(field.data or "", check_deliverability=False).normalized
        except EmailNotValidError:
            raise ValidationError(self.message) from None
