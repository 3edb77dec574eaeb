"""Session marks from Wonde: the fake's register, the client's request and paging, the
mapping to DfE register codes, and ``hub_pull_session_marks`` through the facade."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from hub.adapters.wonde import WondeAdapter
from hub.adapters.wonde.fake import FakeState
from hub.adapters.wonde.marks import UNKNOWN_CODE, register_code, to_register
from hub.adapters.wonde.models import WondeSessionMark
from hub.errors import AdapterError
from hub.followup.register import CodeMeaning
from hub.hooks.manager import Hooks
from tests.adapters.wonde.helpers import SCHOOL_ROW, Sleeps, client_for, settings_for
from tests.factories import SCHOOL

SINCE, UNTIL = date(2026, 11, 2), date(2026, 11, 13)  # two school weeks


@pytest.fixture
def fake_wonde() -> FakeState:
    return FakeState(pupils=6)


def row(code: str, *, day: Any = "2026-11-02", session: str = "AM") -> WondeSessionMark:
    return WondeSessionMark.model_validate(
        {
            "student": "A1",
            "date": day,
            "session": session,
            "attendance_code": {"data": {"code": code}},
        }
    )


# --- mapping --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [("/", "/"), ("\\", "\\"), (" n ", "N"), ("y1", "Y1"), ("-", None), ("", None)],
)
def test_register_codes_are_tidied_and_unmarked_sessions_are_none(
    raw: str, code: str | None
) -> None:
    assert register_code(raw) == code


def test_an_unknown_code_is_kept_as_it_is_and_counted_never_guessed() -> None:
    register = to_register([row("ZZ"), row("/", session="PM")], SINCE, UNTIL)
    assert [m.code for m in register.marks] == ["ZZ", "/"]
    assert register.marks[0].meaning is CodeMeaning.UNKNOWN
    assert register.unknown_codes == 1


def test_a_code_too_long_for_the_register_is_carried_as_unknown() -> None:
    register = to_register([row("ABSENT")], SINCE, UNTIL)
    assert [m.code for m in register.marks] == [UNKNOWN_CODE]
    assert register.marks[0].meaning is CodeMeaning.UNKNOWN
    assert register.unknown_codes == 1


def test_rows_outside_the_window_unmarked_or_repeated_are_left_out() -> None:
    rows = [
        row("/", day="2026-11-01"),  # the day before the window
        row("N", day="2026-11-13", session="pm"),  # the last day counts
        row("-", day="2026-11-03"),
        row("/", day="2026-11-04"),
        row("O", day="2026-11-04"),  # a second row for the same session
        row("/", day="2026-11-14"),
    ]
    marks = to_register(rows, SINCE, UNTIL).marks
    assert [(m.day.day, m.session, m.code) for m in marks] == [(13, "pm", "N"), (4, "am", "/")]


def test_a_wonde_date_object_is_read_in_its_own_zone() -> None:
    midnight_bst = {
        "date": "2026-09-07 00:00:00.000000",
        "timezone_type": 3,
        "timezone": "Europe/London",
    }
    assert row("/", day=midnight_bst).day == date(2026, 9, 7)


# --- the fake's register ----------------------------------------------------------------


def test_the_fake_register_adds_up_to_its_summaries(fake_wonde: FakeState) -> None:
    student_id = fake_wonde.pupil_ids()[0]
    marks = list(fake_wonde.register(student_id, date(2026, 9, 1), date(2026, 12, 18)))
    counts = fake_wonde.attendance_marks(student_id, date(2026, 9, 1), date(2026, 12, 18))
    assert len(marks) == counts["possible"] == 2 * 74  # 79 weekdays less half-term
    present = sum(1 for _d, _s, code in marks if code in {"/", "\\", "L"})
    assert present == counts["present"]
    half_term_and_a_saturday = {date(2026, 10, 26), date(2026, 11, 7)}
    assert {d for d, _s, _c in marks}.isdisjoint(half_term_and_a_saturday)


# --- the client ---------------------------------------------------------------------------


async def test_marks_are_asked_for_the_window_with_their_codes(fake_wonde: FakeState) -> None:
    client = client_for(fake_wonde)
    rows = [r async for r in client.session_marks(SINCE, UNTIL)]
    await client.aclose()
    request = fake_wonde.requests[0]
    assert request.path == f"/v1.0/schools/{fake_wonde.school_id}/attendance/session"
    assert request.params["start_date"] == "2026-11-02"
    assert request.params["end_date"] == "2026-11-13"
    assert request.params["include"] == "attendance_code"
    assert request.params["cursor"] == "true"
    assert len(rows) == 6 * 10 * 2  # six pupils, ten school days, two sessions


async def test_every_page_of_marks_is_followed(fake_wonde: FakeState) -> None:
    client = client_for(fake_wonde)
    whole = [r async for r in client.session_marks(SINCE, UNTIL)]
    fake_wonde.page_size = 7
    before = len(fake_wonde.requests)
    paged = [r async for r in client.session_marks(SINCE, UNTIL)]
    await client.aclose()
    assert paged == whole
    assert len(fake_wonde.requests) - before == -(-len(whole) // 7)


def _stub(body: dict[str, Any]) -> WondeAdapter:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body)

    settings = settings_for(FakeState(pupils=1))
    return WondeAdapter(settings, transport=httpx.MockTransport(handler), sleep=Sleeps())


GOOD_MARK = {
    "student": "A1",
    "date": "2026-11-02",
    "session": "AM",
    "attendance_code": {"data": {"code": "/"}},
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"session": "EVE"}, "data.0.session"),
        ({"date": "not a day"}, "data.0.date"),
        ({"attendance_code": None}, "data.0.attendance_code"),
        ({"student": ""}, "data.0.student"),
    ],
)
async def test_bad_marks_from_wonde_are_a_clear_adapter_error(
    change: dict[str, Any], field: str
) -> None:
    adapter = _stub({"data": [{**GOOD_MARK, **change}]})
    with pytest.raises(AdapterError, match="unexpected shape") as caught:
        await adapter.hub_pull_session_marks(SCHOOL_ROW, SINCE, UNTIL)
    await adapter.stop()
    assert field in str(caught.value)
    assert "attendance/session" in str(caught.value)


async def test_a_good_mark_from_a_stub_maps() -> None:
    adapter = _stub({"data": [GOOD_MARK]})
    marks = await adapter.hub_pull_session_marks(SCHOOL_ROW, SINCE, UNTIL)
    await adapter.stop()
    assert [(m.pupil_id, m.day, m.session, m.code) for m in marks or []] == [
        ("A1", SINCE, "am", "/")
    ]


# --- the hook ---------------------------------------------------------------------------


async def test_the_register_is_pulled_through_the_facade(
    hooks: Hooks, fake_wonde: FakeState
) -> None:
    fake_wonde.page_size = 9
    marks = await hooks.pull_session_marks(since=SINCE, until=UNTIL)
    assert marks is not None
    assert {m.pupil_id for m in marks} == set(fake_wonde.pupil_ids())
    assert all(SINCE <= m.day <= UNTIL for m in marks)
    assert all(m.meaning is not CodeMeaning.UNKNOWN for m in marks)
    per_session = Counter((m.pupil_id, m.day, m.session) for m in marks)
    assert set(per_session.values()) == {1}
    assert len(marks) == 6 * 10 * 2


async def test_unknown_codes_reach_the_evaluation_and_are_logged_as_a_count_only(
    hooks: Hooks, fake_wonde: FakeState
) -> None:
    student_id = fake_wonde.pupil_ids()[2]
    fake_wonde.set_mark(student_id, date(2026, 11, 3), "AM", "Q9")
    fake_wonde.set_mark(student_id, date(2026, 11, 3), "PM", "-")
    with capture_logs() as events:
        marks = await hooks.pull_session_marks(since=SINCE, until=UNTIL)
    assert marks is not None
    mine = {(m.day, m.session): m.code for m in marks if m.pupil_id == student_id}
    assert mine[(date(2026, 11, 3), "am")] == "Q9"
    assert (date(2026, 11, 3), "pm") not in mine  # not yet marked: left out
    warned = [e for e in events if "register table" in e["event"]]
    assert [(e["marks"], e["school"]) for e in warned] == [(1, SCHOOL)]
    assert "Q9" not in repr(warned)
    assert student_id not in repr(warned)


async def test_a_pull_mostly_of_unknown_codes_fails_instead_of_prompting(
    hooks: Hooks, fake_wonde: FakeState
) -> None:
    students = fake_wonde.pupil_ids()
    days = [date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)]
    for student in students[:2]:
        for day in days:
            for session in ("AM", "PM"):
                fake_wonde.set_mark(student, day, session, "Q9")  # 12 of 120 marks: 10 %
    with pytest.raises(AdapterError, match="12 of 120") as failed:
        await hooks.pull_session_marks(since=SINCE, until=UNTIL)
    assert "Q9" not in str(failed.value)
    assert not any(student in str(failed.value) for student in students)


async def test_a_few_unknown_codes_are_passed_on(hooks: Hooks, fake_wonde: FakeState) -> None:
    student = fake_wonde.pupil_ids()[0]
    for day in (date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)):
        fake_wonde.set_mark(student, day, "AM", "Q9")  # 3 of 120 marks: 2.5 %
    marks = await hooks.pull_session_marks(since=SINCE, until=UNTIL)
    assert sum(m.code == "Q9" for m in marks or []) == 3
