"""The base of every public form: CSRF (Flask-WTF) and a honeypot field."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField


class PublicForm(FlaskForm):
    """A public form. `website` is a honeypot: people never see it, naive bots fill it in.
    Views treat a filled honeypot like success (same answer) and store nothing."""

    website = StringField(_l("Leave this field empty"))

    def is_bot(self) -> bool:
        """True when the honeypot was filled in."""
        return bool(self.website.data)
