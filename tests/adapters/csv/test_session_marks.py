"""The csv adapter's register marks as session marks for the daily attendance follow-up."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hub.adapters.csv import CsvAdapter
from hub.adapters.csv.fake import FakeState
from hub.adapters.csv.models import MarkRow, to_session_marks
from hub.adapters.csv.settings import CsvSettings
from hub.followup.register import CodeMeaning, SessionMark
from hub.hooks.manager import Hooks, build_hooks
from hub.models import School
from tests.factories import SCHOOL, pack

SCHOOL_REF = School(id=SCHOOL, name="St Michael's", policy_pack=SCHOOL)
AUTUMN = (date(2026, 9, 1), date(2026, 12, 18))


def hooks_over(folder: Path) -> Hooks:
    adapter = CsvAdapter(CsvSettings(folder=folder))
    return build_hooks(SCHOOL_REF, pack=pack(), entry_points=False, extra=[("csv", adapter)])


async def test_the_register_export_gives_every_mark_as_a_session_mark(tmp_path: Path) -> None:
    state = FakeState(pupil_count=4, school_days=10)
    state.write(tmp_path)

    marks = await hooks_over(tmp_path).pull_session_marks(since=AUTUMN[0], until=AUTUMN[1])

    assert marks is not None
    expected = {
        (m["pupil_id"], date.fromisoformat(m["date"]), m["session"].lower(), m["mark"])
        for m in state.marks
    }
    assert {(m.pupil_id, m.day, m.session, m.code) for m in marks} == expected
    assert len(marks) == 4 * 10 * 2
    assert all(m.meaning is not CodeMeaning.UNKNOWN for m in marks)


async def test_the_window_is_kept(tmp_path: Path) -> None:
    FakeState(pupil_count=2, school_days=10).write(tmp_path)
    hooks = hooks_over(tmp_path)

    marks = await hooks.pull_session_marks(since=date(2026, 9, 7), until=date(2026, 9, 8))

    assert marks is not None
    assert {m.day for m in marks} == {date(2026, 9, 7), date(2026, 9, 8)}
    assert len(marks) == 2 * 2 * 2


async def test_totals_or_no_export_is_no_register(tmp_path: Path) -> None:
    state = FakeState(pupil_count=2, school_days=5)
    state.write(tmp_path / "totals", attendance="totals")
    files = state.write(tmp_path / "none")
    files.attendance.unlink()

    assert (
        await hooks_over(tmp_path / "totals").pull_session_marks(since=AUTUMN[0], until=AUTUMN[1])
        is None
    )
    assert (
        await hooks_over(tmp_path / "none").pull_session_marks(since=AUTUMN[0], until=AUTUMN[1])
        is None
    )


def test_unmarked_sessions_are_left_out_and_blank_sessions_fill_the_day() -> None:
    day = date(2026, 9, 7)
    rows = [
        MarkRow(pupil_id="p-1", on=day, session="", mark="N"),
        MarkRow(pupil_id="p-1", on=day, session="", mark="/"),
        MarkRow(pupil_id="p-1", on=day, session="", mark="/"),
        MarkRow(pupil_id="p-2", on=day, session="PM", mark="Y"),
        MarkRow(pupil_id="p-2", on=day, session="", mark="G"),
        MarkRow(pupil_id="p-3", on=day, session="AM", mark="-"),
    ]

    marks = to_session_marks(rows, day, day)

    assert marks == [
        SessionMark(pupil_id="p-1", day=day, session="am", code="N"),
        SessionMark(pupil_id="p-1", day=day, session="pm", code="/"),
        SessionMark(pupil_id="p-2", day=day, session="pm", code="Y"),
        SessionMark(pupil_id="p-2", day=day, session="am", code="G"),
    ]
    assert marks[2].meaning is CodeMeaning.NOT_COUNTED
