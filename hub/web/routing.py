"""The web pages' route class and the signed-in caller of a page.

``WebRoute`` turns what the API would answer as a problem into an HTML page with
the same status and plain words (never the submitted input), a missing session
into a redirect to the sign-in page, and a bad CSRF token into a 403 page.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

import structlog
from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from hub.api.context import context_of
from hub.api.problems import not_found, response_for
from hub.api.security import Caller
from hub.web.forms import FormTooLargeError
from hub.web.render import page
from hub.web.sessions import CsrfError, SignInRequiredError, WebSession, require_session

log = structlog.get_logger(__name__)

SIGN_IN = "/web/sign-in"


class WebRoute(APIRoute):
    """An ``APIRoute`` whose errors are HTML pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler with the web's error pages."""
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequiredError:
                return RedirectResponse(SIGN_IN, status_code=303)
            except CsrfError:
                detail = "This form has expired. Go back, reload the page and try again."
                return error_page(request, 403, detail)
            except FormTooLargeError:
                return error_page(request, 413, "That form was too large.")
            except Exception as exc:
                known = response_for(exc)
                if known is None:
                    log.error("web.unexpected_error", error=type(exc).__name__)
                    return error_page(request, 500, "Something went wrong in the hub.")
                problem = json.loads(bytes(known.body))
                return error_page(
                    request, known.status_code, problem["detail"], problem.get("reasons") or []
                )

        return route


def error_page(
    request: Request, status: int, detail: str, reasons: list[str] | None = None
) -> Response:
    """An error as a page: the status, plain words, and the workflow's reasons."""
    return page(
        request, "error.html", status_code=status, status=status, detail=detail, reasons=reasons
    )


async def web_caller(request: Request, school_id: str) -> tuple[Caller, WebSession]:
    """The signed-in caller at ``school_id`` (404 when they hold no role there)."""
    session = await require_session(request)
    membership = session.principal.at(school_id)
    if membership is None:
        raise not_found()
    caller = Caller(ctx=context_of(request), principal=session.principal, membership=membership)
    return caller, session
