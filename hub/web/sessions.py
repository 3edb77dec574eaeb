"""Signing in to the web UI: signed session cookies, backed by the store, and CSRF tokens.

A session id is 256 random bits. The cookie carries ``<id>.<HMAC-SHA256 of the id>``
under the app's session key; the store keeps only the id's SHA-256, with the user
and an expiry, so signing out or disabling the user ends the session at once. The
cookie is HttpOnly, SameSite=Strict, and Secure except on localhost.

CSRF: every form carries a token. Signed in, it is an HMAC of the session id (so it
changes with each session); on the sign-in form it must equal a random
``doorstep_signin`` cookie (double submit). A request with an ``Origin`` header from
another site is refused whatever it carries.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request, Response

from hub.api.context import context_of
from hub.auth.roles import Principal
from hub.auth.secrets import same

SESSION_COOKIE = "doorstep_session"
SIGNIN_COOKIE = "doorstep_signin"
SESSION_LIFETIME = timedelta(hours=10)
"""One school day: a board left open overnight asks for the password again."""

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class SignInRequiredError(Exception):
    """The request needs a signed-in user; the web answers with the sign-in page."""


class CsrfError(Exception):
    """A form arrived without the right CSRF token, or from another site."""


@dataclass(frozen=True)
class WebSession:
    """A signed-in user of one request, with their session id (never stored in clear)."""

    principal: Principal
    session_id: str


@dataclass(frozen=True)
class SessionKeys:
    """The key that signs session cookies and derives CSRF tokens."""

    key: bytes

    def sign(self, value: str) -> str:
        """``value`` with its signature appended."""
        return f"{value}.{self._mac(value)}"

    def unsign(self, signed: str) -> str | None:
        """The value of a signed string, or None when the signature does not match."""
        value, _, mac = signed.rpartition(".")
        if not value or not same(mac, self._mac(value)):
            return None
        return value

    def csrf_token(self, session_id: str) -> str:
        """The CSRF token of a session."""
        return self._mac(f"csrf:{session_id}")

    def _mac(self, value: str) -> str:
        digest = hmac.new(self.key, value.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def session_hash(session_id: str) -> str:
    """The stored form of a session id."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def keys_of(request: Request) -> SessionKeys:
    """The session keys of the app serving ``request``."""
    keys: SessionKeys = request.app.state.web_keys
    return keys


def secure_cookies(request: Request) -> bool:
    """Whether cookies must be Secure: everywhere except localhost."""
    return (request.url.hostname or "") not in LOCAL_HOSTS


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    """Set one of the web UI's cookies with the safe flags."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/web",
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
    )


async def start_session(request: Request, response: Response, user_id: str) -> None:
    """Create a session for ``user_id`` and set its cookie on ``response``."""
    ctx = context_of(request)
    session_id = secrets.token_urlsafe(32)
    now = ctx.now()
    await ctx.io(
        ctx.users.add_session, user_id, session_hash(session_id), now, now + SESSION_LIFETIME
    )
    signed = keys_of(request).sign(session_id)
    set_cookie(request, response, SESSION_COOKIE, signed, int(SESSION_LIFETIME.total_seconds()))
    response.delete_cookie(SIGNIN_COOKIE, path="/web")


async def current_session(request: Request) -> WebSession | None:
    """The signed-in user of ``request``, or None."""
    cookie = request.cookies.get(SESSION_COOKIE)
    session_id = keys_of(request).unsign(cookie) if cookie else None
    if session_id is None:
        return None
    ctx = context_of(request)
    principal = await ctx.io(ctx.users.principal_for_session, session_hash(session_id), ctx.now())
    return None if principal is None else WebSession(principal, session_id)


async def require_session(request: Request) -> WebSession:
    """The signed-in user, or ``SignInRequiredError``."""
    found = await current_session(request)
    if found is None:
        raise SignInRequiredError
    return found


async def end_session(request: Request, response: Response, session: WebSession) -> None:
    """Sign out: revoke the session and clear its cookie."""
    ctx = context_of(request)
    await ctx.io(ctx.users.end_session, session_hash(session.session_id), ctx.now())
    response.delete_cookie(SESSION_COOKIE, path="/web")


def check_origin(request: Request) -> None:
    """Refuse a request whose ``Origin`` names another site."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    expected = f"{request.url.scheme}://{request.url.netloc}"
    if origin != expected:
        raise CsrfError


def check_csrf(request: Request, session: WebSession, token: str) -> None:
    """Refuse a signed-in form without this session's CSRF token."""
    check_origin(request)
    if not token or not same(token, keys_of(request).csrf_token(session.session_id)):
        raise CsrfError


def signin_token(request: Request) -> str:
    """The sign-in form's CSRF token: the cookie's, or a new one to set."""
    return request.cookies.get(SIGNIN_COOKIE) or secrets.token_urlsafe(24)


def check_signin_csrf(request: Request, token: str) -> None:
    """Refuse a sign-in form whose token does not match its cookie."""
    check_origin(request)
    cookie = request.cookies.get(SIGNIN_COOKIE, "")
    if not cookie or not token or not same(cookie, token):
        raise CsrfError
