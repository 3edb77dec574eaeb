"""The one place that turns statuses and failures into hub errors."""

from __future__ import annotations

import ssl
from typing import Any

import httpx
import pytest

from hub.errors import AdapterConfigError, AdapterError, TransientError
from hub.http.status import error_for, error_for_failure, request_id_of

WHERE: dict[str, Any] = {"adapter": "demo", "method": "GET", "path": "/pupils/{id}"}


def _certificate_failure() -> httpx.ConnectError:
    error = httpx.ConnectError("certificate verify failed for https://x.test/?q=secret")
    error.__cause__ = ssl.SSLCertVerificationError(1, "hostname mismatch")
    return error


@pytest.mark.parametrize(
    ("failure", "kind", "text"),
    [
        (TimeoutError(), TransientError, "within the 3 s deadline"),
        (httpx.ReadTimeout("read https://x.test/?q=secret"), TransientError, "ReadTimeout"),
        (httpx.ConnectError("refused https://x.test/?q=secret"), TransientError, "ConnectError"),
        (httpx.RemoteProtocolError("bad https://x.test/?q=s"), TransientError, "RemoteProtocol"),
        (httpx.UnsupportedProtocol("ftp://x.test/?q=secret"), AdapterConfigError, "scheme"),
        (_certificate_failure(), AdapterConfigError, "TLS certificate"),
        (httpx.TooManyRedirects("https://x.test/?q=secret"), AdapterError, "TooManyRedirects"),
    ],
)
def test_failures_map_to_errors_without_their_text(
    failure: TimeoutError | httpx.HTTPError, kind: type[AdapterError], text: str
) -> None:
    error = error_for_failure(failure, deadline_s=3, **WHERE)
    assert type(error) is kind
    assert str(error).startswith("demo: GET /pupils/{id} ")
    assert text in str(error)
    assert "secret" not in str(error)
    assert "x.test" not in str(error)


@pytest.mark.parametrize("status", [200, 204, 301, 302, 304])
def test_answers_below_400_are_not_errors(status: int) -> None:
    assert error_for(httpx.Response(status), **WHERE) is None


def test_the_first_known_request_id_header_wins() -> None:
    headers = httpx.Headers({"x-ms-request-id": "ms-1", "request-id": "plain-2"})
    assert request_id_of(headers) == "plain-2"
    assert request_id_of(httpx.Headers({"x-ms-request-id": "ms-1"})) == "ms-1"
    assert request_id_of(httpx.Headers({"x-request-id": "x" * 200})) is None
