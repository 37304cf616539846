"""Two-step sign-in: a time-based code from an authenticator app (TOTP), or a recovery code.

The QR code is drawn here (segno) as a data: URI, so nothing is fetched from anywhere and the
page needs no script. Recovery codes are stored as hashes and shown once, when they are made.
"""
from __future__ import annotations

import hmac
import secrets
import time

import pyotp
import segno
from sqlalchemy import delete, func, select

from ..clock import utcnow
from ..extensions import db
from .models import RecoveryCode, User, token_hash

RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud and typed by hand
_DRIFT_STEPS = 1  # a code from the 30 seconds before or after is accepted too (phone clocks drift)


def start_setup(user: User) -> None:
    """Give the user a secret to scan, unless setting up already started (a reload keeps the QR)."""
    if not user.has_two_step and user.totp_secret is None:
        user.totp_secret = pyotp.random_base32()


def qr_code(user: User) -> str:
    """The otpauth:// address of the user's secret as a QR code, an SVG data: URI for an <img>."""
    address = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=_issuer(user))
    return segno.make(address, error="m").svg_data_uri(scale=5, border=2)


def _issuer(user: User) -> str:
    return f"integration ({user.practice.name})"


def grouped_secret(user: User) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    secret = user.totp_secret or ""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _now() -> float:
    return time.time()


def _digits(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isdigit())


def accept_app_code(user: User, code: str) -> bool:
    """Whether this is a current code of the user's secret not used before (each code works once)."""
    code = _digits(code)
    if user.totp_secret is None or len(code) != 6:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = _now()
    for offset in range(-_DRIFT_STEPS, _DRIFT_STEPS + 1):
        step = totp.timecode(now) + offset
        if hmac.compare_digest(totp.at(now, counter_offset=offset), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False
            user.totp_last_step = step
            return True
    return False


def finish_setup(user: User, code: str) -> list[str] | None:
    """Turn two-step on if the code from the app is right; the new recovery codes, else None."""
    if user.has_two_step or not accept_app_code(user, code):
        return None
    user.two_step_since = utcnow()
    return new_recovery_codes(user)


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh single-use codes; the old ones stop working. Returned once, stored as hashes."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(4)) for _ in range(3))
             for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(code)) for code in codes)
    return codes


def _recovery_hash(code: str) -> str:
    return token_hash("".join(ch for ch in code.lower() if ch.isalnum()))


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one of the user's unused recovery codes, if this is one."""
    row = db.session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _recovery_hash(code),
        RecoveryCode.used_at.is_(None)))
    if row is None:
        return False
    row.used_at = utcnow()
    return True


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def check_second_step(user: User, code: str) -> str | None:
    """How the second step was passed ("authenticator app" or "recovery code"), or None."""
    if accept_app_code(user, code):
        return "authenticator app"
    if use_recovery_code(user, code):
        return "recovery code"
    return None


def turn_off(user: User) -> None:
    """No second step any more: the secret and the recovery codes are gone."""
    user.totp_secret = None
    user.two_step_since = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
