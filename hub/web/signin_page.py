"""The sign-in page: the password form and, when configured, the OIDC button."""

from __future__ import annotations

from fastapi import Request, Response

from hub.api.context import context_of
from hub.web.render import page
from hub.web.sessions import SIGNIN_COOKIE, set_cookie, signin_token


def oidc_provider(request: Request) -> str | None:
    """The name on the "Sign in with ..." button, or None when OIDC is off or incomplete."""
    oidc = context_of(request).settings.oidc
    return oidc.provider_name if oidc.enabled and not oidc.missing() else None


def signin_page(request: Request, message: str = "", status_code: int = 200) -> Response:
    """The sign-in page with its double-submit CSRF cookie, and ``message`` if any."""
    token = signin_token(request)
    response = page(
        request,
        "signin.html",
        status_code=status_code,
        csrf=token,
        message=message,
        oidc_provider=oidc_provider(request),
    )
    set_cookie(request, response, SIGNIN_COOKIE, token, 3600)
    return response
