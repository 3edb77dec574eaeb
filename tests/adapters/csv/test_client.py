"""Reading exports: bad rows reported and skipped, encodings and delimiters sniffed."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from hub.adapters.csv.client import (
    CsvExports,
    detect_delimiter,
    detect_encoding,
    parse_table,
)
from hub.adapters.csv.fake import FakeState, write_table
from hub.adapters.csv.settings import CsvSettings
from hub.errors import AdapterConfigError

KEY = b"test-school"
ACCENTED = ["Zoë", "José", "Siân", "Chloé", "Renée", "Łucja"]


@pytest.fixture(scope="module")
def big_state() -> FakeState:
    return FakeState(pupil_count=1000, school_days=1)


@pytest.fixture
def state() -> FakeState:
    return FakeState(pupil_count=12, school_days=5)


def exports(folder: Path, **settings: object) -> CsvExports:
    return CsvExports(CsvSettings(folder=folder, **settings))


def pupils_with_names(state: FakeState, names: list[str]) -> tuple[list[str], list[list[str]]]:
    headers, rows = state.table("pupils")
    for row, name in zip(rows, names, strict=False):
        row[1] = name
    return headers, rows


def test_three_bad_rows_among_a_thousand_are_reported_and_the_rest_imported(
    tmp_path: Path, big_state: FakeState
) -> None:
    headers, rows = big_state.table("pupils")
    blank_surname, short_row = rows[9][2], rows[997][:]
    rows[9][2] = ""
    rows[499][3] = "31/02/2015"
    rows[997] = rows[997][:4]
    write_table(tmp_path / "pupils.csv", headers, rows)

    imported = exports(tmp_path).pupils("kit", KEY)

    assert imported.report.rows_read == 1000
    assert imported.report.imported == 997
    assert len(imported.records) == 997
    assert [(r.file, r.line) for r in imported.report.rejected] == [
        ("pupils.csv", 11),
        ("pupils.csv", 501),
        ("pupils.csv", 999),
    ]
    reasons = [r.reason for r in imported.report.rejected]
    assert reasons == [
        "column 'Surname' is blank",
        "column 'DOB' is not a date",
        "has 4 fields, the header has 10",
    ]
    text = " ".join(str(r) for r in imported.report.rejected)
    for value in (blank_surname, "31/02/2015", *short_row):
        if len(value) > 2:
            assert value not in text
    assert str(imported.report.rejected[0]) == "pupils.csv line 11: column 'Surname' is blank"


def test_a_windows_1252_export_keeps_accented_names(tmp_path: Path, state: FakeState) -> None:
    names = ACCENTED[:-1]  # Ł is not in Windows-1252
    headers, rows = pupils_with_names(state, names)
    write_table(tmp_path / "pupils.csv", headers, rows, encoding="cp1252")
    data = (tmp_path / "pupils.csv").read_bytes()
    assert detect_encoding(data) == "cp1252"

    imported = exports(tmp_path).pupils("kit", KEY)

    assert [r.pupil.first_name for r in imported.records[: len(names)]] == names
    assert imported.report.rejected == ()


def test_a_semicolon_delimited_export_is_read(tmp_path: Path, state: FakeState) -> None:
    state.write(tmp_path, delimiter=";")
    assert detect_delimiter((tmp_path / "pupils.csv").read_text()) == ";"

    imported = exports(tmp_path).pupils("kit", KEY)

    assert len(imported.records) == 12
    assert imported.records[0].pupil.id == state.pupils[0]["pupil_id"]
    # an address line holding a comma survives the change of delimiter
    assert all(r.pupil.address is not None for r in imported.records)


@pytest.mark.parametrize("delimiter", ["\t", "|", ","])
def test_tab_pipe_and_comma_are_sniffed(tmp_path: Path, state: FakeState, delimiter: str) -> None:
    state.write(tmp_path, delimiter=delimiter)
    table = parse_table((tmp_path / "contacts.csv").read_bytes(), name="contacts.csv")
    assert table.delimiter == delimiter
    assert table.headers[0] == "Adno"


def test_utf8_with_a_byte_order_mark(tmp_path: Path, state: FakeState) -> None:
    headers, rows = pupils_with_names(state, ACCENTED)
    write_table(tmp_path / "pupils.csv", headers, rows, encoding="utf-8-sig")
    assert (tmp_path / "pupils.csv").read_bytes().startswith(codecs.BOM_UTF8)

    imported = exports(tmp_path).pupils("kit", KEY)

    # the BOM is not glued to the first header, so the id column is found
    assert [r.pupil.first_name for r in imported.records[:6]] == ACCENTED
    assert imported.records[0].pupil.id == state.pupils[0]["pupil_id"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_and_without_a_byte_order_mark(
    tmp_path: Path, state: FakeState, encoding: str
) -> None:
    headers, rows = pupils_with_names(state, ACCENTED)
    write_table(tmp_path / "pupils.csv", headers, rows, encoding=encoding)

    imported = exports(tmp_path).pupils("kit", KEY)

    assert [r.pupil.first_name for r in imported.records[:6]] == ACCENTED
    assert imported.report.imported == 12


def test_a_missing_required_column_is_one_error_naming_file_and_column(
    tmp_path: Path, state: FakeState
) -> None:
    headers, rows = state.table("pupils")
    write_table(tmp_path / "pupils.csv", headers[:2] + headers[3:], [r[:2] + r[3:] for r in rows])

    with pytest.raises(AdapterConfigError) as caught:
        exports(tmp_path).pupils("kit", KEY)

    assert str(caught.value) == (
        "pupils.csv: required column 'Surname' is missing "
        "(if the export names it differently, set pupil_columns.last_name)"
    )
    assert caught.value.adapter == "csv"


def test_a_renamed_column_is_found_through_the_settings(tmp_path: Path, state: FakeState) -> None:
    headers, rows = state.table("pupils")
    headers[2] = "Legal Surname"
    write_table(tmp_path / "pupils.csv", headers, rows)

    imported = exports(tmp_path, pupil_columns={"last_name": "legal  surname"}).pupils("kit", KEY)

    assert imported.records[0].pupil.last_name == state.pupils[0]["last_name"]


def test_a_named_encoding_that_does_not_fit_is_a_clear_error(
    tmp_path: Path, state: FakeState
) -> None:
    headers, rows = pupils_with_names(state, ACCENTED)
    write_table(tmp_path / "pupils.csv", headers, rows, encoding="utf-16")

    with pytest.raises(AdapterConfigError, match=r"^pupils.csv: is not utf-8 text"):
        exports(tmp_path, encoding="utf-8").pupils("kit", KEY)


def test_quoted_fields_spanning_lines_keep_line_numbers_right(tmp_path: Path) -> None:
    text = (
        "Adno,Forename,Surname,Address Line 1,Town,Postcode\r\n"
        '1,Amy,Ash,"Flat 1\r\nThe Mews",Leeds,LS1 1AA\r\n'
        "2,Ben,,2 Oak Road,Leeds,LS1 1AB\r\n"
        "3,Cal,Cole,3 Elm Road,Leeds,LS1 1AC\r\n"
    )
    (tmp_path / "pupils.csv").write_text(text, newline="")

    imported = exports(tmp_path).pupils("kit", KEY)

    assert [r.pupil.id for r in imported.records] == ["1", "3"]
    assert [(r.line, r.reason) for r in imported.report.rejected] == [
        (4, "column 'Surname' is blank")
    ]


def test_a_repeated_pupil_id_is_rejected_naming_the_first_line(tmp_path: Path) -> None:
    text = "Adno,Forename,Surname\n1,Amy,Ash\n2,Ben,Bell\n1,Amy,Ashe\n\n"
    (tmp_path / "pupils.csv").write_text(text)

    imported = exports(tmp_path).pupils("kit", KEY)

    assert imported.report.rows_read == 3  # the blank line is not a row
    assert [(r.line, r.reason) for r in imported.report.rejected] == [
        (4, "the same id is already on line 2")
    ]


def test_an_incomplete_address_is_rejected_naming_the_blank_column(tmp_path: Path) -> None:
    text = "Adno,Forename,Surname,Address Line 1,Town,Postcode\n1,Amy,Ash,1 Oak Road,Leeds,\n"
    (tmp_path / "pupils.csv").write_text(text)

    imported = exports(tmp_path).pupils("kit", KEY)

    assert [r.reason for r in imported.report.rejected] == ["column 'Postcode' is blank"]


def test_a_file_is_read_again_only_when_it_changes(tmp_path: Path, state: FakeState) -> None:
    state.write(tmp_path)
    reader = exports(tmp_path)
    first = reader.pupils("kit", KEY)
    assert reader.pupils("kit", KEY) is first

    headers, rows = state.table("pupils")
    write_table(tmp_path / "pupils.csv", headers, rows[:5])

    assert len(reader.pupils("kit", KEY).records) == 5


def test_the_combined_report_adds_up_every_export(tmp_path: Path, state: FakeState) -> None:
    state.write(tmp_path)
    reader = exports(tmp_path)
    reader.pupils("kit", KEY)
    reader.contacts()

    report = reader.report()

    assert report.rows_read == len(state.pupils) + len(state.contacts)
    assert report.imported == report.rows_read
