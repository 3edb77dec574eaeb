"""The OneRoster 1.2 rostering API client, over the hub's ``HttpClient``.

- **Auth:** OAuth 2 client credentials. The token is cached until shortly before it
  expires; a 401 from the API drops it, fetches a new one and tries once more.
- **Paging:** ``limit`` / ``offset``, streamed: each page is parsed as it arrives
  and handed over in order, so a caller maps it and lets it go (a 20,000-pupil roll
  is never held as wire models). The first two pages are asked for at once. With
  ``X-Total-Count`` the remaining pages go through a window of ``concurrency``
  fetches (in flight or waiting to be handed over); without it pages are read in
  order until a short page. A server serving fewer records than asked for (its own
  cap) is followed at its page size.
- **Back-off:** the shared retry policy honours ``Retry-After``; while any request is
  backing off (after a 429 or 5xx), no other page fetch starts.
- **Demographics:** the whole collection for a full pull; for a few pupils (an
  incremental pull) filtered requests, ``sourcedId='a' OR sourcedId='b' ...``.
- **Errors:** statuses map to hub errors in ``hub.http``; an ``imsx_StatusInfo``
  failure sent with HTTP 200 maps the same way. Messages carry method, path
  template, status and standard codes only.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from contextlib import aclosing
from datetime import date, datetime
from typing import Any, NamedTuple, TypeVar
from urllib.parse import urlencode, urlsplit

import httpx
import structlog

from hub.adapters.oneroster.models import (
    DEMOGRAPHICS,
    ROLL,
    STUDENT_ROLE,
    Collection,
    Demographics,
    OneDemographics,
    OneUser,
    R,
    RollUser,
    User,
    filter_after,
    filters_any_of,
    holds_role,
    imsx_error,
    parse,
)
from hub.adapters.oneroster.settings import OneRosterSettings
from hub.errors import AuthError, NotFoundError, RejectedError
from hub.http import HttpClient, HttpSettings

ADAPTER_ID = "oneroster"
DEMOGRAPHICS_PATH = "/demographics"
SEND_TURNS = 8
"""Turns of the event loop a new page request gets before the caller's work on a page:
on a pooled connection httpcore and anyio pass three checkpoints before writing it."""
WINDOW_PER_SLOT = 2
"""Pages fetched ahead per concurrency slot: a slow page holds back the hand-over, not
the requests behind it, while at most this many pages per slot wait in memory."""
FIRST_ROUND_PAGES = 2
"""Pages asked for at once before the first answer gives the total: an incremental
pull of up to two pages takes one round trip; a smaller one costs one empty page."""

log = structlog.get_logger(__name__)
T = TypeVar("T")


class _Fetched(NamedTuple):
    """One page's answer, kept as bytes until it is handed over and parsed."""

    content: bytes
    status: int
    total: int | None


class _Backoff:
    """A gate every page fetch passes; closed while any request waits to retry."""

    def __init__(self, sleep: Callable[[float], Awaitable[None]]) -> None:
        self._sleep = sleep
        self._waiting = 0
        self._open = asyncio.Event()
        self._open.set()

    async def sleep(self, seconds: float) -> None:
        """The sleep handed to ``HttpClient``: waits, and holds the gate shut meanwhile."""
        self._waiting += 1
        self._open.clear()
        try:
            await self._sleep(seconds)
        finally:
            self._waiting -= 1
            if self._waiting == 0:
                self._open.set()

    async def wait(self) -> None:
        """Return once no request is backing off."""
        await self._open.wait()


class _TokenCache:
    """One access token at a time, fetched under a lock so concurrent pages share it."""

    def __init__(
        self,
        fetch: Callable[[], Awaitable[tuple[str, float]]],
        clock: Callable[[], float],
        margin_s: float,
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._margin_s = margin_s
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> str:
        """A token valid for at least the margin, fetching one when needed."""
        async with self._lock:
            if self._token is None or self._clock() >= self._expires_at - self._margin_s:
                token, lifetime_s = await self._fetch()
                self._token, self._expires_at = token, self._clock() + lifetime_s
            return self._token

    def drop(self, token: str) -> None:
        """Forget ``token`` (the API refused it), unless a newer one replaced it."""
        if self._token == token:
            self._token = None


class OneRosterClient:
    """Reads students, their agents and demographics from a OneRoster 1.2 service."""

    def __init__(
        self,
        settings: OneRosterSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._backoff = _Backoff(sleep)
        token_url = urlsplit(str(settings.token_url))
        self._token_path = token_url.path or "/"
        http_fields = {name: getattr(settings, name) for name in HttpSettings.model_fields}
        origin = f"{token_url.scheme}://{token_url.netloc}/"
        auth_settings = HttpSettings.model_validate(http_fields | {"base_url": origin})
        self._http = HttpClient(
            ADAPTER_ID, settings, transport=transport, sleep=self._backoff.sleep
        )
        self._token_http = HttpClient(
            ADAPTER_ID, auth_settings, transport=transport, sleep=self._backoff.sleep
        )
        self._tokens = _TokenCache(self._fetch_token, clock, settings.token_refresh_margin_s)
        self._limit = settings.page_size
        self._semaphore = asyncio.Semaphore(settings.concurrency)

    async def aclose(self) -> None:
        """Close both HTTP clients."""
        await self._http.aclose()
        await self._token_http.aclose()

    # --- auth ---------------------------------------------------------------------------

    async def _fetch_token(self) -> tuple[str, float]:
        settings = self._settings
        form = {"grant_type": "client_credentials", "scope": settings.scope}
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        client_id, secret = settings.client_id, settings.client_secret.get_secret_value()
        if settings.client_auth == "basic":
            pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {pair}"
        else:
            form |= {"client_id": client_id, "client_secret": secret}
        try:
            response = await self._token_http.request(
                "POST",
                self._token_path,
                content=urlencode(form).encode(),
                headers=headers,
                idempotent=True,
            )
        except RejectedError as exc:  # RFC 6749 answers bad credentials or scope with 400
            raise AuthError(
                str(exc), adapter=ADAPTER_ID, status=exc.status, request_id=exc.request_id
            ) from None
        body = _json(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise AuthError(
                f"{ADAPTER_ID}: POST {self._token_path} gave no access token",
                adapter=ADAPTER_ID,
                status=response.status_code,
            )
        expires_in = body.get("expires_in")
        lifetime = (
            float(expires_in) if isinstance(expires_in, int | float) and expires_in > 0 else 3600.0
        )
        log.debug("oneroster.token", lifetime_s=lifetime)
        return token, lifetime

    async def _get(
        self,
        path: str,
        *,
        path_params: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        """GET with the bearer token; a 401 drops the token and tries once more.

        Waits first while any request is backing off, so a 429 slows every fetch.
        """
        await self._backoff.wait()
        token = await self._tokens.get()
        try:
            response = await self._send(path, token, path_params, params)
        except AuthError as exc:
            if exc.status != 401:
                raise
            self._tokens.drop(token)
            log.info("oneroster.token_refused", status=401)
            response = await self._send(path, await self._tokens.get(), path_params, params)
        if b"imsx_codeMajor" in response.content:  # a failure some servers send as 200
            error = imsx_error(
                _json(response),
                adapter=ADAPTER_ID,
                method="GET",
                path_template=path,
                status=response.status_code,
            )
            if error is not None:
                raise error
        return response

    async def _send(
        self,
        path: str,
        token: str,
        path_params: dict[str, str] | None,
        params: dict[str, Any] | None,
    ) -> httpx.Response:
        return await self._http.request(
            "GET",
            path,
            path_params=path_params,
            params=params,
            headers={"Authorization": f"Bearer {token}"},
        )

    # --- paging -------------------------------------------------------------------------

    async def _page(
        self,
        path: str,
        offset: int,
        limit: int,
        base: dict[str, Any],
        path_params: dict[str, str] | None,
    ) -> _Fetched:
        query = base | {"limit": limit, "offset": offset}
        response = await self._bounded(self._get(path, path_params=path_params, params=query))
        return _Fetched(response.content, response.status_code, _total(response))

    async def _bounded(self, work: Awaitable[T]) -> T:
        """Run ``work`` holding one of the ``concurrency`` slots."""
        async with self._semaphore:
            return await work

    async def pages(
        self,
        path: str,
        collection: Collection[R],
        *,
        params: dict[str, Any] | None = None,
        path_params: dict[str, str] | None = None,
        first_round: int = FIRST_ROUND_PAGES,
    ) -> AsyncGenerator[list[R], None]:
        """Every page of a collection, in offset order, each handed over as soon as it
        and the pages before it have arrived (see the module docstring for how).

        The first ``first_round`` pages are asked for at once, before the first answer
        says how many there are, so a small collection (an incremental pull) takes one
        round trip. Pages wait as bytes and are parsed when handed over, so the wire
        models live only while the caller maps them. Close the iterator
        (``contextlib.aclosing``) when stopping early.
        """
        base = dict(params or {})
        limit = self._limit

        def fetch(offset: int, size: int) -> asyncio.Task[_Fetched]:
            return asyncio.ensure_future(self._page(path, offset, size, base, path_params))

        def decode(fetched: _Fetched) -> list[R]:
            return collection.records(fetched.content, path_template=path, status=fetched.status)

        ahead = {offset: fetch(offset, limit) for offset in range(0, first_round * limit, limit)}
        try:
            head = await ahead.pop(0)
            first, total = decode(head), head.total
            del head
            yield first
            step = len(first)
            if step == 0 or (step < limit and (total is None or total <= step)):
                return
            if total is not None:
                window = self._in_order(range(step, total, step), ahead, fetch, step)
                async with aclosing(window):
                    async for fetched in window:
                        yield decode(fetched)
                return
            seen = {r["sourcedId"] for r in first}
            offset = step
            while True:  # no total: one page after another until a short page
                records = decode(
                    await (ahead.pop(offset) if offset in ahead else fetch(offset, step))
                )
                fresh = {r["sourcedId"] for r in records} - seen
                if not fresh:  # empty, or a server ignoring offset: nothing more to read
                    return
                seen |= fresh
                yield records
                if len(records) < step:
                    return
                offset += step
        finally:
            await _cancel(ahead.values())

    async def _in_order(
        self,
        offsets: Iterable[int],
        ahead: dict[int, asyncio.Task[_Fetched]],
        fetch: Callable[[int, int], asyncio.Task[_Fetched]],
        size: int,
    ) -> AsyncGenerator[_Fetched, None]:
        """Pages at ``offsets`` through a window of fetches: a page is handed over in
        order, and its place in the window goes to the next offset, so at most
        ``WINDOW_PER_SLOT * concurrency`` pages are in flight or waiting (as bytes)."""
        todo = iter(offsets)
        window: deque[asyncio.Task[_Fetched]] = deque()

        def top_up() -> None:
            for offset in todo:
                window.append(ahead.pop(offset) if offset in ahead else fetch(offset, size))
                if len(window) >= WINDOW_PER_SLOT * self._settings.concurrency:
                    return

        try:
            top_up()
            while window:
                fetched = await window[0]
                window.popleft()
                top_up()
                for _ in range(SEND_TURNS):  # the new request goes out before the caller works
                    await asyncio.sleep(0)
                yield fetched
        finally:
            await _cancel(window)

    # --- resources ----------------------------------------------------------------------

    async def student_pages(
        self, since: datetime | None = None
    ) -> AsyncGenerator[list[RollUser], None]:
        """The students (of the configured school), changed after ``since`` if given,
        page by page as they arrive; a student already handed over is not repeated."""
        params = {"filter": filter_after("dateLastModified", since)} if since else {}
        school = self._settings.school_sourced_id
        path, path_params = "/students", None
        if school:
            path, path_params = "/schools/{school_id}/students", {"school_id": school}
        seen: set[str] = set()
        pages = self.pages(path, ROLL, params=params, path_params=path_params)
        async with aclosing(pages):
            async for users in pages:
                fresh = [
                    u
                    for u in users
                    if holds_role(u.get("roles", ()), STUDENT_ROLE) and u["sourcedId"] not in seen
                ]
                seen.update(u["sourcedId"] for u in fresh)
                yield fresh

    async def students(self, since: datetime | None = None) -> list[RollUser]:
        """Every student (see ``student_pages``) in one list."""
        return [user async for page in self.student_pages(since) for user in page]

    async def student(self, sourced_id: str) -> User:
        """One student; ``NotFoundError`` for an unknown id or a user who is not a student."""
        path = "/students/{sourced_id}"
        response = await self._get(path, path_params={"sourced_id": sourced_id})
        found = parse(OneUser, response.content, path_template=path, status=response.status_code)
        if not found.user.is_student:
            raise NotFoundError(
                f"{ADAPTER_ID}: GET {path} is not a student",
                adapter=ADAPTER_ID,
                status=response.status_code,
            )
        return found.user

    async def user(self, sourced_id: str) -> User | None:
        """One user by id, or None when the service does not know it."""
        path = "/users/{sourced_id}"
        try:
            response = await self._get(path, path_params={"sourced_id": sourced_id})
        except NotFoundError:
            return None
        return parse(OneUser, response.content, path_template=path, status=200).user

    async def users(self, sourced_ids: Iterable[str]) -> list[User]:
        """The users with these ids, in order, fetched concurrently; unknown ids skipped."""
        found = await asyncio.gather(*(self._bounded(self.user(i)) for i in sourced_ids))
        return [u for u in found if u is not None]

    async def demographics(self, sourced_id: str) -> Demographics | None:
        """One person's demographics, or None when the service holds none."""
        path = "/demographics/{sourced_id}"
        try:
            response = await self._get(path, path_params={"sourced_id": sourced_id})
        except NotFoundError:
            return None
        return parse(OneDemographics, response.content, path_template=path, status=200).demographics

    async def birth_dates(self) -> dict[str, date | None]:
        """Every person's date of birth from the whole demographics collection, by
        sourcedId (only the dates are kept, page by page)."""
        births: dict[str, date | None] = {}
        async for records in self.pages(DEMOGRAPHICS_PATH, DEMOGRAPHICS):
            births.update((d["sourcedId"], d.get("birthDate")) for d in records)
        return births

    async def birth_dates_of(self, sourced_ids: Iterable[str]) -> dict[str, date | None]:
        """These people's dates of birth, by sourcedId, read with filtered collection
        requests (``sourcedId='a' OR sourcedId='b' ...``, sent concurrently) rather than
        one request each. A server refusing the filter, or an id no filter can carry,
        falls back to one request per person."""
        wanted = set(sourced_ids)
        chunks, singles = filters_any_of("sourcedId", sorted(wanted), max_values=self._limit)
        births: dict[str, date | None] = {}

        async def read(expression: str, ids: list[str]) -> list[str]:
            params = {"filter": expression}
            pages = self.pages(DEMOGRAPHICS_PATH, DEMOGRAPHICS, params=params, first_round=1)
            try:
                async with aclosing(pages):
                    async for records in pages:
                        births.update(
                            (d["sourcedId"], d.get("birthDate"))
                            for d in records
                            if d["sourcedId"] in wanted
                        )
            except RejectedError:  # no OR filter on sourcedId here: one request each
                log.info("oneroster.filter_refused", path=DEMOGRAPHICS_PATH, status=400)
                return ids
            return []

        for refused in await asyncio.gather(*(read(e, ids) for e, ids in chunks)):
            singles += refused
        for one in await asyncio.gather(*(self._bounded(self.demographics(i)) for i in singles)):
            if one is not None:
                births[one.sourced_id] = one.birth_date
        return births

    async def ping(self) -> None:
        """One small authenticated read; raises an ``AdapterError`` when it fails."""
        school = self._settings.school_sourced_id
        if school:
            await self._get(
                "/schools/{school_id}/students",
                path_params={"school_id": school},
                params={"limit": 1},
            )
        else:
            await self._get("/students", params={"limit": 1})


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _total(response: httpx.Response) -> int | None:
    raw = response.headers.get("x-total-count", "")
    return int(raw) if raw.strip().isdigit() else None


async def _cancel(tasks: Iterable[asyncio.Task[Any]]) -> None:
    """Cancel fetches no longer wanted and let them finish (their errors are moot)."""
    unwanted = list(tasks)
    for task in unwanted:
        task.cancel()
    await asyncio.gather(*unwanted, return_exceptions=True)
