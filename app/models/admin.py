"""The back office: moderator accounts (roles, two factors, sessions, login throttling) and the
audit log of what they did."""
import enum
import json
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from app.models.registry import enum_column

_HASHER = PasswordHasher()  # argon2id with the library's recommended (RFC 9106 low-memory) costs
_CHEAP_HASHER = PasswordHasher.from_parameters(CHEAPEST)  # tests only: ARGON2_TEST_PARAMS


def password_hasher() -> PasswordHasher:
    """The argon2 hasher: cheap parameters when the app asks for them (the test suite)."""
    if has_app_context() and current_app.config.get("ARGON2_TEST_PARAMS"):
        return _CHEAP_HASHER
    return _HASHER


class Role(enum.Enum):
    """What an account may do: moderators the queues, signatures and registry; administrators
    also the accounts, the block lists and exports with email addresses."""

    moderator = "moderator"
    administrator = "administrator"


class Moderator(UserMixin, db.Model):
    """A person who may log in to /admin/: a password and a TOTP second factor. Failures are
    counted per (account, address) in LoginThrottle, and for the whole account here (the
    slowdown), so the counts hold across every worker and server."""

    __tablename__ = "moderator"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-cased
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.moderator)
    active: Mapped[bool] = mapped_column(default=True)
    # TOTP (RFC 6238): the base32 secret, set when enrolment starts; enabled once a code from
    # the app was accepted. The last time step used, so a code is refused the second time.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    totp_last_step: Mapped[int | None]
    # Failures against this account from every address in the current window (the slowdown).
    failed_logins: Mapped[int] = mapped_column(default=0)
    first_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_administrator(self) -> bool:
        """True for administrators."""
        return self.role == Role.administrator

    @property
    def is_active(self) -> bool:
        """Flask-Login: a disabled moderator cannot log in and is logged out."""
        return bool(self.active)

    def set_password(self, password: str) -> None:
        """Store an argon2 hash of `password`."""
        self.password_hash = password_hasher().hash(password)

    def check_password(self, password: str) -> bool:
        """True when `password` matches; upgrades the hash when its parameters are outdated."""
        hasher = password_hasher()
        try:
            hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if hasher.check_needs_rehash(self.password_hash):
            self.password_hash = hasher.hash(password)
        return True


def burn_password_check(password: str) -> None:
    """Spend the time of a real check, so an unknown email answers as slowly as a known one."""
    hasher = password_hasher()
    try:
        hasher.verify(_dummy_hash(hasher), password)
    except (VerificationError, InvalidHashError):
        pass


_dummy_hashes: dict[int, str] = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash of a throwaway password, made once per hasher."""
    key = id(hasher)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher.hash("not the password of anyone")
    return _dummy_hashes[key]


class ModeratorSession(db.Model):
    """A logged-in browser. The cookie holds a random id, the database its SHA-256: ending the
    rows ends the sessions (logout, password change, 2FA reset, disabling), wherever the
    cookie was copied to. `two_factor` is False between the password and the enrolment."""

    __tablename__ = "moderator_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    moderator_id: Mapped[int] = mapped_column(ForeignKey("moderator.id", ondelete="CASCADE"), index=True)
    two_factor: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecoveryCode(db.Model):
    """One of an account's ten recovery codes (argon2 hash), each usable once."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    moderator_id: Mapped[int] = mapped_column(ForeignKey("moderator.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginThrottle(db.Model):
    """Failed logins against one account from one client address (keyed hash): enough of them
    lock that pair only, so guesses from elsewhere never lock the moderator out."""

    __tablename__ = "login_throttle"
    __table_args__ = (UniqueConstraint("moderator_id", "ip_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    moderator_id: Mapped[int] = mapped_column(ForeignKey("moderator.id", ondelete="CASCADE"))
    ip_hash: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(default=0)
    first_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditLog(db.Model):
    """One thing a moderator (or the command line) did: who, what, to what, before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("moderator.id", ondelete="SET NULL"))
    # Kept as text too, so the log still says who it was if the account is ever deleted.
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(40))  # e.g. "report.publish", "group.status"
    target_type: Mapped[str] = mapped_column(String(40))  # "report", "group", "moderator"
    target_id: Mapped[int | None]
    before: Mapped[str | None] = mapped_column(Text)  # JSON
    after: Mapped[str | None] = mapped_column(Text)  # JSON
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def before_data(self) -> dict | None:
        """`before` decoded."""
        return json.loads(self.before) if self.before else None

    def after_data(self) -> dict | None:
        """`after` decoded."""
        return json.loads(self.after) if self.after else None
