"""The fake Wonde behaves like the real one where the adapter depends on it."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest

from hub.adapters.wonde.fake import FakeState, create_app
from hub.testing.fakes import missing_members


@pytest.fixture
def state() -> FakeState:
    return FakeState(pupils=6)


@pytest.fixture
async def http(state: FakeState) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(
        transport=transport,
        base_url="https://api.wonde.com/v1.0/",
        headers={"Authorization": f"Bearer {state.token}"},
    ) as client:
        yield client


def students_path(state: FakeState) -> str:
    return f"schools/{state.school_id}/students"


def test_the_same_seed_gives_the_same_school() -> None:
    first, second = FakeState(pupils=10, seed=7), FakeState(pupils=10, seed=7)
    assert first.pupil_ids() == second.pupil_ids()
    assert first.personal_values() == second.personal_values()
    assert FakeState(pupils=10, seed=8).pupil_ids() != first.pupil_ids()


def test_the_state_has_what_the_contract_kit_uses(state: FakeState) -> None:
    assert missing_members(state) == []
    assert len(state.pupil_ids()) == 6
    assert state.records == []


def test_personal_values_hold_names_phones_and_postcodes(state: FakeState) -> None:
    values = state.personal_values()
    student = state.students[state.pupil_ids()[0]]
    assert f"{student.forename} {student.surname}" in values
    assert student.home.postcode in values
    contact = student.contacts[0]
    assert contact.mobile in values
    assert contact.email in values


def test_short_names_alone_are_left_out_of_personal_values() -> None:
    state = FakeState(pupils=60)
    values = state.personal_values()
    short = [s.forename for s in state.students.values() if len(s.forename) < 6]
    assert short
    assert not set(short) & values


def test_twenty_thousand_pupils_are_quick_to_seed() -> None:
    state = FakeState(pupils=20_000)
    assert len(state.students) == 20_000
    assert len(state.pupil_ids()) == 20_000
    assert sum(len(group) for group in state.households()) == 20_000


async def test_no_token_is_401(state: FakeState, http: httpx.AsyncClient) -> None:
    response = await http.get(students_path(state), headers={"Authorization": ""})
    assert response.status_code == 401
    assert state.requests[-1].authorised is False


async def test_basic_auth_with_the_token_as_user_is_accepted(
    state: FakeState, http: httpx.AsyncClient
) -> None:
    basic = base64.b64encode(f"{state.token}:".encode()).decode()
    response = await http.get(students_path(state), headers={"Authorization": f"Basic {basic}"})
    assert response.status_code == 200


async def test_another_school_is_not_approved(http: httpx.AsyncClient) -> None:
    response = await http.get("schools/A999/students")
    assert response.status_code == 403


async def test_an_unknown_student_is_404(state: FakeState, http: httpx.AsyncClient) -> None:
    response = await http.get(f"{students_path(state)}/A000000000")
    assert response.status_code == 404
    assert response.headers["x-request-id"].startswith("fake-wonde-")


async def test_cursor_pages_link_to_each_other_on_the_callers_host(
    state: FakeState, http: httpx.AsyncClient
) -> None:
    state.page_size = 4
    first = (await http.get(students_path(state), params={"cursor": "true"})).json()
    link = first["meta"]["pagination"]["next"]
    assert link.startswith(f"https://api.wonde.com/v1.0/{students_path(state)}?")
    assert first["meta"]["pagination"]["more"] is True
    second = (await http.get(link)).json()
    assert second["meta"]["pagination"] == {
        "next": None,
        "previous": None,
        "more": False,
        "per_page": 4,
    }
    ids = [s["id"] for s in first["data"] + second["data"]]
    assert ids == state.pupil_ids()


async def test_offset_pages_when_no_cursor_is_asked_for(
    state: FakeState, http: httpx.AsyncClient
) -> None:
    body = (await http.get(students_path(state), params={"per_page": 5, "page": 2})).json()
    assert [s["id"] for s in body["data"]] == state.pupil_ids()[5:]
    assert body["meta"]["pagination"]["next"] is None


@pytest.mark.parametrize(
    "params",
    [{"cursor": "not-a-cursor"}, {"per_page": "0"}, {"updated_after": "yesterday"}],
)
async def test_bad_parameters_are_422(
    state: FakeState, http: httpx.AsyncClient, params: dict[str, str]
) -> None:
    response = await http.get(students_path(state), params=params)
    assert response.status_code == 422


async def test_includes_are_wrapped_in_data_and_absent_unless_asked(
    state: FakeState, http: httpx.AsyncClient
) -> None:
    student_id = state.pupil_ids()[0]
    bare = (await http.get(f"{students_path(state)}/{student_id}")).json()["data"]
    assert "contacts" not in bare
    assert "contact_details" not in bare
    assert set(bare["updated_at"]) == {"date", "timezone_type", "timezone"}
    full = (
        await http.get(
            f"{students_path(state)}/{student_id}",
            params={"include": "contacts,contacts.contact_details,contact_details,year"},
        )
    ).json()["data"]
    contact = full["contacts"]["data"][0]
    assert contact["relationship"]["priority"] == 1
    assert "phones" in contact["contact_details"]["data"]
    assert "addresses" in full["contact_details"]["data"]
    assert full["year"]["data"]["code"]


async def test_fail_next_answers_429_with_retry_after_then_recovers(
    state: FakeState, http: httpx.AsyncClient
) -> None:
    state.fail_next(status=429, times=2, retry_after=3)
    statuses = [(await http.get(students_path(state))).status_code for _ in range(3)]
    assert statuses == [429, 429, 200]
    state.fail_next(status=429, retry_after=3)
    response = await http.get(students_path(state))
    assert response.headers["retry-after"] == "3"


async def test_attendance_summaries_filter_by_student(
    state: FakeState, http: httpx.AsyncClient
) -> None:
    student_id = state.pupil_ids()[1]
    body = (
        await http.get(
            f"schools/{state.school_id}/attendance-summaries",
            params={"student_id": student_id, "start_date": "2026-10-26", "end_date": "2026-10-30"},
        )
    ).json()
    (row,) = body["data"]
    assert row["student"] == student_id
    assert row["possible_marks"] == 0  # half term


def sessions_path(state: FakeState) -> str:
    return f"schools/{state.school_id}/attendance/session"


async def test_session_marks_are_paged_by_cursor_across_pupils(
    state: FakeState, http: httpx.AsyncClient
) -> None:
    window = {"start_date": "2026-11-02", "end_date": "2026-11-03", "cursor": "true"}
    state.page_size = 5
    rows, params = [], dict(window)
    while True:
        body = (await http.get(sessions_path(state), params=params)).json()
        rows += body["data"]
        link = body["meta"]["pagination"]["next"]
        if link is None:
            break
        params = dict(httpx.URL(link).params)
    assert len(rows) == 6 * 2 * 2  # six pupils, two days, two sessions
    keys = [(r["student"], r["date"]["date"], r["session"]) for r in rows]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    assert "attendance_code" not in rows[0]  # only when asked for


async def test_session_marks_offset_pages_filter_by_student_with_codes(
    state: FakeState, http: httpx.AsyncClient
) -> None:
    student_id = state.pupil_ids()[3]
    state.set_mark(student_id, date(2026, 11, 2), "PM", "Q9")
    params = {
        "student_id": student_id,
        "start_date": "2026-11-02",
        "end_date": "2026-11-06",
        "include": "attendance_code",
        "per_page": "4",
        "page": "3",
    }
    body = (await http.get(sessions_path(state), params=params)).json()
    assert [r["student"] for r in body["data"]] == [student_id, student_id]  # 10 marks: 4+4+2
    assert body["meta"]["pagination"]["next"] is None
    first = (await http.get(sessions_path(state), params={**params, "page": "1"})).json()
    assert first["data"][1]["session"] == "PM"
    assert first["data"][1]["attendance_code"]["data"]["code"] == "Q9"


async def test_session_marks_with_a_bad_date_are_422(
    state: FakeState, http: httpx.AsyncClient
) -> None:
    response = await http.get(sessions_path(state), params={"start_date": "2 Nov"})
    assert response.status_code == 422
