"""One error shape for the whole API: RFC 9457 problem details (``application/problem+json``).

Every error, FastAPI's own 404, 405 and 422 included, answers::

    {"type": "urn:doorstep:problem:<slug>", "title": ..., "status": ..., "detail": ...,
     "instance": "urn:uuid:<id of this error>"}

plus ``errors`` (validation: field locations and error types only) or ``reasons``
(a refused transition, in plain words). Nothing the caller sent is ever echoed back:
not a value, not an unknown field's name, not the path. ``instance`` is a fresh id that
is also logged, so an administrator can find the log line for an error a user reports.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.engine.runtime import UnknownVisitError
from hub.engine.service import EngineNotRunningError
from hub.errors import AdapterError, TransitionRefusedError
from hub.store import StaleVisitError, StoreError, UnknownRecordError

log = structlog.get_logger(__name__)

MEDIA_TYPE = "application/problem+json"

_SAFE_LOC = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class FieldError(BaseModel):
    """Where a request failed validation and how; never the value sent."""

    loc: list[str | int] = Field(description="Where in the request, e.g. ['body', 'kind'].")
    type: str = Field(description="Pydantic's error type, e.g. 'missing' or 'enum'.")


class Problem(BaseModel):
    """An error, as every endpoint reports it."""

    type: str = Field(description="A URN naming the kind of problem.")
    title: str
    status: int
    detail: str
    instance: str = Field(description="A unique id of this error, also in the hub's log.")
    errors: list[FieldError] | None = Field(
        default=None, description="Validation errors: locations and types only."
    )
    reasons: list[str] | None = Field(
        default=None, description="Why the visit workflow refused, in plain words."
    )


class ApiProblemError(Exception):
    """Raise to answer with a problem. ``detail`` must hold no personal data."""

    def __init__(
        self,
        status: int,
        slug: str,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        reasons: Sequence[str] | None = None,
    ) -> None:
        self.status = status
        self.slug = slug
        self.detail = detail
        self.headers = dict(headers or {})
        self.reasons = list(reasons) if reasons is not None else None
        super().__init__(f"{status} {slug}")


def not_found() -> ApiProblemError:
    """The one 404 for anything the caller may not see: identical whether it exists or not."""
    return ApiProblemError(404, "not-found", "There is nothing here, or you may not see it.")


def forbidden(detail: str) -> ApiProblemError:
    """Your role at this school does not allow this."""
    return ApiProblemError(403, "forbidden", detail)


def problem_response(
    status: int,
    slug: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    errors: Iterable[FieldError] | None = None,
    reasons: Sequence[str] | None = None,
) -> JSONResponse:
    """The problem+json response for ``status``."""
    problem = Problem(
        type=f"urn:doorstep:problem:{slug}",
        title=_title(status),
        status=status,
        detail=detail,
        instance=f"urn:uuid:{uuid.uuid4()}",
        errors=list(errors) if errors is not None else None,
        reasons=list(reasons) if reasons is not None else None,
    )
    if status >= 500:
        log.error("api.problem", status=status, problem=slug, instance=problem.instance)
    return JSONResponse(
        problem.model_dump(mode="json", exclude_none=True),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=dict(headers or {}),
    )


def safe_errors(errors: Sequence[Any], *, drop_prefix: bool = False) -> list[FieldError]:
    """Validation errors reduced to locations and types.

    An unknown field's name is the caller's input, so it is replaced by ``*``; so is any
    location part that does not look like one of our field names.
    """
    found: list[FieldError] = []
    for error in errors:
        loc = [
            part if isinstance(part, int) or _SAFE_LOC.match(str(part)) else "*"
            for part in error.get("loc", ())
        ]
        if error.get("type") == "extra_forbidden" and loc:
            loc[-1] = "*"
        found.append(FieldError(loc=(["body", *loc] if drop_prefix else loc), type=error["type"]))
    return found


def response_for(exc: Exception) -> JSONResponse | None:
    """The problem response for an error the API expects, or None for anything else."""
    if isinstance(exc, ApiProblemError):
        return problem_response(
            exc.status, exc.slug, exc.detail, headers=exc.headers, reasons=exc.reasons
        )
    if isinstance(exc, RequestValidationError):
        detail = "The request is not valid; see errors for where."
        return problem_response(422, "invalid-request", detail, errors=safe_errors(exc.errors()))
    if isinstance(exc, ValidationError):
        detail = "The request is not valid; see errors for where."
        errors = safe_errors(exc.errors(), drop_prefix=True)
        return problem_response(422, "invalid-request", detail, errors=errors)
    if isinstance(exc, TransitionRefusedError):
        detail = "The visit workflow refused: " + "; ".join(exc.reasons)
        return problem_response(409, "transition-refused", detail, reasons=exc.reasons)
    if isinstance(exc, StaleVisitError):
        detail = "The visit changed meanwhile; reload it and try again."
        return problem_response(409, "visit-changed", detail)
    if isinstance(exc, UnknownVisitError | UnknownRecordError):
        return response_for(not_found())
    if isinstance(exc, StarletteHTTPException):
        return problem_response(exc.status_code, _slug(exc.status_code), _title(exc.status_code))
    if isinstance(exc, EngineNotRunningError):
        return problem_response(503, "engine-not-running", "The durable engine is not running.")
    if isinstance(exc, StoreError):
        return problem_response(503, "store-unavailable", "The hub's database did not answer.")
    if isinstance(exc, AdapterError):
        detail = "An outside system did not answer; try again later."
        return problem_response(503, "adapter-unavailable", detail)
    return None


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` with a problem."""

    async def known(request: Request, exc: Exception) -> JSONResponse:
        return response_for(exc) or await unexpected(request, exc)

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("api.unexpected_error", error=type(exc).__name__)
        return problem_response(500, "internal-error", "Something went wrong in the hub.")

    for kind in (
        ApiProblemError,
        RequestValidationError,
        ValidationError,
        TransitionRefusedError,
        StaleVisitError,
        UnknownVisitError,
        UnknownRecordError,
        StarletteHTTPException,
        EngineNotRunningError,
        StoreError,
        AdapterError,
    ):
        app.add_exception_handler(kind, known)
    app.add_exception_handler(Exception, unexpected)


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _slug(status: int) -> str:
    return _title(status).lower().replace(" ", "-").replace("'", "")
