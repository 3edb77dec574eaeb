"""Wonde's wire shapes and their mapping: date objects, addresses, households, contacts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from hub.adapters.wonde.models import (
    Page,
    WondeAddress,
    WondeAttendanceSummary,
    WondeDate,
    WondeStudent,
    household_id,
    peek_next_url,
    to_address,
    to_attendance,
    to_contacts,
    to_pupil,
    wonde_date,
)
from hub.models import Pupil
from tests.factories import fake

# --- date objects --------------------------------------------------------------------


def test_a_utc_date_object_is_read_as_utc() -> None:
    value = WondeDate(date="2025-10-04 01:03:22.000000", timezone_type=3, timezone="UTC")
    assert value.to_utc() == datetime(2025, 10, 4, 1, 3, 22, tzinfo=UTC)


@pytest.mark.parametrize(
    ("wall", "expected_utc"),
    [
        ("2026-07-01 10:00:00.000000", datetime(2026, 7, 1, 9, 0, tzinfo=UTC)),  # BST
        ("2026-12-01 10:00:00.000000", datetime(2026, 12, 1, 10, 0, tzinfo=UTC)),  # GMT
        ("2026-10-25 01:30:00", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # first 01:30
    ],
)
def test_a_uk_date_object_is_read_in_uk_time(wall: str, expected_utc: datetime) -> None:
    value = WondeDate(date=wall, timezone_type=3, timezone="Europe/London")
    assert value.to_utc() == expected_utc
    assert value.to_utc().tzinfo is UTC


@pytest.mark.parametrize(
    ("timezone_type", "zone"), [(2, "BST"), (1, "+01:00"), (1, "+0100"), (3, "Europe/London")]
)
def test_every_timezone_type_gives_the_same_instant(timezone_type: int, zone: str) -> None:
    value = WondeDate(date="2026-06-15 12:00:00.000000", timezone_type=timezone_type, timezone=zone)
    assert value.to_utc() == datetime(2026, 6, 15, 11, 0, tzinfo=UTC)


def test_a_birthday_at_uk_midnight_in_summer_keeps_its_day() -> None:
    dob = WondeDate(date="2013-06-02 00:00:00.000000", timezone_type=3, timezone="Europe/London")
    assert dob.local_date() == date(2013, 6, 2)
    assert dob.to_utc().date() == date(2013, 6, 1)  # why the day must not come from UTC


def test_an_unknown_zone_is_refused_without_echoing_it() -> None:
    value = WondeDate(date="2026-06-15 12:00:00", timezone_type=3, timezone="Mars/Olympus")
    with pytest.raises(ValueError, match="unknown timezone") as caught:
        value.to_utc()
    assert "Mars" not in str(caught.value)


def test_wonde_date_writes_what_wonde_date_reads() -> None:
    instant = datetime(2026, 8, 3, 14, 5, 6, tzinfo=UTC)
    written = wonde_date(instant)
    assert written == {
        "date": "2026-08-03 15:05:06.000000",
        "timezone_type": 3,
        "timezone": "Europe/London",
    }
    assert WondeDate.model_validate(written).to_utc() == instant


# --- addresses and households --------------------------------------------------------


def _address(**overrides: str | None) -> WondeAddress:
    faker = fake(77)
    values: dict[str, str | None] = {
        "house_number": "14",
        "street": faker.street_name(),
        "town": faker.city(),
        "postcode": faker.postcode(),
    }
    values.update(overrides)
    return WondeAddress.model_validate(values)


def test_the_same_home_typed_twice_is_one_household() -> None:
    first = _address()
    assert first.street is not None
    assert first.postcode is not None
    again = _address(
        street=f"  {first.street.upper()} ",
        postcode=first.postcode.lower().replace(" ", ""),
        town="Somewhere Else",
    )
    assert household_id(first) == household_id(again)
    assert household_id(first) is not None
    assert str(household_id(first)).startswith("hh-")


@pytest.mark.parametrize(
    "change", [{"house_number": "16"}, {"apartment": "Flat 2"}, {"postcode": "ZZ1 1ZZ"}]
)
def test_a_different_home_is_a_different_household(change: dict[str, str]) -> None:
    assert household_id(_address()) != household_id(_address(**change))


def test_no_postcode_means_no_household() -> None:
    assert household_id(_address(postcode=None)) is None


def test_the_household_id_holds_nothing_of_the_address() -> None:
    address = _address()
    assert address.street is not None
    assert address.postcode is not None
    hid = str(household_id(address))
    for part in (address.street, address.postcode, address.postcode.replace(" ", "")):
        assert part.lower() not in hid.lower()


def test_an_address_maps_to_lines_town_and_postcode() -> None:
    wire = _address(apartment="Flat 3", postcode="ab1 2cd", district="Old Town")
    mapped = to_address(wire)
    assert mapped is not None
    assert mapped.line1 == f"Flat 3, 14 {wire.street}"
    assert mapped.line2 == "Old Town"
    assert mapped.town == wire.town
    assert mapped.postcode == "AB1 2CD"
    assert mapped.household_id == household_id(wire)


@pytest.mark.parametrize("missing", ["street", "town", "postcode"])
def test_an_address_too_incomplete_to_visit_is_none(missing: str) -> None:
    blanks = {missing: None, "house_number": None} if missing == "street" else {missing: None}
    assert to_address(_address(**blanks)) is None


# --- students and contacts -----------------------------------------------------------


def _student(contacts: list[dict[str, object]]) -> WondeStudent:
    return WondeStudent.model_validate(
        {
            "id": "A100",
            "forename": "Test",
            "surname": "Pupil",
            "date_of_birth": {
                "date": "2014-04-01 00:00:00.000000",
                "timezone_type": 3,
                "timezone": "Europe/London",
            },
            "year": {"data": {"code": "7", "name": "Year 7"}},
            "contact_details": {"data": {"addresses": {"home": _address().model_dump()}}},
            "contacts": {"data": contacts},
            "some_future_field": {"data": []},
        }
    )


def test_a_student_maps_to_a_pupil_with_address_and_year() -> None:
    pupil = to_pupil(_student([]), school_id="st-michaels")
    assert pupil.id == "A100"
    assert pupil.school_id == "st-michaels"
    assert pupil.date_of_birth == date(2014, 4, 1)
    assert pupil.year_group == "7"
    assert pupil.address is not None
    assert pupil.address.household_id == household_id(_address())


def test_pupils_share_one_fields_set_and_still_equal_validated_ones() -> None:
    one = to_pupil(_student([]), school_id="st-michaels")
    two = to_pupil(_student([]), school_id="st-michaels")
    assert one.model_fields_set is two.model_fields_set  # one set for the whole roll
    assert one.model_fields_set == set(Pupil.model_fields)
    assert one == Pupil.model_validate(one.model_dump())
    moved = one.model_copy(update={"year_group": "8"})
    assert (moved.year_group, two.year_group) == ("8", "7")
    assert moved.model_fields_set is not one.model_fields_set


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        (True, True),
        ("Y", True),
        ("1", True),
        (1, True),
        (False, False),
        ("N", False),
        (None, False),
    ],
)
def test_parental_responsibility_comes_from_the_relationship(flag: object, expected: bool) -> None:
    student = _student(
        [
            {
                "id": "C1",
                "forename": "Ann",
                "surname": "Example",
                "relationship": {"relationship": "Mother", "parental_responsibility": flag},
            }
        ]
    )
    (contact,) = to_contacts(student)
    assert contact.parental_responsibility is expected
    assert contact.relationship == "mother"
    assert contact.pupil_id == "A100"


def test_a_contact_without_a_relationship_holds_no_parental_responsibility() -> None:
    student = _student([{"id": "C1", "forename": "Ann", "surname": "Example"}])
    (contact,) = to_contacts(student)
    assert contact.parental_responsibility is False
    assert contact.relationship == "contact"


def test_contacts_come_in_priority_order_with_their_best_phone() -> None:
    faker = fake(5)
    mobile, landline, email = faker.cellphone_number(), faker.phone_number(), faker.email()
    student = _student(
        [
            {"id": "C2", "forename": "Bo", "surname": "Second", "relationship": {"priority": 2}},
            {
                "id": "C1",
                "forename": "Al",
                "surname": "First",
                "relationship": {"priority": 1},
                "contact_details": {
                    "data": {
                        "phones": {"phone": landline, "mobile": mobile},
                        "emails": {"email": email},
                    }
                },
            },
            {"id": "C0", "surname": None, "forename": None},  # nobody to speak to
        ]
    )
    contacts = to_contacts(student)
    assert [c.id for c in contacts] == ["C1", "C2"]
    assert contacts[0].phone == mobile
    assert contacts[0].email == email
    assert contacts[1].phone is None


def test_wire_errors_do_not_echo_personal_values() -> None:
    faker = fake(9)
    name = faker.first_name()
    with pytest.raises(ValidationError) as caught:
        WondeStudent.model_validate({"id": "", "forename": name})
    assert name not in str(caught.value)


def test_personal_wire_fields_stay_out_of_repr() -> None:
    student = _student([{"id": "C1", "forename": "Zebedee", "surname": "Quixote"}])
    text = repr(student)
    assert "Zebedee" not in text
    assert "Test" not in text
    assert "A100" in text


def test_a_page_knows_its_next_link_and_whether_more_follow() -> None:
    page = Page[WondeStudent].model_validate(
        {
            "data": [{"id": "A1"}],
            "meta": {"pagination": {"next": "https://x/y?cursor=z", "more": True}},
        }
    )
    assert page.next_url == "https://x/y?cursor=z"
    assert page.more is True
    last = Page[WondeStudent].model_validate({"data": []})
    assert last.next_url is None
    assert last.more is False


# --- attendance ----------------------------------------------------------------------


def test_attendance_counts_present_and_educational_activity_as_attended() -> None:
    rows = [
        WondeAttendanceSummary(
            student="A100",
            possible_marks=120,
            present_marks=100,
            approved_educational_activity_marks=4,
            authorised_absence_marks=10,
            unauthorised_absence_marks=6,
        ),
        WondeAttendanceSummary(student="A999", possible_marks=50, present_marks=50),
    ]
    summary = to_attendance(rows, pupil_id="A100", since=date(2026, 9, 1), until=date(2026, 12, 18))
    assert (summary.possible_sessions, summary.attended_sessions) == (120, 104)
    assert summary.percent == pytest.approx(86.67, abs=0.01)


def test_the_next_link_is_peeked_from_the_tail_of_a_page() -> None:
    body = b'{"data": [{"id": "A1", "meta": "x"}], "meta": {"pagination": {"next": "https://n"}}}'
    assert peek_next_url(body) == "https://n"
    assert peek_next_url(b'{"data": [], "meta": {"pagination": {"next": null}}}') is None


def test_a_tail_that_does_not_parse_gives_no_peek() -> None:
    meta_first = b'{"meta": {"pagination": {"next": "https://n"}}, "data": [{"id": "A1"}]}'
    assert peek_next_url(meta_first) == "https://n"
    nested_last = b'{"meta": {"pagination": {"next": "https://n"}}, "data": [{"meta": 1}]}'
    assert peek_next_url(nested_last) is None
    assert peek_next_url(b'{"data": []}') is None
