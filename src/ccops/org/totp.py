"""The second factor: time-based one-time codes (TOTP, RFC 6238) that authenticator apps show.

Pure helpers over pyotp and segno: a new secret, the ``otpauth://`` URI an app scans, its QR
code as inline SVG (drawn here, on the server: no script and nothing from elsewhere), and the
time step a code belongs to, so a code already used can be refused.
"""

from __future__ import annotations

import hmac
import re
from datetime import datetime

import pyotp

ISSUER = "ccops"
DIGITS = 6
STEP_S = 30
VALID_WINDOW = 1
"""Codes of the previous and next 30-second step are accepted too (clocks drift)."""
SECRET_FORM = re.compile(r"^[A-Z2-7]{32}$")
CODE_FORM = re.compile(r"^[0-9]{6}$")


def new_secret() -> str:
    """Return a new random base32 secret of 160 bits (32 characters)."""
    return pyotp.random_base32()


def is_secret(text: str) -> bool:
    """Whether ``text`` has the form of a secret made by `new_secret`."""
    return SECRET_FORM.fullmatch(text) is not None


def normalise_code(text: str) -> str:
    """The code as typed, without the spaces apps show in its middle."""
    return "".join(text.split())


def provisioning_uri(secret: str, login: str) -> str:
    """The ``otpauth://totp/...`` URI of the secret, labelled with the issuer and ``login``."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S).provisioning_uri(
        name=login, issuer_name=ISSUER
    )


def qr_svg(uri: str) -> str:
    """The QR code of ``uri`` as an inline ``<svg>`` element (black on white)."""
    import segno  # 0.2 s to load: only when a QR code is drawn

    code = segno.make(uri, error="m")
    svg: str = code.svg_inline(
        scale=4, dark="#000", light="#fff", svgclass="qr", title="QR code", omitsize=False
    )
    return svg


def code_at(secret: str, when: datetime) -> str:
    """The code of the secret at ``when`` (tests and the CLI use it)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S).at(when)


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (``unix time // 30``) whose code is ``code``, within the valid window
    around ``now``; None when the code matches none of them (or is not six digits)."""
    code = normalise_code(code)
    if CODE_FORM.fullmatch(code) is None:
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S)
    current = totp.timecode(now)
    found = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        # compare every step in constant time: the answer's timing tells nothing
        if hmac.compare_digest(totp.generate_otp(step), code) and found is None:
            found = step
    return found
