"""The form by which an admin reports a hijacked group, and the confirmation button."""
import re
from datetime import date
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, HiddenField, MultipleFileField, RadioField, SelectField, StringField,
                     TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.forms import (NoHiddenCharacters, NoInvisibleCharacters, NoUrl, PublicForm, single_line_filter,
                       strip_filter)
from app.models import Crew, GroupStatus, ReporterRole
from app.models.registry import CREW_LABELS, ROLE_LABELS, STATUS_LABELS
from app.registry import kept
from app.registry.images import BadImage, CleanImage, clean_image
from app.registry.reports import NotFacebook, normalize_facebook_url
from app.safeform import SafeForm

MAX_ACCOUNT = 4000
MAX_LINKS = 5
MAX_SCREENSHOTS = 5
MAX_MEMBERS = 100_000_000
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_MONTH_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")

def _newlines(value):
    """Windows and old Mac line ends as plain newlines (so the length counts what people see)."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def parse_day_or_month(text: str) -> str | None:
    """'18/07/2014', '2014-07-18' → '2014-07-18'; '07/2014', '2014-07' → '2014-07'; else None."""
    text = (text or "").strip()
    year = month = day = None
    if m := _DAY_FIRST.match(text):
        day, month, year = (int(g) for g in m.groups())
    elif m := _MONTH_FIRST.match(text):
        month, year = int(m.group(1)), int(m.group(2))
    elif m := _ISO.match(text):
        year, month = int(m.group(1)), int(m.group(2))
        day = int(m.group(3)) if m.group(3) else None
    else:
        return None
    try:
        first = date(year, month, day or 1)
    except ValueError:
        return None
    if first.year < 2004 or first > date.today():  # Facebook opened in 2004
        return None
    return first.isoformat() if day else first.isoformat()[:7]


def parse_members(text: str) -> int | None:
    """'12.000', '12,000', '12 000' or '12000' → 12000; '' → None; ValueError otherwise."""
    digits = re.sub(r"[\s.,'\u00a0\u202f]", "", text or "")
    if not digits:
        return None
    if not digits.isdigit():
        raise ValueError(text)
    return int(digits)


class ReportForm(PublicForm):
    """Report a hijacked group: the facts, the story, the evidence, and who is reporting it."""

    # The group's and the reporter's names go into the mails we send: no web addresses in them,
    # or anyone could mail a link to anyone through us.
    name = StringField(_l("Name of the group"), filters=[strip_filter, single_line_filter],
                       validators=[DataRequired(_l("Please enter the group’s name.")),
                                   Length(max=300, message=_l("At most %(max)d characters, please.")),
                                   NoInvisibleCharacters(), NoUrl()])
    facebook_url = StringField(_l("Facebook address of the group or page"), filters=[strip_filter],
                               validators=[DataRequired(_l("Please enter the group’s Facebook address."))],
                               render_kw={"inputmode": "url", "autocomplete": "off", "spellcheck": "false"})
    status = SelectField(_l("Current status"),
                         choices=[SelectChoice(s.value, label) for s, label in STATUS_LABELS.items()],
                         default=GroupStatus.hijacked.value)
    crew = SelectField(_l("Hijacked by"),
                       choices=[SelectChoice(c.value, label) for c, label in CREW_LABELS.items()],
                       default=Crew.unknown.value)
    hijacked_on = StringField(_l("When it happened"), filters=[strip_filter],
                              validators=[Optional(), Length(max=20)])
    members_at_hijack = StringField(_l("Members at the time"), filters=[strip_filter],
                                    render_kw={"inputmode": "numeric"})
    members_after = StringField(_l("Members after the hijacking"), filters=[strip_filter], render_kw={"inputmode": "numeric"})
    account = TextAreaField(_l("Your account"), filters=[strip_filter, _newlines],
                            validators=[DataRequired(_l("Please tell us what happened.")),
                                        Length(max=MAX_ACCOUNT, message=_l(
                                            "At most %(max)d characters, please (you wrote %(length)d).")),
                                        NoHiddenCharacters()],
                            render_kw={"rows": 10, "maxlength": MAX_ACCOUNT})
    evidence = TextAreaField(_l("Links to evidence"), filters=[strip_filter, _newlines],
                             validators=[NoInvisibleCharacters()],
                             render_kw={"rows": 5, "inputmode": "url", "spellcheck": "false"})
    screenshots = MultipleFileField(_l("Screenshots"),
                                    render_kw={"accept": "image/png,image/jpeg"})
    # The id of screenshots accepted on an earlier try of this form (app.registry.kept).
    kept = HiddenField(label="")
    drop_kept = BooleanField(_l("Do not send the screenshots kept from your last try"))
    reporter_name = StringField(_l("Your name"), filters=[strip_filter, single_line_filter],
                                validators=[DataRequired(_l("Please enter your name.")),
                                            Length(max=200,
                                                   message=_l("At most %(max)d characters, please.")),
                                            NoInvisibleCharacters(), NoUrl()],
                                render_kw={"autocomplete": "name"})
    reporter_email = StringField(_l("Your email"), filters=[strip_filter],
                                 validators=[DataRequired(_l("Please enter your email address."))],
                                 render_kw={"autocomplete": "email", "type": "email"})
    reporter_role = RadioField(_l("Your role in the group"),
                               choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()],
                               validators=[InputRequired(_l("Please tell us your role in the group."))])
    consent = BooleanField(
        _l("I agree that moderators may use this report, and publish the facts and the evidence "
           "I choose to send, never my name or my email."),
        validators=[DataRequired(_l("We can only take the report with your agreement."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.evidence_urls: list[str] = []
        self.clean_images: list[CleanImage] = []
        self.clean_names: list[str] = []  # the file names the sender chose, for display
        # Screenshots accepted on an earlier try, unless the sender chose to drop them.
        earlier = [] if self.drop_kept.data else kept.load(self.kept.data)
        self.kept_images = [image for image, _name in earlier]
        self.kept_names = [name for _image, name in earlier]

    def validate_facebook_url(self, field):
        """Only facebook.com group or page addresses, stored in their canonical form."""
        try:
            field.data = normalize_facebook_url(field.data)
        except NotFacebook:
            raise ValidationError(_l("Please enter the address of a Facebook group or page, for example "
                                     "https://www.facebook.com/groups/123456789.")) from None

    def validate_hijacked_on(self, field):
        """A day or a month, since 2004 and not in the future; kept as ISO text."""
        if not field.data:
            field.data = ""
            return
        parsed = parse_day_or_month(field.data)
        if parsed is None:
            raise ValidationError(_l("Please enter a past day (18/07/2014) or month (07/2014)."))
        self.hijacked_on_iso = parsed

    def _validate_members(self, field):
        """A member count: a whole number (thousands separators allowed) or nothing."""
        try:
            value = parse_members(field.data)
        except ValueError:
            raise ValidationError(_l("Please enter a number, for example 12,000, or leave it empty.")) from None
        if value is not None and value > MAX_MEMBERS:
            raise ValidationError(_l("That number is too large."))
        return value

    def validate_members_at_hijack(self, field):
        """A whole number or nothing."""
        self.members_at_hijack_int = self._validate_members(field)

    def validate_members_after(self, field):
        """A whole number or nothing."""
        self.members_after_int = self._validate_members(field)

    def validate_reporter_email(self, field):
        """A well-formed address (email-validator, no DNS look-up)."""
        try:
            field.data = validate_email(field.data or "", check_deliverability=False).normalized
        except EmailNotValidError:
            raise ValidationError(_l("Please enter a valid email address, for example name@example.com.")) from None

    def validate_evidence(self, field):
        """At most five http(s) addresses, one per line."""
        lines = [line.strip() for line in (field.data or "").split("\n") if line.strip()]
        if len(lines) > MAX_LINKS:
            raise ValidationError(_l("At most %(max)d links, please.", max=MAX_LINKS))
        for line in lines:
            if not _web_address(line):
                raise ValidationError(_l("This is not a web address starting with http:// or "
                                         "https://: %(url)s", url=line[:100]))
        self.evidence_urls = lines

    def validate_screenshots(self, field):
        """At most five PNG or JPEG files of at most 5 MB, re-encoded so only pixels survive."""
        files = [f for f in (field.data or []) if f and getattr(f, "filename", "")]
        if len(files) + len(self.kept_images) > MAX_SCREENSHOTS:
            raise ValidationError(_l("At most %(max)d screenshots, please.", max=MAX_SCREENSHOTS))
        cleaned = []
        for upload in files:
            try:
                cleaned.append(clean_image(upload.stream))
            except BadImage as exc:
                name = (upload.filename or "")[:80]
                if str(exc) == "size":
                    raise ValidationError(_l("%(file)s is larger than 5 MB.", file=name)) from None
                if str(exc) == "pixels":
                    raise ValidationError(_l("%(file)s has too many pixels.", file=name)) from None
                if str(exc) == "busy":
                    raise ValidationError(_l("We are busy reading other screenshots: please send the "
                                             "form again in a minute.")) from None
                raise ValidationError(_l("%(file)s is not a PNG or JPEG image.", file=name)) from None
        self.clean_images = self.kept_images + cleaned
        self.clean_names = self.kept_names + [(f.filename or "")[:80] for f in files]

    def to_keep(self) -> tuple[list[CleanImage], list[str]]:
        """After a failed submission: the screenshots to keep for the next try (those kept
        before, plus the new ones if they were all accepted), with their file names."""
        if self.screenshots.errors or not self.clean_images:
            return self.kept_images, self.kept_names
        return self.clean_images, self.clean_names

    def report_data(self) -> dict:
        """The Report columns from a valid form."""
        return {
            "name": self.name.data, "facebook_url": self.facebook_url.data,
            "group_status": GroupStatus(self.status.data), "crew": Crew(self.crew.data),
            "hijacked_on": getattr(self, "hijacked_on_iso", None),
            "members_at_hijack": getattr(self, "members_at_hijack_int", None),
            "members_after": getattr(self, "members_after_int", None),
            "account": self.account.data, "reporter_name": self.reporter_name.data,
            "reporter_email": self.reporter_email.data,
            "reporter_role": ReporterRole(self.reporter_role.data), "consent": True,
        }


def _web_address(text: str) -> bool:
    """An absolute http or https address with a host and no spaces."""
    if len(text) > 2000 or any(c.isspace() for c in text):
        return False
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


class ConfirmForm(SafeForm):
    """The button behind the mailed link (a GET never confirms: mail scanners follow links).
    Anonymous, like every public form: cross-site posts are refused by origin (app.security)."""

    class Meta:
        csrf = False
