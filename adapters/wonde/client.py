"""The Wonde API client, over ``hub.http.HttpClient``.

Bearer token auth; every list is read in cursor mode (``cursor=true``, then each
``meta.pagination.next`` link) to the end, which, unlike offset paging, skips no rows
when the MIS changes mid-sync. A ``next`` link must stay on the same origin and path,
so the token never travels elsewhere; "more pages" without a link is an error, never
a silent stop. Messages name the path template only.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from hub.adapters.wonde.models import (
    One,
    Page,
    StudentCore,
    WondeAttendanceSummary,
    WondeSessionMark,
    WondeStudent,
    peek_next_url,
)
from hub.adapters.wonde.settings import WondeSettings
from hub.errors import AdapterError
from hub.http import HttpClient

ADAPTER_ID = "wonde"

STUDENT_INCLUDES = (
    "contacts",
    "contacts.contact_details",
    "contact_details",
    "extended_details",
    "year",
)
"""Asked for with one student: contacts with their details, the home address, the year."""

ROLL_INCLUDES = ("contact_details", "year")
"""Asked for with the roll: what a pupil needs, the home address and the year (contacts
are read per pupil when needed; extended details, sensitive and unused, are not read)."""

UPDATED_AFTER_FORMAT = "%Y-%m-%d %H:%M:%S"
"""``updated_after`` as Wonde's client documents it, sent in UTC."""

SEND_TURNS = 8
"""Turns of the event loop given to the next page's request before this page is parsed.
On a pooled connection httpcore and anyio pass three checkpoints (lock acquisitions)
before the request's bytes are written; with one turn the request would wait for the
parse, adding its time to every page."""

STUDENTS = "/schools/{school_id}/students"
STUDENT = "/schools/{school_id}/students/{student_id}"
SUMMARIES = "/schools/{school_id}/attendance-summaries"
SESSIONS = "/schools/{school_id}/attendance/session"
SESSION_INCLUDES = ("attendance_code",)
"""Asked for with session marks: the register code of each (comments are never read)."""
SCHOOL = "/schools/{school_id}"

M = TypeVar("M", bound=BaseModel)


class BearerToken(httpx.Auth):
    """``Authorization: Bearer <token>``, read from the ``SecretStr`` only when sending."""

    def __init__(self, token: SecretStr) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        yield request


class WondeClient:
    """Reads one school's students, contacts and attendance from Wonde."""

    def __init__(
        self,
        settings: WondeSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._settings = settings
        self._school = {"school_id": settings.school_id}
        self._http = HttpClient(
            ADAPTER_ID,
            settings,
            transport=transport,
            sleep=sleep,
            auth=BearerToken(settings.token),
            headers={"Accept": "application/json"},
        )
        self._base = httpx.URL(str(settings.base_url))

    async def school(self) -> dict[str, Any]:
        """The school record: proves the token works and the school approved the app."""
        return (await self._get(SCHOOL, One[dict[str, Any]], self._school)).data

    async def student(self, student_id: str) -> WondeStudent:
        """One student with contacts, address and year; ``NotFoundError`` if unknown."""
        path_params = {**self._school, "student_id": student_id}
        params = {"include": ",".join(STUDENT_INCLUDES)}
        return (await self._get(STUDENT, One[WondeStudent], path_params, params)).data

    async def students(self, since: datetime | None = None) -> AsyncIterator[StudentCore]:
        """Every student, or those updated after ``since``, page after page to the end."""
        params = {"include": ",".join(ROLL_INCLUDES)}
        if since is not None:
            params["updated_after"] = since.astimezone(UTC).strftime(UPDATED_AFTER_FORMAT)
        async for page in self._pages(STUDENTS, StudentCore, params):
            for student in page:
                yield student

    async def attendance_summaries(
        self, student_id: str, since: date, until: date
    ) -> list[WondeAttendanceSummary]:
        """The student's attendance summary rows for the window (first and last day)."""
        params = {
            "student_id": student_id,
            "start_date": since.isoformat(),
            "end_date": until.isoformat(),
        }
        return [
            row
            async for page in self._pages(SUMMARIES, WondeAttendanceSummary, params)
            for row in page
        ]

    async def session_marks(self, since: date, until: date) -> AsyncIterator[WondeSessionMark]:
        """Every pupil's session marks from ``since`` to ``until`` (both inclusive),
        page after page to the end."""
        params = {
            "include": ",".join(SESSION_INCLUDES),
            "start_date": since.isoformat(),
            "end_date": until.isoformat(),
        }
        async for page in self._pages(SESSIONS, WondeSessionMark, params):
            for mark in page:
                yield mark

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    @property
    def is_closed(self) -> bool:
        """True once ``aclose()`` has run."""
        return self._http.is_closed

    async def _pages(
        self, template: str, model: type[M], params: dict[str, str]
    ) -> AsyncIterator[list[M]]:
        """Each page's records, the next page already asked for while the caller works.

        Cursor pages can only be fetched one after another, so the next request is sent
        as soon as this page's ``next`` link is read, and the caller's work on this page
        overlaps the wait for the next. One page is held besides the one in flight.
        """
        query = {**params, "cursor": "true", "per_page": str(self._settings.page_size)}
        seen: set[str] = set()
        pending: asyncio.Task[bytes] | None = self._send(template, query)
        try:
            while pending is not None:
                content = await pending
                pending = None
                early = peek_next_url(content)
                if early:
                    pending = self._send(template, self._next_query(template, early, seen))
                    for _ in range(SEND_TURNS):  # the request goes out before this page's work
                        await asyncio.sleep(0)
                page = self._decode(template, Page[model], content)  # type: ignore[valid-type]
                if page.next_url != early:  # the tail misled the peek: the full parse wins
                    await _cancel(pending)
                    pending = None
                    if page.next_url:
                        query = self._next_query(template, page.next_url, seen)
                        pending = self._send(template, query)
                if not page.data:
                    return
                if page.more and not page.next_url:
                    raise self._error(template, "said more pages follow but gave no next link")
                yield page.data
        finally:
            await _cancel(pending)

    def _send(self, template: str, query: dict[str, str]) -> asyncio.Task[bytes]:
        return asyncio.ensure_future(self._fetch(template, query))

    async def _get(
        self,
        template: str,
        model: type[M],
        path_params: dict[str, str],
        params: dict[str, str] | None = None,
    ) -> M:
        response = await self._http.request("GET", template, path_params=path_params, params=params)
        return self._decode(template, model, response.content)

    async def _fetch(self, template: str, query: dict[str, str]) -> bytes:
        response = await self._http.request("GET", template, path_params=self._school, params=query)
        return response.content

    def _decode(self, template: str, model: type[M], content: bytes) -> M:
        """Validate the body straight from its bytes (no ``json.loads`` pass)."""
        try:
            return model.model_validate_json(content)
        except ValidationError as exc:
            where = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors()[:3])
            raise self._error(
                template, f"answered in an unexpected shape (at {where or 'body'})"
            ) from None

    def _next_query(self, template: str, link: str, seen: set[str]) -> dict[str, str]:
        """The query of a ``next`` link, once it is known to point where we asked and
        not to repeat a cursor already followed."""
        try:
            url = httpx.URL(link)
        except httpx.InvalidURL:
            raise self._error(template, "gave a next link that is not a URL") from None
        expected_path = self._base.path.rstrip("/") + template.format_map(
            {k: quote(v, safe="") for k, v in self._school.items()}
        )
        same_origin = (url.scheme, url.host, url.port) == (
            self._base.scheme,
            self._base.host,
            self._base.port,
        )
        if not same_origin or url.path.rstrip("/") != expected_path:
            raise self._error(template, "gave a next link to another place; refused")
        query = dict(parse_qsl(url.query.decode("ascii"), keep_blank_values=True))
        cursor = query.get("cursor", "")
        if cursor in seen:
            raise self._error(template, "gave the same next link twice")
        seen.add(cursor)
        return query

    def _error(self, template: str, what: str) -> AdapterError:
        return AdapterError(f"{ADAPTER_ID}: GET {template} {what}", adapter=ADAPTER_ID)


async def _cancel(task: asyncio.Task[bytes] | None) -> None:
    """Cancel a request in flight that is no longer wanted, and let it finish."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, AdapterError):
        await task
