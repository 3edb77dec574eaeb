"""The adapter template's Example MIS adapter, imported from contrib/adapter-template.

The template is the kit's own test subject, so the example a third party copies is
the one the kit is proven against. Variants below each break one rule of the contract.
"""

# mypy: allow-subclassing-any
from __future__ import annotations

import sys
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import structlog
from pydantic import BaseModel, ConfigDict, Field

from hub import hookimpl
from hub.errors import AdapterError, AuthError
from hub.followup.register import SessionMark
from hub.models import Pupil, School
from hub.testing.fakes import as_backend
from hub.testing.harness import Subject

TEMPLATE = Path(__file__).resolve().parents[3] / "contrib" / "adapter-template"
if str(TEMPLATE) not in sys.path:
    sys.path.insert(0, str(TEMPLATE))

from doorstep_example import ExampleAdapter, fake  # type: ignore[import-not-found]  # noqa: E402
from doorstep_example.models import WirePupil, to_pupil  # type: ignore[import-not-found]  # noqa: E402
from doorstep_example.settings import ExampleSettings  # type: ignore[import-not-found]  # noqa: E402

__all__ = ["ExampleAdapter", "ExampleSettings", "fake", "settings", "subject"]

log = structlog.get_logger(__name__)


def settings(base_url: str) -> BaseModel:
    """Settings the fake accepts."""
    result: BaseModel = ExampleSettings(base_url=base_url, token=fake.TOKEN)
    return result


def subject(adapter_cls: type[Any] = ExampleAdapter, **options: Any) -> Subject:
    """A contract subject for ``adapter_cls`` over the Example fake."""
    return Subject(adapter_cls, as_backend(fake), options.pop("settings", settings), **options)


class LeakyAdapter(ExampleAdapter):
    """Logs the pupil's first name."""

    @hookimpl
    async def hub_pull_pupil(self, school: School, pupil_id: str) -> Pupil | None:
        pupil: Pupil | None = await super().hub_pull_pupil(school, pupil_id)
        if pupil is not None:
            log.info("pulled pupil", who=pupil.first_name)
        return pupil


class CalendarClaimingAdapter(ExampleAdapter):
    """Claims the calendar role without booking calendars."""

    manifest = ExampleAdapter.manifest.model_copy(
        update={"roles": frozenset({"mis", "safeguarding", "calendar"})}
    )


class AuthRetryingAdapter(ExampleAdapter):
    """Tries three times more after a 401."""

    @hookimpl
    async def hub_pull_pupil(self, school: School, pupil_id: str) -> Pupil | None:
        for _ in range(3):
            try:
                result: Pupil | None = await super().hub_pull_pupil(school, pupil_id)
                return result
            except AuthError:
                continue
        raise AuthError("example: GET /pupils/{id} answered 401", adapter="example")


class FreshKeyAdapter(ExampleAdapter):
    """Ignores the idempotency key it is given: every push makes a new record."""

    @hookimpl
    async def hub_push_visit_note(self, visit: Any, note: Any, idempotency_key: str) -> Any:
        receipt = await super().hub_push_visit_note(
            visit, note, f"{idempotency_key}-{uuid.uuid4()}"
        )
        return receipt.model_copy(update={"idempotency_key": idempotency_key})


class FirstPageAdapter(ExampleAdapter):
    """Reads only the first page of the roll."""

    @hookimpl
    async def hub_pull_pupils(self, school: School, since: Any) -> list[Pupil]:
        body = await self._client._http.get_json("/pupils")
        wires = [WirePupil.model_validate(item) for item in body["data"]]
        return [to_pupil(wire, school_id=school.id) for wire in wires]


class LeakyStopAdapter(ExampleAdapter):
    """Forgets to close its client."""

    async def stop(self) -> None:
        return None


class NoisyHealthAdapter(ExampleAdapter):
    """Logs 'unavailable' on every failed health check."""

    @hookimpl
    async def hub_health(self, now: Any) -> Any:
        report = await super().hub_health(now)
        if not report.ok:
            log.info("adapter.unavailable", adapter="example")
        return report


class PlainSettings(BaseModel):
    """Settings breaking three rules: extra keys allowed, a plain token, no descriptions."""

    model_config = ConfigDict(extra="allow")

    base_url: str = Field(description="root")
    deadline_s: float = 30
    max_attempts: int = 4
    retry_after_cap_s: float = 30
    api_token: str = Field(default="x", description="token")


class MarksAdapter(ExampleAdapter):
    """Also reads a register: each pupil of the roll's first page present at every
    weekday session in the window. Bad answers are an ``AdapterError``."""

    @hookimpl
    async def hub_pull_session_marks(self, since: date, until: date) -> list[SessionMark]:
        body = await self._client._http.get_json("/pupils")
        try:
            pupil_ids = [str(item["id"]) for item in body["data"]]
        except (KeyError, TypeError):
            raise AdapterError(
                "example: GET /pupils answered in an unexpected shape", adapter="example"
            ) from None
        return register(pupil_ids, since, until)


def register(pupil_ids: list[str], since: date, until: date) -> list[SessionMark]:
    """Present marks for ``pupil_ids`` at every weekday session from ``since`` to ``until``."""
    days = [since + timedelta(days=n) for n in range((until - since).days + 1)]
    return [
        SessionMark(pupil_id=pupil, day=day, session=session, code=code)
        for pupil in pupil_ids
        for day in days
        if day.weekday() < 5
        for session, code in (("am", "/"), ("pm", "\\"))
    ]


class CrashingMarksAdapter(MarksAdapter):
    """Reads the register without checking the answer's shape."""

    @hookimpl
    async def hub_pull_session_marks(self, since: date, until: date) -> list[SessionMark]:
        body = await self._client._http.get_json("/pupils")
        return register([str(item["id"]) for item in body["data"]], since, until)


class LateMarksAdapter(MarksAdapter):
    """Reads one day past the window."""

    @hookimpl
    async def hub_pull_session_marks(self, since: date, until: date) -> list[SessionMark]:
        return await super().hub_pull_session_marks(since, until + timedelta(days=1))


class OddCodeAdapter(MarksAdapter):
    """Passes on a code the register table does not hold for every afternoon."""

    @hookimpl
    async def hub_pull_session_marks(self, since: date, until: date) -> list[SessionMark]:
        marks = await super().hub_pull_session_marks(since, until)
        return [m.model_copy(update={"code": "Q9"}) if m.session == "pm" else m for m in marks]


class StrangerMarksAdapter(MarksAdapter):
    """Adds the marks of a pupil who is not on the school's roll."""

    @hookimpl
    async def hub_pull_session_marks(self, since: date, until: date) -> list[SessionMark]:
        marks = await super().hub_pull_session_marks(since, until)
        return marks + register(["kit-pupil-elsewhere"], since, until)


class LenientMarksAdapter(MarksAdapter):
    """Answers an empty register when the MIS's answer makes no sense."""

    @hookimpl
    async def hub_pull_session_marks(self, since: date, until: date) -> list[SessionMark]:
        try:
            return await super().hub_pull_session_marks(since, until)
        except AdapterError:
            return []
