"""Contract checks for ``hub_pull_session_marks``: the register an adapter reads.

- ``session_marks_in_window``: over the academic year to the kit's day (as the daily
  evaluation asks), then over a narrower window inside it, every answer is a list of
  valid ``SessionMark`` (never None: the fake holds a register), each inside the
  window asked for (both days inclusive, as the hook says), for a pupil of the fake's
  school (its ``pupil_ids()``, when it has them), with a register code the hub's table
  knows, one mark per pupil per session; the narrow answer is the wide one cut down.
- ``session_marks_bad_data_is_an_error[<spoil>]``: when the upstream answers 200 with
  a body that is not JSON, is cut short, or has another shape, the hook raises an
  ``AdapterError`` with a safe message, never a ``KeyError``, ``ValidationError`` or
  the like. Only for an adapter with ``HttpSettings``: the kit spoils the answers on
  the transport it gives the adapter.

Opt out as for every check: ``SuiteConfig(skip={"session_marks_in_window": "why"})``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

from hub.errors import AdapterError
from hub.followup.register import CodeMeaning, SessionMark
from hub.testing import samples
from hub.testing.check import Check, implemented
from hub.testing.harness import Harness, Subject, http_settings, open_harness
from hub.testing.logs import assert_error_is_safe

HOOK = "hub_pull_session_marks"
YEAR_START = date(samples.NOW.year if samples.NOW.month >= 9 else samples.NOW.year - 1, 9, 1)
"""1 September of the kit's academic year: where the daily evaluation starts reading."""

SPOILS: dict[str, Callable[[bytes], bytes]] = {
    "not_json": lambda body: b"<html><body>Down for maintenance</body></html>",
    "truncated": lambda body: body[: len(body) // 2],
    "wrong_shape": lambda body: b'{"kit": ["an answer of another shape"]}',
}
"""How the kit spoils each successful answer, by case name."""


async def _marks(h: Harness, since: date, until: date) -> list[SessionMark]:
    result = await h.call(HOOK, since=since, until=until)
    assert isinstance(result, list), (
        f"{HOOK} returned {type(result).__name__} for a fake holding a register"
    )
    for mark in result:
        assert isinstance(mark, SessionMark), f"{HOOK} returned {type(mark).__name__}"
        SessionMark.model_validate(mark.model_dump())
    return result


def _assert_register(h: Harness, marks: list[SessionMark], since: date, until: date) -> None:
    outside = [m.day for m in marks if not since <= m.day <= until]
    assert not outside, f"{HOOK}: {len(outside)} marks outside {since}..{until}, e.g. {outside[0]}"
    unknown = sum(1 for m in marks if m.meaning is CodeMeaning.UNKNOWN)
    assert not unknown, f"{HOOK}: {unknown} marks with a code the register table does not know"
    sessions = Counter((m.pupil_id, m.day, m.session) for m in marks)
    repeated = sum(1 for n in sessions.values() if n > 1)
    assert not repeated, f"{HOOK}: {repeated} sessions marked twice"
    known = getattr(h.state, "pupil_ids", None)
    if callable(known) and known():
        strangers = {m.pupil_id for m in marks} - {str(p) for p in known()}
        assert not strangers, f"{HOOK}: marks of {len(strangers)} pupils not on the school's roll"


def _middle(days: list[date]) -> tuple[date, date]:
    """A window over the middle third of ``days`` (sorted, distinct)."""
    third = max(1, len(days) // 3)
    return days[third], days[min(len(days) - 1, 2 * third - 1)]


class _MarksCheck(Check):
    empty = f"the adapter implements no {HOOK}"

    def cases(self, subject: Subject) -> list[str] | None:
        return None if implemented(subject, (HOOK,)) else []


class SessionMarksInWindow(_MarksCheck):
    """The register over a window: valid marks inside it (both days inclusive), for the
    school's pupils, with known codes, one per pupil per session; a narrower window
    gives the same marks cut down."""

    name = "session_marks_in_window"

    async def run(self, subject: Subject, case: str | None) -> None:
        until = samples.NOW.date()
        async with open_harness(subject) as h:
            year = await _marks(h, YEAR_START, until)
            assert year, f"{HOOK} returned no marks from {YEAR_START} to {until} for a seeded fake"
            _assert_register(h, year, YEAR_START, until)
            since, until = _middle(sorted({m.day for m in year}))
            narrow = await _marks(h, since, until)
            _assert_register(h, narrow, since, until)
            expected = sorted(_key(m) for m in year if since <= m.day <= until)
            assert sorted(_key(m) for m in narrow) == expected, (
                f"{HOOK}: {since}..{until} gave {len(narrow)} marks; the year holds "
                f"{len(expected)} in it"
            )


def _key(mark: SessionMark) -> tuple[str, date, str, str]:
    return (mark.pupil_id, mark.day, mark.session, mark.code)


class SessionMarksBadDataIsAnError(Check):
    """An upstream answer that is not JSON, cut short, or of another shape makes the hook
    raise ``AdapterError`` with a safe message: never a crash of another kind."""

    name = "session_marks_bad_data_is_an_error"
    empty = f"the adapter implements no {HOOK} over HTTP (no HttpSettings to spoil answers on)"

    def cases(self, subject: Subject) -> list[str] | None:
        over_http = http_settings(subject.make_settings()) is not None
        return sorted(SPOILS) if over_http and implemented(subject, (HOOK,)) else []

    async def run(self, subject: Subject, case: str | None) -> None:
        async with open_harness(subject) as h:
            await h.pupil_id()
            h.transport.spoil = SPOILS[str(case)]
            before = h.requests
            error = await _raised(h, YEAR_START, samples.NOW.date())
            assert h.requests > before, f"{HOOK} asked nothing of the fake to spoil"
            assert isinstance(error, AdapterError), (
                f"{HOOK} crashed on a {case} answer with {type(error).__name__}; "
                "raise an AdapterError naming what was wrong"
            )
            assert_error_is_safe(error, subject.needles())


async def _raised(h: Harness, since: date, until: date) -> BaseException:
    try:
        result: Any = await h.call(HOOK, since=since, until=until)
    except Exception as exc:
        return exc
    raise AssertionError(f"{HOOK} accepted a spoiled answer ({len(result or [])} marks)")


SESSION_MARK_CHECKS: tuple[Check, ...] = (SessionMarksInWindow(), SessionMarksBadDataIsAnError())
"""The session-mark checks, in the order the suite runs them."""
