"""Moderator accounts, shared by the views and the CLI: creating them, passwords, roles,
server-side sessions and login throttling (the second factor is in `two_factor`).

Every function takes plain arguments (the client's IP hash, the time) and leaves the commit
to its caller (a view or `flask moderator …`), so a change and its audit entry stand or fall
together. Throttling counts failures per (account, address): enough of them lock
that pair only, so an attacker elsewhere never locks the moderator out; past a higher count of
failures from everywhere, each address gets a single wrong try per window (the slowdown), which
the right password and code still pass.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.admin.service import Actor, audit
from app.admin.two_factor import check_code
from app.extensions import db
from app.models import LoginThrottle, Moderator, ModeratorSession, RecoveryCode, Role
from app.models.admin import burn_password_check
from app.security import new_token, token_digest

MIN_PASSWORD_LENGTH = 12


class ModeratorExists(ValueError):
    """A moderator with that email already exists."""


def normalise_email(email: str) -> str:
    """Emails are compared lower-cased and without surrounding spaces."""
    return email.strip().lower()


def get_moderator(email: str) -> Moderator | None:
    """The moderator with this email, if any."""
    return db.session.scalar(select(Moderator).where(Moderator.email == normalise_email(email)))


def create_moderator(email: str, password: str, role: Role = Role.moderator, actor: Actor = "cli") -> Moderator:
    """Create an account (the caller commits); its owner enrols a second factor at the first
    login. Raises ModeratorExists, with nothing written; uniqueness is the database's."""
    moderator = Moderator(email=normalise_email(email), role=role)
    moderator.set_password(password)
    try:
        with db.session.begin_nested():  # a taken email undoes this insert only
            db.session.add(moderator)
    except IntegrityError as exc:
        raise ModeratorExists(email) from exc
    audit("moderator.create", "moderator", moderator.id, after={"email": moderator.email, "role": role},
          actor=actor)
    return moderator


def end_sessions(moderator: Moderator) -> int:
    """End every session of the account (the caller commits); how many there were."""
    return db.session.execute(delete(ModeratorSession).where(ModeratorSession.moderator_id == moderator.id)).rowcount


def set_active(moderator: Moderator, active: bool, actor: Actor = "cli") -> None:
    """Enable or disable an account (the caller commits). Disabling ends its sessions at once; enabling
    lifts the locks left by failed logins."""
    before = {"active": moderator.active}
    moderator.active = active
    if active:
        moderator.failed_logins, moderator.first_failed_at = 0, None
        db.session.execute(delete(LoginThrottle).where(LoginThrottle.moderator_id == moderator.id))
    else:
        end_sessions(moderator)
    audit("moderator.enable" if active else "moderator.disable", "moderator", moderator.id,
          before=before, after={"active": active}, actor=actor)


def set_password(moderator: Moderator, password: str, actor: Actor = "cli") -> None:
    """A new password (the caller commits); every session of the account ends."""
    moderator.set_password(password)
    end_sessions(moderator)
    audit("moderator.password", "moderator", moderator.id, actor=actor)


def reset_two_factor(moderator: Moderator, actor: Actor = "cli") -> None:
    """Forget the account's second factor and recovery codes (the caller commits): its
    sessions end, and the next login enrols again."""
    moderator.totp_secret, moderator.totp_enabled, moderator.totp_last_step = None, False, None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.moderator_id == moderator.id))
    end_sessions(moderator)
    audit("moderator.reset_2fa", "moderator", moderator.id, actor=actor)


# --- Sessions ---------------------------------------------------------------------------------

def session_limits() -> tuple[timedelta, timedelta]:
    """(idle time-out, absolute time-out) of a back-office session."""
    config = current_app.config
    return (timedelta(seconds=config["ADMIN_SESSION_IDLE"]), timedelta(seconds=config["ADMIN_SESSION_MAX"]))


def start_session(moderator: Moderator, two_factor: bool, now: datetime) -> str:
    """A new session for the account (the caller commits): the id for the cookie."""
    token, digest = new_token()
    db.session.add(ModeratorSession(digest=digest, moderator_id=moderator.id, two_factor=two_factor,
                                    created_at=now, last_seen_at=now))
    return token


def load_session(moderator_id: int, token: str, now: datetime) -> tuple[ModeratorSession | None, bool]:
    """(the live session behind a cookie, whether its row changed): the session is None when
    ended, idle too long, too old, or the account is disabled (its row is then deleted); a live
    one's last activity is brought up to `now`, at most once a minute. The caller commits when
    the row changed."""
    row = db.session.scalar(select(ModeratorSession).where(ModeratorSession.digest == token_digest(token),
                                                           ModeratorSession.moderator_id == moderator_id))
    if row is None:
        return None, False
    idle, longest = session_limits()
    moderator = db.session.get(Moderator, moderator_id)
    if row.last_seen_at <= now - idle or row.created_at <= now - longest \
            or moderator is None or not moderator.active:
        db.session.delete(row)
        return None, True
    if row.last_seen_at < now - timedelta(seconds=60):  # one write a minute is enough for 30 minutes
        row.last_seen_at = now
        return row, True
    return row, False


def end_session(token: str) -> None:
    """End the session behind one cookie (the caller commits)."""
    db.session.execute(delete(ModeratorSession).where(ModeratorSession.digest == token_digest(token)))


# --- Logging in -------------------------------------------------------------------------------

def lock_settings() -> tuple[int, timedelta, timedelta, int]:
    """(failures allowed per address, window they are counted in, how long the address is locked
    out of the account, failures from everywhere that start the slowdown)."""
    config = current_app.config
    return (config["ADMIN_LOCK_AFTER"], timedelta(seconds=config["ADMIN_LOCK_WINDOW"]),
            timedelta(seconds=config["ADMIN_LOCK_DURATION"]), config["ADMIN_SLOW_AFTER"])


@dataclass
class Login:
    """A successful login: the account, and whether it still has to enrol a second factor."""

    moderator: Moderator
    must_enrol: bool


def authenticate(email: str, password: str, code: str, ip_hash: str, now: datetime) -> Login | None:
    """A Login when the password (and, once enrolled, the code) are right and the account is
    active and this address is not locked out of it; None otherwise. Every failure and success
    goes to the audit log; the caller commits, failures too. Unknown emails cost the time of a
    real check."""
    # FOR UPDATE: two workers counting failures of one account at once must not lose one.
    moderator = db.session.scalar(
        select(Moderator).where(Moderator.email == normalise_email(email)).with_for_update())
    if moderator is None:
        burn_password_check(password)
        audit("login.failure", "moderator", None, after={"email": email[:320], "why": "unknown",
                                                         "ip": ip_hash[:12]}, actor="anonymous")
        return None
    throttle = db.session.scalar(select(LoginThrottle).where(
        LoginThrottle.moderator_id == moderator.id, LoginThrottle.ip_hash == ip_hash))
    why = None
    if throttle is not None and throttle.locked_until is not None and throttle.locked_until > now:
        burn_password_check(password)  # no oracle while locked, and the lock is not extended
        why = "locked"
    elif not moderator.check_password(password):
        why = "password"
    elif not moderator.active:
        why = "disabled"
    elif moderator.totp_enabled and not check_code(moderator, code, now):
        why = "code"
    if why is not None:
        try:
            with db.session.begin_nested():
                if why != "locked":
                    _count_failure(moderator, throttle, ip_hash, now)
                audit("login.failure", "moderator", moderator.id, after={"why": why, "ip": ip_hash[:12]},
                      actor="anonymous")
        except IntegrityError:  # the same address's first failure counted twice at once (SQLite)
            pass  # this attempt is undone, the other one counts
        return None
    if throttle is not None:
        db.session.delete(throttle)
    moderator.last_login_at = now
    audit("login.success", "moderator", moderator.id, after={"ip": ip_hash[:12]}, actor=moderator.email)
    return Login(moderator, must_enrol=not moderator.totp_enabled)


def _count_failure(moderator: Moderator, throttle: LoginThrottle | None, ip_hash: str, now: datetime) -> None:
    """Count a failed login for the account and for this address; the address is locked out of
    the account after ADMIN_LOCK_AFTER of them in the window, or after one during the slowdown."""
    allowed, window, duration, slow_after = lock_settings()
    if moderator.first_failed_at is None or moderator.first_failed_at <= now - window:
        moderator.failed_logins, moderator.first_failed_at = 1, now
    else:
        moderator.failed_logins += 1
    if throttle is None:  # no race: the account's row is locked for this transaction
        throttle = LoginThrottle(moderator_id=moderator.id, ip_hash=ip_hash, failures=0)
        db.session.add(throttle)
    if throttle.first_failed_at is None or throttle.first_failed_at <= now - window:
        throttle.failures, throttle.first_failed_at = 1, now
    else:
        throttle.failures += 1
    if moderator.failed_logins >= slow_after:
        allowed = 1
    if throttle.failures >= allowed:
        throttle.locked_until = now + duration
        throttle.failures, throttle.first_failed_at = 0, None
        audit("login.locked", "moderator", moderator.id,
              after={"ip": ip_hash[:12], "until": throttle.locked_until.isoformat()}, actor="system")
