"""The csv adapter through a school's hooks: pupils, contacts, attendance, health, privacy."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from hub.adapters.csv import CsvAdapter
from hub.adapters.csv.fake import EXPORTED_AT, FakeState, write_table
from hub.adapters.csv.settings import CsvSettings
from hub.errors import NotFoundError
from hub.hooks.manager import Hooks, build_hooks
from hub.logging import redact_personal_data
from hub.models import School
from tests.factories import SCHOOL, T0, pack

SCHOOL_REF = School(id=SCHOOL, name="St Michael's", policy_pack=SCHOOL)
AUTUMN = (date(2026, 9, 1), date(2026, 12, 18))


@pytest.fixture
def state() -> FakeState:
    return FakeState(pupil_count=10, school_days=10)


def hooks_over(settings: CsvSettings) -> tuple[Hooks, CsvAdapter]:
    adapter = CsvAdapter(settings)
    hooks = build_hooks(SCHOOL_REF, pack=pack(), entry_points=False, extra=[("csv", adapter)])
    return hooks, adapter


@pytest.fixture
def sims(tmp_path: Path, state: FakeState) -> tuple[Hooks, CsvAdapter]:
    state.write(tmp_path)
    return hooks_over(CsvSettings(folder=tmp_path))


async def test_pull_pupil_gives_the_pupil_with_address_and_household(
    sims: tuple[Hooks, CsvAdapter], state: FakeState
) -> None:
    hooks, _ = sims
    row = state.pupils[0]

    pupil = await hooks.pull_pupil(pupil_id=row["pupil_id"])

    assert (pupil.first_name, pupil.last_name) == (row["first_name"], row["last_name"])
    assert pupil.school_id == SCHOOL
    assert pupil.date_of_birth == date.fromisoformat(row["date_of_birth"])
    assert pupil.address is not None
    assert pupil.address.postcode == row["postcode"]
    assert pupil.address.household_id is not None
    assert row["postcode"].replace(" ", "") not in pupil.address.household_id


async def test_siblings_share_a_household_id_that_is_stable(
    tmp_path: Path, state: FakeState
) -> None:
    state.write(tmp_path)
    by_address: dict[str, list[str]] = {}
    for row in state.pupils:
        by_address.setdefault(row["address_line1"], []).append(row["pupil_id"])
    siblings = next(ids for ids in by_address.values() if len(ids) > 1)
    first, _ = hooks_over(CsvSettings(folder=tmp_path))
    again, _ = hooks_over(CsvSettings(folder=tmp_path))

    households = {
        (await hooks.pull_pupil(pupil_id=pupil_id)).address.household_id  # type: ignore[union-attr]
        for hooks in (first, again)
        for pupil_id in siblings
    }

    assert len(households) == 1


async def test_an_unknown_pupil_is_not_found_without_echoing_the_id(
    sims: tuple[Hooks, CsvAdapter],
) -> None:
    hooks, _ = sims
    with pytest.raises(NotFoundError) as caught:
        await hooks.pull_pupil(pupil_id="no-such-pupil-42")
    assert "no-such-pupil-42" not in str(caught.value)
    assert caught.value.adapter == "csv"


async def test_pull_pupils_reads_the_whole_roll(
    sims: tuple[Hooks, CsvAdapter], state: FakeState
) -> None:
    hooks, _ = sims
    pupils = await hooks.pull_pupils(since=None)
    assert [p.id for p in pupils] == state.pupil_ids()


async def test_pull_pupils_since_uses_the_last_modified_column(
    sims: tuple[Hooks, CsvAdapter], state: FakeState
) -> None:
    hooks, _ = sims
    since = (EXPORTED_AT - timedelta(days=20)).replace(tzinfo=UTC)
    changed = {
        row["pupil_id"]
        for row in state.pupils
        if datetime.fromisoformat(row["last_modified"]).replace(tzinfo=UTC) >= since
    }
    assert 0 < len(changed) < len(state.pupils)

    pupils = await hooks.pull_pupils(since=since)

    assert {p.id for p in pupils} == changed


async def test_without_the_column_since_compares_the_file_time(
    tmp_path: Path, state: FakeState
) -> None:
    headers, rows = state.table("pupils")
    write_table(tmp_path / "pupils.csv", headers[:-1], [row[:-1] for row in rows])
    stamp = T0.timestamp()
    os.utime(tmp_path / "pupils.csv", (stamp, stamp))
    hooks, _ = hooks_over(CsvSettings(pupils_file=tmp_path / "pupils.csv"))

    assert await hooks.pull_pupils(since=T0 + timedelta(minutes=1)) == []
    assert len(await hooks.pull_pupils(since=T0 - timedelta(minutes=1))) == 10


async def test_pull_contacts_in_priority_order_with_parental_responsibility(
    sims: tuple[Hooks, CsvAdapter], state: FakeState
) -> None:
    hooks, _ = sims
    pupil_id = state.pupils[0]["pupil_id"]
    expected = [row for row in state.contacts if row["pupil_id"] == pupil_id]

    contacts = await hooks.pull_contacts(pupil_id=pupil_id)

    assert [c.name for c in contacts] == [row["name"] for row in expected]
    assert [c.parental_responsibility for c in contacts] == [
        row["parental_responsibility"] == "yes" for row in expected
    ]
    assert contacts[0].relationship == "mother"
    assert await hooks.pull_contacts(pupil_id="nobody") == []


def expected_attendance(state: FakeState, pupil_id: str) -> tuple[int, int]:
    marks = [m["mark"] for m in state.marks if m["pupil_id"] == pupil_id]
    return len(marks), sum(1 for m in marks if m in {"/", "\\", "L"})


async def test_attendance_from_register_marks(
    sims: tuple[Hooks, CsvAdapter], state: FakeState
) -> None:
    hooks, _ = sims
    pupil_id = state.pupils[1]["pupil_id"]

    summary = await hooks.pull_attendance(pupil_id=pupil_id, since=AUTUMN[0], until=AUTUMN[1])

    assert summary is not None
    assert (summary.possible_sessions, summary.attended_sessions) == expected_attendance(
        state, pupil_id
    )
    first_week = await hooks.pull_attendance(
        pupil_id=pupil_id, since=date(2026, 9, 7), until=date(2026, 9, 8)
    )
    assert first_week is not None
    assert first_week.possible_sessions == 4


async def test_attendance_from_session_totals_in_arbor_style(
    tmp_path: Path, state: FakeState
) -> None:
    state.write(tmp_path, preset="arbor", attendance="totals", delimiter=";")
    hooks, _ = hooks_over(CsvSettings(folder=tmp_path, preset="arbor"))
    pupil_id = state.pupils[2]["pupil_id"]

    summary = await hooks.pull_attendance(pupil_id=pupil_id, since=AUTUMN[0], until=AUTUMN[1])
    outside = await hooks.pull_attendance(
        pupil_id=pupil_id, since=date(2026, 10, 1), until=AUTUMN[1]
    )

    assert summary is not None
    assert (summary.possible_sessions, summary.attended_sessions) == expected_attendance(
        state, pupil_id
    )
    assert outside is not None
    assert outside.possible_sessions == 0  # the row covers more than the window


async def test_without_an_attendance_export_attendance_is_not_known(
    tmp_path: Path, state: FakeState
) -> None:
    files = state.write(tmp_path)
    files.attendance.unlink()
    hooks, _ = hooks_over(CsvSettings(folder=tmp_path))
    pupil_id = state.pupils[0]["pupil_id"]

    assert await hooks.pull_attendance(pupil_id=pupil_id, since=AUTUMN[0], until=AUTUMN[1]) is None
    assert [r.ok for r in await hooks.health(now=T0)] == [True]


async def test_health_is_ok_over_readable_exports(sims: tuple[Hooks, CsvAdapter]) -> None:
    hooks, _ = sims
    reports = await hooks.health(now=T0)
    assert [(r.component, r.ok, r.checked_at) for r in reports] == [("csv", True, T0)]


async def test_health_names_a_missing_folder_and_a_missing_column(
    tmp_path: Path, state: FakeState
) -> None:
    missing, _ = hooks_over(CsvSettings(folder=tmp_path / "absent"))
    [report] = await missing.health(now=T0)
    assert not report.ok
    absent = tmp_path / "absent"
    assert report.detail == (
        f"pupils export {absent / 'pupils.csv'} (from folder) does not exist; "
        f"contacts export {absent / 'contacts.csv'} (from folder) does not exist"
    )

    state.write(tmp_path)
    headers, rows = state.table("contacts")
    write_table(tmp_path / "contacts.csv", headers[1:], [row[1:] for row in rows])
    broken, _ = hooks_over(CsvSettings(folder=tmp_path))
    [report] = await broken.health(now=T0)
    assert report.detail == (
        "contacts.csv: required column 'Adno' is missing "
        "(if the export names it differently, set contact_columns.pupil_id)"
    )


async def test_unavailable_is_logged_once_and_recovered_once(
    tmp_path: Path, state: FakeState
) -> None:
    hooks, _ = hooks_over(CsvSettings(folder=tmp_path))
    with capture_logs() as logs:
        await hooks.health(now=T0)
        await hooks.health(now=T0)
        state.write(tmp_path)
        await hooks.health(now=T0)
        await hooks.health(now=T0)
    events = [e["event"] for e in logs if e["event"].startswith("adapter.")]
    assert events == ["adapter.unavailable", "adapter.recovered"]


async def test_the_import_report_lists_bad_rows_and_stop_forgets_them(
    tmp_path: Path, state: FakeState
) -> None:
    state.write(tmp_path)
    headers, rows = state.table("contacts")
    rows[3][4] = "maybe"
    write_table(tmp_path / "contacts.csv", headers, rows)
    hooks, adapter = hooks_over(CsvSettings(folder=tmp_path))

    await hooks.pull_contacts(pupil_id=state.pupils[0]["pupil_id"])

    [rejected] = adapter.import_report().rejected
    assert (rejected.file, rejected.line) == ("contacts.csv", 5)
    assert rejected.reason == "column 'Parental Responsibility' is not yes or no"
    await adapter.stop()
    assert adapter.import_report().rows_read == 0


async def test_no_personal_value_reaches_a_log_line_or_an_error(
    tmp_path: Path, state: FakeState
) -> None:
    state.write(tmp_path)
    headers, rows = state.table("pupils")
    rows[0][3] = "not a date"
    rows[1][2] = ""
    write_table(tmp_path / "pupils.csv", headers, rows)
    hooks, adapter = hooks_over(CsvSettings(folder=tmp_path))

    with capture_logs(processors=[redact_personal_data]) as logs:
        for row in state.pupils[2:5]:
            await hooks.pull_pupil(pupil_id=row["pupil_id"])
            await hooks.pull_contacts(pupil_id=row["pupil_id"])
        await hooks.pull_pupils(since=None)
        await hooks.health(now=T0)
        with pytest.raises(NotFoundError) as caught:
            await hooks.pull_pupil(pupil_id=state.pupils[1]["pupil_id"])

    written = " ".join(str(event) for event in logs)
    written += str(caught.value) + " ".join(str(r) for r in adapter.import_report().rejected)
    leaked = [value for value in state.personal_values() if value in written]
    assert leaked == []
    assert any(event["event"] == "csv.imported" for event in logs)
