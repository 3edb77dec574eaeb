"""HTTP status or failure → hub error, in one place, with messages safe to log.

A message names the adapter, the method, the path *template*, the status and the
upstream request id: never a body, a query string, a header value or personal data.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Mapping
from datetime import UTC, datetime

import httpx

from hub.errors import (
    AdapterConfigError,
    AdapterError,
    AuthError,
    NotFoundError,
    RejectedError,
    TransientError,
)
from hub.http.defaults import REQUEST_ID_HEADERS
from hub.http.retry_after import parse_retry_after

_SAFE_ID = re.compile(r"[A-Za-z0-9._:/+=-]{1,128}")


def request_id_of(headers: Mapping[str, str]) -> str | None:
    """The upstream request id from the first known header, if it looks like an id."""
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value and _SAFE_ID.fullmatch(value.strip()):
            return value.strip()
    return None


def describe(adapter: str, method: str, path: str, what: str, request_id: str | None) -> str:
    """``wonde: GET /students/{id} answered 404 (request id abc)``."""
    suffix = f" (request id {request_id})" if request_id else ""
    return f"{adapter}: {method} {path} {what}{suffix}"


def error_for(
    response: httpx.Response, *, adapter: str, method: str, path: str, now: datetime | None = None
) -> AdapterError | None:
    """The hub error for a failed response, or None for 1xx/2xx/3xx.

    401/403 → ``AuthError``; 404/410 → ``NotFoundError``; 408/425/429/5xx →
    ``TransientError`` carrying ``Retry-After`` in seconds; any other 4xx →
    ``RejectedError``. ``path`` must be the template, never the sent URL.
    """
    status = response.status_code
    if status < 400:
        return None
    request_id = request_id_of(response.headers)
    message = describe(adapter, method, path, f"answered {status}", request_id)
    kind: type[AdapterError] = RejectedError
    if status in (401, 403):
        kind = AuthError
    elif status in (404, 410):
        kind = NotFoundError
    elif status in (408, 425, 429) or status >= 500:
        retry_after = parse_retry_after(
            response.headers.get("retry-after"),
            now=now or datetime.now(UTC),
            server_date=response.headers.get("date"),
        )
        return TransientError(
            message, retry_after=retry_after, adapter=adapter, status=status, request_id=request_id
        )
    return kind(message, adapter=adapter, status=status, request_id=request_id)


def error_for_failure(
    failure: TimeoutError | httpx.HTTPError,
    *,
    adapter: str,
    method: str,
    path: str,
    deadline_s: float,
) -> AdapterError:
    """The hub error for a request that got no usable response.

    The overall deadline passing (``TimeoutError``), an httpx timeout and any transport
    failure are ``TransientError``; a TLS certificate that fails its checks and a URL
    scheme httpx cannot speak are ``AdapterConfigError``; anything else is an
    ``AdapterError``. Only the failure's type name is kept, never its text (it may
    hold a URL).
    """
    kind = type(failure).__name__
    if isinstance(failure, TimeoutError):
        what = f"got no complete answer within the {deadline_s:g} s deadline"
        return TransientError(describe(adapter, method, path, what, None), adapter=adapter)
    if isinstance(failure, httpx.UnsupportedProtocol):
        what = "has an unsupported URL scheme"
        return AdapterConfigError(describe(adapter, method, path, what, None), adapter=adapter)
    if isinstance(failure, httpx.ConnectError) and _is_certificate_failure(failure):
        what = "refused: the server's TLS certificate failed checks"
        return AdapterConfigError(describe(adapter, method, path, what, None), adapter=adapter)
    if isinstance(failure, httpx.TimeoutException):
        what = f"timed out ({kind})"
        return TransientError(describe(adapter, method, path, what, None), adapter=adapter)
    if isinstance(failure, httpx.TransportError):
        what = f"failed ({kind})"
        return TransientError(describe(adapter, method, path, what, None), adapter=adapter)
    return AdapterError(describe(adapter, method, path, f"failed ({kind})", None), adapter=adapter)


def _is_certificate_failure(error: BaseException) -> bool:
    """True when a connect error was the server's certificate failing verification."""
    seen: BaseException | None = error
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
