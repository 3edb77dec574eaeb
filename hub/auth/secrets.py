"""API tokens, passwords and check-in PINs: made, hashed and checked here only.

API tokens are 256-bit random strings, shown once and stored as a SHA-256 hash (a
token that strong needs no slow hash). Passwords and PINs are hashed with Argon2id
(``argon2-cffi``). A token reads ``dst_<token id>_<secret>``: the id names the token
in listings and revocation without revealing it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

TOKEN_PREFIX = "dst"  # noqa: S105 (a label, not a secret)

_PASSWORDS = PasswordHasher()
"""Argon2id with the library's defaults (RFC 9106 low-memory profile)."""

_PINS = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
"""Argon2id at OWASP's minimum (19 MiB, 2 passes): a PIN is checked on every check-in."""


def new_token() -> tuple[str, str]:
    """A new API token: ``(token_id, token)``. Only the token's hash is ever stored."""
    token_id = secrets.token_hex(6)
    return token_id, f"{TOKEN_PREFIX}_{token_id}_{secrets.token_urlsafe(32)}"


def token_hash(token: str) -> str:
    """The stored form of an API token (SHA-256, hex)."""
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    """The Argon2id hash of a password."""
    return _PASSWORDS.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; a missing hash matches nothing."""
    return _verify(_PASSWORDS, stored, password)


def hash_pin(pin: str) -> str:
    """The Argon2id hash of a check-in PIN."""
    return _PINS.hash(pin)


def verify_pin(stored: str | None, pin: str) -> bool:
    """Whether ``pin`` matches ``stored``; a missing hash matches nothing."""
    return _verify(_PINS, stored, pin)


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two strings."""
    return hmac.compare_digest(a.encode(), b.encode())


def _verify(hasher: PasswordHasher, stored: str | None, given: str) -> bool:
    if stored is None:
        hasher.hash(given)  # spend the same time whether or not a hash is stored
        return False
    try:
        return hasher.verify(stored, given)
    except (VerificationError, InvalidHashError):
        return False
