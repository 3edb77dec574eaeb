"""Values in exports: dates, yes/no, register marks, household ids, summaries."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hub.adapters.csv.models import (
    MarkRow,
    RowError,
    TotalsRow,
    household_id_for,
    layout_for,
    parse_bool,
    parse_date,
    parse_instant,
    summarise_marks,
    summarise_totals,
    to_mark,
)

MARKS = layout_for("sims", "attendance", {})


@pytest.mark.parametrize("text", ["2015-03-09", "09/03/2015", "09-03-2015", "09.03.2015"])
def test_uk_date_styles(text: str) -> None:
    assert parse_date(text) == date(2015, 3, 9)


@pytest.mark.parametrize("text", ["31/02/2015", "March 9th", "", "2015/13/01"])
def test_not_dates(text: str) -> None:
    with pytest.raises(ValueError, match="not a date"):
        parse_date(text)


def test_instants_without_an_offset_are_school_time() -> None:
    assert parse_instant("2026-07-01 09:00") == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)  # BST
    assert parse_instant("01/12/2026 09:00") == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # GMT
    assert parse_instant("2026-07-01T09:00:00+00:00") == datetime(2026, 7, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "value"),
    [("Yes", True), ("TRUE", True), ("y", True), ("No", False), ("false", False), ("", False)],
)
def test_yes_and_no(text: str, value: bool) -> None:
    assert parse_bool(text) is value


def test_a_register_code_must_be_known() -> None:
    row = {"pupil_id": "1", "date": "07/09/2026", "session": "AM", "mark": "?"}
    with pytest.raises(RowError, match=r"^column 'Mark' is not a register code$"):
        to_mark(row, MARKS)
    assert to_mark({**row, "mark": "y3"}, MARKS).mark == "Y"
    assert to_mark({**row, "mark": ""}, MARKS).mark == "-"


def test_marks_count_present_absent_and_not_possible_sessions() -> None:
    day = date(2026, 9, 7)
    marks = [MarkRow("1", day, "AM", code) for code in ["/", "\\", "L", "N", "O", "X", "#", "B"]]
    marks.append(MarkRow("1", date(2026, 10, 1), "AM", "N"))  # outside the window

    summary = summarise_marks("1", marks, day, day)

    assert (summary.possible_sessions, summary.attended_sessions) == (6, 4)


def test_totals_count_rows_inside_the_window_and_rows_without_dates() -> None:
    rows = [
        TotalsRow("1", 10, 9, date(2026, 9, 7), date(2026, 9, 11)),
        TotalsRow("1", 10, 5, date(2026, 9, 14), date(2026, 9, 18)),
        TotalsRow("1", 4, 4, None, None),
    ]
    summary = summarise_totals("1", rows, date(2026, 9, 14), date(2026, 9, 30))
    assert (summary.possible_sessions, summary.attended_sessions) == (14, 9)


def test_household_ids_ignore_spacing_and_case_and_depend_on_the_key() -> None:
    one = household_id_for(b"k", "1  High Street", "ls1 1aa")
    assert one == household_id_for(b"k", "1 high street", "LS11AA")
    assert one != household_id_for(b"other", "1 High Street", "LS1 1AA")
    assert one.startswith("hh-")
    assert "ls1" not in one.lower()
