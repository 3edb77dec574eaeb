"""Microsoft Graph calendar client over ``hub.http.HttpClient``, with app-only tokens.

Imports only ``hub.errors``, ``hub.http`` and its own models and settings. Tokens come
from the client-credentials grant at ``{authority}/{tenant}/oauth2/v2.0/token``, are
cached until ``token_refresh_margin_s`` before they expire, and are renewed once when
Graph answers 401 (a token revoked early), before the 401 is believed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from typing import Any
from urllib.parse import urlencode

import httpx

from hub.adapters.msgraph_calendar.models import WireEvent, lookup_params
from hub.adapters.msgraph_calendar.settings import MsGraphCalendarSettings
from hub.errors import AdapterError, AuthError, NotFoundError, RejectedError
from hub.http import HttpClient

ADAPTER_ID = "msgraph_calendar"
TOKEN_PATH = "/{tenant}/oauth2/v2.0/token"  # noqa: S105 - a path, not a secret
PAGE_LIMIT = 50
"""Most pages of a lookup followed; a visit has one booking, so this is a safety stop."""

Clock = Callable[[], float]


class TokenSource:
    """App-only access tokens for one tenant, cached and renewed before they expire."""

    def __init__(self, settings: MsGraphCalendarSettings, http: HttpClient, clock: Clock) -> None:
        self._settings = settings
        self._http = http
        self._clock = clock
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._expires_at = 0.0

    async def token(self) -> str:
        """A token valid for at least the refresh margin; fetched when needed."""
        async with self._lock:
            margin = self._settings.token_refresh_margin_s
            if self._token is None or self._clock() >= self._expires_at - margin:
                self._token, lifetime = await self._fetch()
                self._expires_at = self._clock() + lifetime
            return self._token

    async def discard(self, token: str) -> None:
        """Forget ``token`` (Graph refused it), unless a newer one replaced it already."""
        async with self._lock:
            if self._token == token:
                self._token = None

    async def _fetch(self) -> tuple[str, float]:
        form = {
            "grant_type": "client_credentials",
            "client_id": self._settings.client_id,
            "client_secret": self._settings.client_secret.get_secret_value(),
            "scope": self._settings.scope,
        }
        try:
            response = await self._http.request(
                "POST",
                TOKEN_PATH,
                path_params={"tenant": self._settings.tenant_id},
                content=urlencode(form),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                idempotent=True,
            )
        except (RejectedError, NotFoundError) as exc:
            raise AuthError(
                f"{ADAPTER_ID}: the token endpoint refused the app ({exc.status}); check "
                "tenant_id, client_id and client_secret",
                adapter=ADAPTER_ID,
                status=exc.status,
                request_id=exc.request_id,
            ) from None
        try:
            body = response.json()
            return str(body["access_token"]), float(body.get("expires_in", 3599))
        except (ValueError, KeyError, TypeError):
            raise AdapterError(
                f"{ADAPTER_ID}: POST {TOKEN_PATH} answered without a token",
                adapter=ADAPTER_ID,
                status=response.status_code,
            ) from None


class GraphAuth(httpx.Auth):
    """Bearer tokens from a ``TokenSource``; one renewal and resend on a 401."""

    def __init__(self, tokens: TokenSource) -> None:
        self._tokens = tokens

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        """Not supported: the adapter's client is async only."""
        raise RuntimeError("GraphAuth works with an async client only")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Send with the cached token; on 401 renew it once and send again."""
        token = await self._tokens.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == httpx.codes.UNAUTHORIZED:
            await response.aread()
            await self._tokens.discard(token)
            request.headers["Authorization"] = f"Bearer {await self._tokens.token()}"
            yield request


class MsGraphCalendarClient:
    """One school's calendars in Microsoft 365, through Graph with app-only access."""

    def __init__(
        self,
        settings: MsGraphCalendarSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        self._login = HttpClient(
            ADAPTER_ID, settings.authority_http(), transport=transport, sleep=sleep
        )
        self.tokens = TokenSource(settings, self._login, clock)
        self._http = HttpClient(
            ADAPTER_ID,
            settings,
            transport=transport,
            sleep=sleep,
            auth=GraphAuth(self.tokens),
            headers={"Accept": "application/json"},
        )

    async def find_event(self, mailbox: str, ref: str) -> WireEvent | None:
        """The booking Doorstep made for visit ``ref`` in ``mailbox``'s calendar, or None."""
        path: str = "/users/{mailbox}/events"
        params: dict[str, str] | None = lookup_params(ref)
        for _ in range(PAGE_LIMIT):
            body = await self._http.get_json(path, path_params={"mailbox": mailbox}, params=params)
            for item in body.get("value") or []:
                return WireEvent.model_validate(item)
            following = body.get("@odata.nextLink")
            if not following:
                return None
            path, params = str(following), None
        return None

    async def create_event(self, mailbox: str, body: dict[str, Any]) -> WireEvent:
        """Create a booking, in one attempt. The body's ``transactionId`` lets Graph drop
        a resend, but a lost answer is settled by a lookup, not by sending again blind."""
        response = await self._http.request(
            "POST",
            "/users/{mailbox}/events",
            path_params={"mailbox": mailbox},
            json=body,
            idempotent=False,
        )
        return WireEvent.model_validate(response.json())

    async def update_event(self, mailbox: str, event_id: str, body: dict[str, Any]) -> None:
        """Change a booking (PATCH sets the same fields again: safe to resend)."""
        await self._http.request(
            "PATCH",
            "/users/{mailbox}/events/{event}",
            path_params={"mailbox": mailbox, "event": event_id},
            json=body,
            idempotent=True,
        )

    async def cancel_event(self, mailbox: str, event_id: str, comment: str) -> None:
        """Cancel a meeting, telling its attendees; gone already counts as done."""
        try:
            await self._http.request(
                "POST",
                "/users/{mailbox}/events/{event}/cancel",
                path_params={"mailbox": mailbox, "event": event_id},
                json={"Comment": comment},
                idempotent=True,
            )
        except NotFoundError:
            return

    async def delete_event(self, mailbox: str, event_id: str) -> None:
        """Remove a booking with no attendees; gone already counts as done."""
        try:
            await self._http.request(
                "DELETE",
                "/users/{mailbox}/events/{event}",
                path_params={"mailbox": mailbox, "event": event_id},
            )
        except NotFoundError:
            return

    async def ping(self, mailbox: str) -> None:
        """A token, and a read of ``mailbox``'s calendar: what bookings need."""
        await self._http.get_json(
            "/users/{mailbox}/calendar", path_params={"mailbox": mailbox}, params={"$select": "id"}
        )

    async def aclose(self) -> None:
        """Close both connection pools (Graph and the token endpoint)."""
        await self._http.aclose()
        await self._login.aclose()
