"""Back-office forms. All POST, all with CSRF (Flask-WTF)."""
from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (EmailField, IntegerField, PasswordField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional, Regexp

from app.forms import PublicForm
from app.models import Role
# One wording for statuses and crews, public pages and back office alike.
from app.models.registry import CREW_LABELS, REJECT_LABELS, STATUS_LABELS
from app.safeform import SafeForm


class LoginForm(PublicForm):
    """Email and password. Reachable by anyone, so it has the public form's honeypot too; and
    a CSRF token, like every back-office form."""

    class Meta:
        @property
        def csrf(self):
            """Like every FlaskForm (WTF_CSRF_ENABLED), unlike the public forms it inherits from."""
            return current_app.config.get("WTF_CSRF_ENABLED", True)

    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter your email address.")),
                                                Length(max=320)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")),
                                                         Length(max=1000)],
                             render_kw={"autocomplete": "current-password"})
    # Optional: the first login has no code yet (the enrolment follows it).
    code = StringField(_l("Code"), validators=[Optional(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"})


class CodeForm(SafeForm):
    """The six digits of the authenticator app, to finish enrolling it."""

    code = StringField(_l("Code from the app"), validators=[DataRequired(_l("Enter the code your app shows.")),
                                                            Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


def _password_field(label):
    """A new password: at least MIN_PASSWORD_LENGTH characters."""
    from app.admin.accounts import MIN_PASSWORD_LENGTH

    return PasswordField(label, validators=[
        DataRequired(_l("Enter a password.")),
        Length(min=MIN_PASSWORD_LENGTH, max=1000,
               message=_l("The password must be at least %(min)s characters long.", min=MIN_PASSWORD_LENGTH))],
        render_kw={"autocomplete": "new-password"})


ROLE_LABELS = {Role.moderator: _l("Moderator"), Role.administrator: _l("Administrator")}


class NewAccountForm(SafeForm):
    """An administrator creates an account; its owner enrols the second factor at first login."""

    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter an email address.")),
                                                Length(max=320), Email(_l("Enter a valid email address."))])
    role = SelectField(_l("Role"), choices=lambda: [(r.value, label) for r, label in ROLE_LABELS.items()],
                       validate_choice=True)
    password = _password_field(_l("First password"))


class NewPasswordForm(SafeForm):
    """A new password for an account (an administrator's, or one's own with the current one)."""

    current = PasswordField(_l("Current password"), validators=[Optional(), Length(max=1000)],
                            render_kw={"autocomplete": "current-password"})
    password = _password_field(_l("New password"))
    repeat = PasswordField(_l("New password again"), validators=[
        EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"})


class ActionForm(SafeForm):
    """A form with nothing but its CSRF token: logout, publishing."""


def status_choices():
    """The statuses of a group, translated."""
    return [(s.value, label) for s, label in STATUS_LABELS.items()]


def crew_choices():
    """The crews, translated."""
    return [(c.value, label) for c, label in CREW_LABELS.items()]


DATE_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$"


class PublishForm(SafeForm):
    """The public entry as the moderator edits it before publishing (both languages)."""

    name = StringField(_l("Group name"), validators=[DataRequired(_l("Enter the group’s name.")),
                                                     Length(max=300)])
    facebook_url = StringField(_l("Facebook address"), validators=[Optional(), Length(max=300)])
    status = SelectField(_l("Status"), choices=status_choices, validate_choice=True)
    crew = SelectField(_l("Hijacked by"), choices=crew_choices, validate_choice=True)
    hijacked_on = StringField(
        _l("When it happened"), validators=[
            Optional(), Regexp(DATE_PATTERN, message=_l("Write a month (2014-07) or a day (2014-07-18)."))])
    members_at_hijack = IntegerField(_l("Members at the time"), validators=[
        Optional(), NumberRange(min=0, message=_l("Enter a number of 0 or more."))])
    members_after = IntegerField(_l("Members after the hijacking"), validators=[
        Optional(), NumberRange(min=0, message=_l("Enter a number of 0 or more."))])
    account_it = TextAreaField(_l("Public account in Italian"), validators=[Length(max=8000)])
    account_en = TextAreaField(_l("Public account in English"), validators=[Length(max=8000)])
    note = TextAreaField(_l("Public note for the timeline (optional)"), validators=[Length(max=2000)])


class RejectForm(SafeForm):
    """Why the report is rejected (sent to the reporter), and an internal note."""

    reason = SelectField(_l("Reason"), choices=lambda: [(r.value, label) for r, label in REJECT_LABELS.items()],
                         validate_choice=True)
    message = TextAreaField(_l("Message to the reporter (optional)"), validators=[Length(max=2000)])
    # Own ids: the report page holds three forms, each with a "note" (the name stays "note").
    note = TextAreaField(_l("Internal note (optional)"), validators=[Length(max=2000)], id="reject-note")


class MergeForm(SafeForm):
    """The published entry a report adds information to."""

    group_id = IntegerField(_l("Number of the existing entry"), validators=[
        DataRequired(_l("Enter the number of an existing entry."))])
    note = TextAreaField(_l("Public note for the timeline (optional)"), validators=[Length(max=2000)],
                         id="merge-note")


class StatusForm(SafeForm):
    """A new status for a published group, with a public note for its timeline."""

    status = SelectField(_l("New status"), choices=status_choices, validate_choice=True)
    note = TextAreaField(_l("Public note for the timeline (optional)"), validators=[Length(max=2000)])


class AccountForm(SafeForm):
    """The group's public account in both languages."""

    account_it = TextAreaField(_l("Public account in Italian"), validators=[Length(max=8000)])
    account_en = TextAreaField(_l("Public account in English"), validators=[Length(max=8000)])


class SearchForm(SafeForm):
    """Searching the groups by name (GET, so no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name"), validators=[Optional(), Length(max=300)])

