"""The base of every form: no field of any form takes a control character.

A NUL byte is refused by PostgreSQL in any text (a 500 where SQLite took it), CR/LF in a
single-line value ends up in mail headers or log lines, and none of them is something a
person types. `SafeForm` puts `NoControlCharacters` first on each field it binds, so a new
form or field is covered without anyone remembering to (tests/test_attack_forms.py checks that
every form in the app derives from it)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import StopValidation, ValidationError

from app.text import CONTROL_CHARACTERS
from app.urls import MAX_INT


class NoControlCharacters:
    """Validator: nothing submitted for the field holds a control character (tab, newline and
    carriage return excepted, which multi-line fields keep and single-line filters collapse).
    It looks at what was sent (`raw_data`), before any filter or conversion."""

    def __init__(self, message=None):
        self.message = message or _l("This contains characters we cannot accept.")

    def __call__(self, form, field):
        for value in field.raw_data or ():
            if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
                raise StopValidation(self.message)


class FitsInteger:
    """Validator of whole-number fields: at most what an INTEGER column holds (2³¹ − 1), so that
    30 digits are a form error and not a database error."""

    def __init__(self, message=None):
        self.message = message or _l("That number is too large.")

    def __call__(self, form, field):
        if isinstance(field.data, int) and abs(field.data) > MAX_INT:
            raise ValidationError(self.message)


class SafeForm(FlaskForm):
    """FlaskForm whose every field refuses control characters first, and whose whole-number
    fields refuse numbers no INTEGER column holds."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            """Bind the field, then put the control-character check before its validators."""
            field = super().bind_field(form, unbound_field, options)
            extra = [FitsInteger()] if isinstance(field, IntegerField) else []
            field.validators = [NoControlCharacters(), *extra, *field.validators]
            return field
