"""Signing in with Microsoft 365 or Google Workspace: OpenID Connect, code flow with PKCE.

``POST /web/sign-in/oidc`` (the sign-in page's button, with its CSRF token) makes a
random ``state``, ``nonce`` and PKCE verifier, keeps them in a signed cookie
(``doorstep_oidc``: HttpOnly, ``SameSite=Lax`` so it comes back with the provider's
redirect, 10 minutes, path ``/web/sign-in/oidc``) and sends the browser to the
provider; a session this browser already had is ended first. ``GET
/web/sign-in/oidc/callback`` checks ``state`` against the cookie before anything else
(an ``?error=`` without it, or any other link from another site, leaves the sign-in
under way alone), redeems the code with the verifier, verifies the ID token
(``hub.web.oidc_client``), then maps the identity to a Doorstep user: the e-mail
address must be verified (``email_verified``, or Microsoft's ``xms_edov``), its domain
in ``allowed_domains`` (with Google, the Workspace domain ``hd`` too: a personal Google
account can carry a school address), and a user whose id is that address (lower case)
must exist and not be disabled. Nobody is created here; anyone else sees the sign-in
page with plain words and a 403.

Signed in, the answer is a small page that moves on to ``/web/`` itself: the session
cookie is ``SameSite=Strict``, and browsers withhold such cookies on a redirect chain
that began on the provider's site. Logs carry the reason of a refusal, never a claim.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import structlog
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import RedirectResponse

from hub.api.context import ApiContext, context_of
from hub.auth.secrets import same
from hub.settings import OidcSettings
from hub.web.forms import read_form
from hub.web.oidc_client import OidcClient, OidcRefusal
from hub.web.render import page
from hub.web.routing import WebRoute
from hub.web.sessions import (
    SessionKeys,
    check_signin_csrf,
    current_session,
    end_session,
    keys_of,
    secure_cookies,
    start_session,
)
from hub.web.signin_page import signin_page

log = structlog.get_logger(__name__)

FLOW_PATH = "/web/sign-in/oidc"
FLOW_COOKIE = "doorstep_oidc"
FLOW_LIFETIME = timedelta(minutes=10)
MAX_PARAM = 4096
GOOGLE_ISSUER = "https://accounts.google.com"
"""Google's issuer: its ID tokens must also carry an allowed Workspace domain (``hd``)."""

router = APIRouter(prefix="/sign-in/oidc", route_class=WebRoute, include_in_schema=False)
"""Included by ``hub.web.signin``'s router, under ``/web``."""

EXPIRED = "This sign-in expired or did not start here. Start again."
BAD_STATE = "bad_state"
"""The refusal of a callback without the flow's ``state``: it leaves the flow alone."""
UNKNOWN_USER = (
    "No Doorstep user has this e-mail address. Ask your school's Doorstep admin to add "
    "you, then sign in again."
)


@dataclass(frozen=True)
class Flow:
    """One sign-in under way: what the callback must match, and when it began."""

    state: str
    nonce: str
    verifier: str
    started_at: datetime

    @classmethod
    def start(cls, now: datetime) -> Flow:
        """A new flow with fresh random values (the verifier is 43 characters, RFC 7636)."""
        return cls(
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            verifier=secrets.token_urlsafe(32),
            started_at=now,
        )

    def sealed(self, keys: SessionKeys) -> str:
        """The flow as a signed cookie value."""
        data = {"s": self.state, "n": self.nonce, "v": self.verifier}
        data["t"] = self.started_at.isoformat()
        encoded = base64.urlsafe_b64encode(json.dumps(data).encode()).decode()
        return keys.sign(encoded)

    @classmethod
    def unsealed(cls, keys: SessionKeys, cookie: str | None) -> Flow | None:
        """The flow in a cookie, or None when it is missing, forged or unreadable."""
        encoded = keys.unsign(cookie) if cookie else None
        if encoded is None:
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(encoded))
            return cls(data["s"], data["n"], data["v"], datetime.fromisoformat(data["t"]))
        except (ValueError, KeyError, TypeError):
            return None


def use_oidc_transport(app: FastAPI, transport: httpx.AsyncBaseTransport) -> None:
    """Send the app's OIDC requests through ``transport`` (tests: the fake provider)."""
    app.state.oidc_transport = transport
    app.state.oidc_client = None


def client_of(request: Request) -> OidcClient:
    """The app's client for the configured provider (an ``OidcRefusal`` when there is none)."""
    settings = context_of(request).settings.oidc
    if not settings.enabled:
        raise OidcRefusal("oidc_off", "Sign-in with another account is not set up here.", 404)
    missing = settings.missing()
    if missing:
        log.error("web.oidc_incomplete", missing=",".join(missing))
        raise OidcRefusal(
            "oidc_incomplete",
            f"Sign-in with {settings.provider_name} is not set up completely. "
            "Sign in with your password.",
            503,
        )
    state = request.app.state
    client: OidcClient | None = getattr(state, "oidc_client", None)
    if client is None or client.settings is not settings:
        client = OidcClient(settings, transport=getattr(state, "oidc_transport", None))
        state.oidc_client = client
    return client


def redirect_uri(request: Request, settings: OidcSettings) -> str:
    """The callback URL: the configured one, or this hub's as the browser reached it."""
    return settings.redirect_url or str(request.url_for("oidc_callback"))


def user_id_for(claims: dict[str, Any], settings: OidcSettings) -> str:
    """The Doorstep user id an identity may sign in as: its verified, allowed e-mail."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise OidcRefusal(
            "no_email",
            f"Your {settings.provider_name} account did not give an e-mail address.",
            403,
        )
    verified = claims.get("email_verified") in (True, "true") or claims.get("xms_edov") in (
        True,
        "true",
    )
    if not verified:
        raise OidcRefusal(
            "unverified_email",
            f"Your {settings.provider_name} account's e-mail address is not verified, "
            "so it cannot sign in to Doorstep.",
            403,
        )
    if email.rpartition("@")[2].lower() not in settings.allowed_domains:
        raise OidcRefusal(
            "domain_not_allowed",
            "Accounts with that e-mail domain cannot sign in to this Doorstep.",
            403,
        )
    hosted = claims.get("hd")
    google = (settings.issuer or "").rstrip("/") == GOOGLE_ISSUER
    if google and (not isinstance(hosted, str) or hosted.lower() not in settings.allowed_domains):
        raise OidcRefusal(
            "not_a_workspace_account",
            "Only your school's Google Workspace account can sign in to Doorstep.",
            403,
        )
    return email.lower()


async def _known_user(ctx: ApiContext, user_id: str) -> str:
    user = await ctx.io(ctx.users.get_user, user_id)
    if user is None or user.disabled_at is not None:
        raise OidcRefusal("unknown_user", UNKNOWN_USER, 403)
    return user.id


def _refused(request: Request, refusal: OidcRefusal) -> Response:
    """The sign-in page with the refusal; the flow cookie is cleared unless the callback
    did not carry the flow's ``state`` (another site's link must not end a sign-in)."""
    log.warning("web.oidc_refused", reason=refusal.reason, status=refusal.status)
    response = signin_page(request, refusal.message, refusal.status)
    if refusal.reason != BAD_STATE:
        response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
    return response


async def _end_any_session(request: Request, response: Response) -> None:
    """End the session this browser already has, if its cookie came with the request
    (it does on the sign-in page's button: the cookie is ``SameSite=Strict``)."""
    session = await current_session(request)
    if session is not None:
        await end_session(request, response, session)
        log.info("web.oidc_ended_previous_session")


@router.post("")
async def oidc_start(request: Request) -> Response:
    """The sign-in button: remember a new flow and go to the provider."""
    form = await read_form(request)
    check_signin_csrf(request, form.csrf)
    ctx = context_of(request)
    try:
        client = client_of(request)
        flow = Flow.start(ctx.now())
        url = await client.authorize_url(
            ctx.now(),
            redirect_uri=redirect_uri(request, client.settings),
            state=flow.state,
            nonce=flow.nonce,
            verifier=flow.verifier,
        )
    except OidcRefusal as refusal:
        return _refused(request, refusal)
    response = RedirectResponse(url, status_code=303)
    await _end_any_session(request, response)
    response.set_cookie(
        FLOW_COOKIE,
        flow.sealed(keys_of(request)),
        max_age=int(FLOW_LIFETIME.total_seconds()),
        path=FLOW_PATH,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
    )
    return response


@router.get("/callback", name="oidc_callback")
async def oidc_callback(request: Request) -> Response:
    """The provider's redirect back: check it all, then start a session."""
    ctx = context_of(request)
    try:
        client = client_of(request)
        user_id = await _signed_in_user(request, ctx, client)
    except OidcRefusal as refusal:
        return _refused(request, refusal)
    response = page(request, "signed_in.html", title="Signed in")
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
    await _end_any_session(request, response)
    await start_session(request, response, user_id)
    log.info("web.oidc_signed_in")
    return response


async def _signed_in_user(request: Request, ctx: ApiContext, client: OidcClient) -> str:
    params = request.query_params
    flow = Flow.unsealed(keys_of(request), request.cookies.get(FLOW_COOKIE))
    state, code = params.get("state", ""), params.get("code", "")
    now = ctx.now()
    if flow is None or not state or not same(state, flow.state):
        raise OidcRefusal(BAD_STATE, EXPIRED)  # before ?error=: only our flow may end it
    if "error" in params:
        name = client.settings.provider_name
        raise OidcRefusal("provider_error", f"Sign-in with {name} was cancelled or refused.", 401)
    if now - flow.started_at > FLOW_LIFETIME or not code or len(code) > MAX_PARAM:
        raise OidcRefusal("stale_or_missing_code", EXPIRED)
    token = await client.exchange(
        now, code=code, verifier=flow.verifier, redirect_uri=redirect_uri(request, client.settings)
    )
    claims = await client.verify(now, token, nonce=flow.nonce)
    return await _known_user(ctx, user_id_for(claims, client.settings))
