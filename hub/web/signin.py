"""Signing in and out, and the landing page that sends each user to their page.

Password sign-in is here; sign-in with Microsoft 365 or Google Workspace (OIDC) is
``hub.web.oidc``, whose routes this router includes.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from hub.api.context import context_of
from hub.api.security import Caller
from hub.auth.secrets import verify_password
from hub.web import oidc
from hub.web.forms import read_form
from hub.web.nav import home_for
from hub.web.render import page
from hub.web.routing import SIGN_IN, WebRoute
from hub.web.sessions import (
    check_csrf,
    check_signin_csrf,
    current_session,
    end_session,
    require_session,
    start_session,
)
from hub.web.signin_page import signin_page

router = APIRouter(prefix="/web", route_class=WebRoute, include_in_schema=False)
router.include_router(oidc.router)

MAX_USER_ID = 128
MAX_PASSWORD = 1024
FAILED = "That user name and password did not match. Try again."


@router.get("/sign-in")
async def signin_form(request: Request) -> Response:
    """The sign-in form."""
    return signin_page(request)


@router.post("/sign-in")
async def signin(request: Request) -> Response:
    """Check the password; start a session and go to the user's page."""
    form = await read_form(request)
    check_signin_csrf(request, form.csrf)
    user_id, password = form.get("user_id"), form.fields.get("password", "")
    ctx = context_of(request)
    if not user_id or len(user_id) > MAX_USER_ID or len(password) > MAX_PASSWORD:
        return signin_page(request, FAILED, 401)
    stored = await ctx.io(ctx.users.password_hash, user_id)
    if not await ctx.io(verify_password, stored, password):
        return signin_page(request, FAILED, 401)
    response = RedirectResponse("/web/", status_code=303)
    await start_session(request, response, user_id)
    return response


@router.post("/sign-out")
async def signout(request: Request) -> Response:
    """End the session."""
    session = await current_session(request)
    response = RedirectResponse(SIGN_IN, status_code=303)
    if session is not None:
        form = await read_form(request)
        check_csrf(request, session, form.csrf)
        await end_session(request, response, session)
    return response


@router.get("/")
async def home(request: Request) -> Response:
    """One school: straight to the user's page there. Several: a list to choose from."""
    session = await require_session(request)
    memberships = session.principal.memberships
    if len(memberships) == 1:
        membership = memberships[0]
        caller = Caller(context_of(request), session.principal, membership)
        return RedirectResponse(home_for(caller), status_code=303)
    links = [
        (m.school_id, home_for(Caller(context_of(request), session.principal, m)))
        for m in memberships
    ]
    return page(request, "home.html", links=links, user_id=session.principal.user_id)
