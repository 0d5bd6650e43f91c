"""The second factor of moderator accounts: enrolling an authenticator app (TOTP secret, QR
code drawn here), checking a code (each time step accepted once) and the ten recovery codes
(only their argon2 hashes kept, each good once). Used by the login views and by
`accounts.authenticate`.
"""
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, or_, select, update

from app.admin.service import audit
from app.extensions import db
from app.models import Moderator, ModeratorSession, RecoveryCode
from app.models.admin import password_hasher
from app.security import token_digest

RECOVERY_CODES = 10
# No 0/o, 1/l/i: the codes are copied by hand from paper.
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def begin_enrolment(moderator: Moderator) -> str:
    """The TOTP secret to enrol (made now if the account has none yet; the caller commits)."""
    if not moderator.totp_secret:
        moderator.totp_secret = pyotp.random_base32()
    return moderator.totp_secret


def provisioning_uri(moderator: Moderator, issuer: str) -> str:
    """The otpauth:// address the authenticator app reads from the QR code (after begin_enrolment)."""
    assert moderator.totp_secret, "no secret to enrol: begin_enrolment comes first"
    return pyotp.TOTP(moderator.totp_secret).provisioning_uri(name=moderator.email, issuer_name=issuer)


def qr_svg(uri: str) -> bytes:
    """The QR code of `uri` as a standalone SVG image, drawn here (no other site sees the secret)."""
    import io

    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, border=4, dark="#111", light="#fff")
    return buffer.getvalue()


def _use_totp(moderator: Moderator, code: str, now: datetime) -> bool:
    """True when `code` is the account's TOTP for now (±1 step of clock drift) and its time step
    is later than the last one used; records the step, so the same code never works twice."""
    if not moderator.totp_secret or not (len(code) == 6 and code.isdigit()):
        return False
    totp = pyotp.TOTP(moderator.totp_secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            # A conditional UPDATE, so two requests with one code cannot both pass.
            taken = db.session.execute(
                update(Moderator).where(Moderator.id == moderator.id,
                                        or_(Moderator.totp_last_step.is_(None), Moderator.totp_last_step < step))
                .values(totp_last_step=step)).rowcount
            return bool(taken)
    return False


def _use_recovery_code(moderator: Moderator, code: str, now: datetime) -> bool:
    """True when `code` is one of the account's unused recovery codes; it is used up."""
    code = normalise_code(code)
    if len(code) != 10:
        return False
    hasher = password_hasher()
    unused = db.session.scalars(select(RecoveryCode).where(RecoveryCode.moderator_id == moderator.id,
                                                           RecoveryCode.used_at.is_(None)))
    for row in unused:
        try:
            hasher.verify(row.code_hash, code)
        except (VerificationError, InvalidHashError):
            continue
        return bool(db.session.execute(update(RecoveryCode).where(
            RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None)).values(used_at=now)).rowcount)
    return False


def normalise_code(code: str) -> str:
    """A code as typed, without spaces, dashes or capitals."""
    return "".join(c for c in (code or "").lower() if c.isalnum())


def check_code(moderator: Moderator, code: str, now: datetime) -> bool:
    """A TOTP code or a recovery code of the account (the caller commits)."""
    code = normalise_code(code)
    return _use_totp(moderator, code, now) or _use_recovery_code(moderator, code, now)


def finish_enrolment(moderator: Moderator, code: str, session_token: str, now: datetime) -> list[str] | None:
    """Turn TOTP on when `code` is right (the caller commits): the session counts as two-factor
    from now on; returns the ten recovery codes to show once (only their hashes are kept). None,
    with nothing written, when the code is wrong."""
    if moderator.totp_enabled or not _use_totp(moderator, normalise_code(code), now):
        return None
    moderator.totp_enabled = True
    codes = new_recovery_codes(moderator)
    db.session.execute(update(ModeratorSession).where(ModeratorSession.digest == token_digest(session_token))
                       .values(two_factor=True))
    audit("moderator.enrol_2fa", "moderator", moderator.id, actor=moderator.email)
    return codes


def new_recovery_codes(moderator: Moderator) -> list[str]:
    """Replace the account's recovery codes with ten new ones (the caller commits); returns them
    grouped for reading ("abcde-fghjk")."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.moderator_id == moderator.id))
    hasher = password_hasher()
    codes = ["".join(secrets.choice(_CODE_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(moderator_id=moderator.id, code_hash=hasher.hash(c)) for c in codes)
    return [f"{c[:5]}-{c[5:]}" for c in codes]
