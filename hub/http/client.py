"""``HttpClient``: the one way an adapter talks HTTP.

One ``httpx.AsyncClient`` per adapter instance, with explicit timeouts and limits,
TLS verification, the Doorstep user agent, no redirects unless the settings ask, and
the egress guard in its transport. ``request()`` formats a path template, enforces
the overall deadline (httpx read timeouts are per chunk), retries per
``hub.http.retry`` and turns every failure into a ``hub.errors.AdapterError``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import httpx
import structlog

from hub.errors import AdapterConfigError, AdapterError
from hub.http.defaults import IDEMPOTENT_METHODS, user_agent
from hub.http.retry import retry_policy
from hub.http.settings import HttpSettings
from hub.http.status import describe, error_for, error_for_failure
from hub.http.transport import build_transport, limits_for

PathParams = Mapping[str, str | int]

log = structlog.get_logger(__name__)


class HttpClient:
    """HTTP for one adapter instance: ``await client.request("GET", "/pupils/{id}", ...)``.

    ``transport`` is the test seam (``httpx.ASGITransport(app=fake)``); None builds
    the guarded real transport. ``sleep`` is what retries wait with. ``auth`` and
    ``headers`` apply to every request.
    """

    def __init__(
        self,
        adapter_id: str,
        settings: HttpSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.adapter_id = adapter_id
        self.settings = settings
        self._sleep = sleep
        self._base = httpx.URL(str(settings.base_url))
        self._client = httpx.AsyncClient(
            base_url=self._base,
            transport=transport if transport is not None else build_transport(adapter_id, settings),
            timeout=httpx.Timeout(settings.timeout_s, connect=settings.connect_timeout_s),
            limits=limits_for(settings),
            follow_redirects=settings.follow_redirects,
            trust_env=False,
            auth=auth,
            headers={"User-Agent": user_agent(adapter_id), **(headers or {})},
        )

    async def request(
        self,
        method: str,
        path_template: str,
        *,
        path_params: PathParams | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send one request, retrying when safe; return the response (status < 400).

        ``path_template`` is relative to ``base_url`` (``/students/{id}``) with each
        ``path_params`` value percent-encoded into it, or an absolute URL on the same
        origin (a "next page" link). Retried when ``idempotent`` is True, or when it is
        None and the method is GET, HEAD, OPTIONS, PUT or DELETE. Raises ``AuthError``,
        ``NotFoundError``, ``RejectedError``, ``TransientError`` (``retry_after`` set
        from the server's hint) or ``AdapterConfigError`` (refused address, bad URL).
        """
        verb = method.upper()
        url, shown = self._url(path_template, path_params)
        retry = idempotent if idempotent is not None else verb in IDEMPOTENT_METHODS
        deadline = asyncio.get_running_loop().time() + self.settings.deadline_s
        policy = retry_policy(
            self.adapter_id, self.settings, sleep=self._sleep, retry=retry, method=verb, path=shown
        )
        response: httpx.Response = await policy(
            self._attempt,
            verb,
            url,
            shown,
            deadline,
            params=params,
            json=json,
            content=content,
            headers=headers,
        )
        return response

    async def get_json(
        self,
        path_template: str,
        *,
        path_params: PathParams | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """GET and decode the JSON body; a body that is not JSON is an ``AdapterError``."""
        response = await self.request(
            "GET", path_template, path_params=path_params, params=params, headers=headers
        )
        try:
            return response.json()
        except ValueError:
            shown = self._url(path_template, path_params)[1]
            raise AdapterError(
                self._describe("GET", shown, f"answered {response.status_code} without JSON"),
                adapter=self.adapter_id,
                status=response.status_code,
            ) from None

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._client.aclose()

    @property
    def is_closed(self) -> bool:
        """True once ``aclose()`` has run."""
        return self._client.is_closed

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _attempt(
        self, method: str, url: httpx.URL | str, shown: str, deadline: float, **kwargs: Any
    ) -> httpx.Response:
        remaining = deadline - asyncio.get_running_loop().time()
        deadline_s = self.settings.deadline_s
        try:
            if remaining <= 0:
                raise TimeoutError
            async with asyncio.timeout(remaining):
                response = await self._client.request(method, url, **kwargs)
        except (TimeoutError, httpx.HTTPError) as exc:
            failure = error_for_failure(
                exc, adapter=self.adapter_id, method=method, path=shown, deadline_s=deadline_s
            )
            if isinstance(failure, AdapterConfigError) and isinstance(exc, httpx.ConnectError):
                log.warning("http.tls_failed", adapter=self.adapter_id, method=method, path=shown)
            raise failure from None
        error = error_for(response, adapter=self.adapter_id, method=method, path=shown)
        if error is not None:
            raise error
        return response

    def _describe(self, method: str, shown: str, what: str) -> str:
        return describe(self.adapter_id, method, shown, what, None)

    def _url(self, template: str, path_params: PathParams | None) -> tuple[httpx.URL | str, str]:
        """The URL to send and the path shown in messages (template, never the query)."""
        if template.startswith(("http://", "https://")):
            url = httpx.URL(template)
            if (url.scheme, url.host, url.port) != (
                self._base.scheme,
                self._base.host,
                self._base.port,
            ):
                raise AdapterConfigError(
                    f"{self.adapter_id}: refused a link to another origin than base_url",
                    adapter=self.adapter_id,
                )
            return url, url.path
        shown = template.split("?", 1)[0]
        if not path_params:
            return template, shown
        encoded = {key: quote(str(value), safe="") for key, value in path_params.items()}
        try:
            return template.format_map(encoded), shown
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"path template {shown!r} cannot be filled ({type(exc).__name__})"
            ) from None
