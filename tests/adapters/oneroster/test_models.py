"""Mapping OneRoster users to pupils and contacts, filters and the imsx envelope."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from hub.adapters.oneroster.fake import FakeState, imsx_body
from hub.adapters.oneroster.models import (
    ROLL,
    User,
    filter_after,
    filter_predicate,
    filters_any_of,
    imsx_error,
    roll_to_pupil,
    to_contact,
    to_pupil,
)
from hub.errors import AdapterError, NotFoundError, RejectedError, TransientError
from hub.models import Address, Pupil

SCHOOL = "st-michaels"


def user(state: FakeState, sourced_id: str, **changes: Any) -> User:
    return User.model_validate(state.users[sourced_id] | changes)


def role(name: str, role_type: str = "primary") -> dict[str, Any]:
    org = {"href": "https://x.test/orgs/o", "sourcedId": "o", "type": "org"}
    return {"roleType": role_type, "role": name, "org": org}


@pytest.fixture(scope="module")
def state() -> FakeState:
    return FakeState()


def test_student_maps_to_pupil_with_address_and_birth_date(state: FakeState) -> None:
    raw = state.users["stu-00001"]
    pupil = to_pupil(user(state, "stu-00001"), school_id=SCHOOL, birth_date=date(2012, 5, 4))
    assert (pupil.id, pupil.school_id, pupil.year_group) == ("stu-00001", SCHOOL, "09")
    assert (pupil.first_name, pupil.last_name) == (raw["givenName"], raw["familyName"])
    assert pupil.date_of_birth == date(2012, 5, 4)
    assert pupil.address is not None
    assert pupil.address.postcode == raw["metadata"]["address"]["postcode"]
    assert pupil.address.household_id == "hh-1"


def test_a_mapped_pupil_equals_a_validated_one_and_shares_its_fields_set(state: FakeState) -> None:
    pupil = to_pupil(user(state, "stu-00001"), school_id=SCHOOL, birth_date=date(2012, 5, 4))
    assert pupil == Pupil.model_validate(pupil.model_dump())
    assert pupil.address is not None
    assert pupil.address == Address.model_validate(pupil.address.model_dump())
    moved = pupil.model_copy(update={"year_group": "10"})
    assert (moved.year_group, pupil.year_group) == ("10", "09")
    assert pupil.model_fields_set == set(Pupil.model_fields)
    other = to_pupil(user(state, "stu-00002"), school_id=SCHOOL)
    assert other.model_fields_set is pupil.model_fields_set  # one set for the whole roll
    assert moved.model_fields_set is not pupil.model_fields_set


@pytest.mark.parametrize(
    ("changes", "school"),
    [
        ({"givenName": ""}, SCHOOL),
        ({"familyName": ""}, SCHOOL),
        ({}, "Not A Slug"),
        (
            {
                "metadata": {
                    "address": {"line1": "1 Lane", "town": "Leeds", "postcode": "LS1 1AA XYZ"}
                }
            },
            SCHOOL,
        ),
    ],
)
def test_values_a_pupil_refuses_are_refused_without_echo(
    state: FakeState, changes: dict[str, Any], school: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        to_pupil(user(state, "stu-00001", **changes), school_id=school)
    assert "LS1 1AA XYZ" not in str(caught.value)
    assert "Not A Slug" not in str(caught.value)


def test_a_roll_record_maps_to_the_pupil_a_single_read_gives(state: FakeState) -> None:
    raw = state.users["stu-00004"]
    page = json.dumps({"users": [raw | {"metadata": "n/a"}, raw]}).encode()
    odd, record = ROLL.records(page, path_template="/students", status=200)
    single = to_pupil(user(state, "stu-00004"), school_id=SCHOOL, birth_date=date(2013, 1, 2))
    assert roll_to_pupil(record, school_id=SCHOOL, birth_date=date(2013, 1, 2)) == single
    assert roll_to_pupil(odd, school_id=SCHOOL).address is None  # odd metadata: no address
    assert set(record) <= {
        "sourcedId",
        "status",
        "givenName",
        "familyName",
        "roles",
        "grades",
        "metadata",
    }


def test_a_page_that_is_not_a_roll_page_is_an_adapter_error_without_values() -> None:
    page = json.dumps({"users": [{"sourcedId": "stu-1", "givenName": "Ada"}]}).encode()
    with pytest.raises(AdapterError) as caught:
        ROLL.records(page, path_template="/students", status=200)
    assert "Ada" not in str(caught.value)
    assert "/students" in str(caught.value)


def test_no_address_in_metadata_means_no_address(state: FakeState) -> None:
    bare = user(state, "stu-00001", metadata={"address": {"line1": "x"}})
    assert to_pupil(bare, school_id=SCHOOL).address is None
    assert to_pupil(user(state, "stu-00001", metadata={}), school_id=SCHOOL).address is None


@pytest.mark.parametrize(
    ("roles", "relationship", "responsibility"),
    [
        ([role("guardian")], "guardian", True),
        ([role("parent")], "parent", True),
        ([role("relative")], "relative", False),
        ([role("relative", "secondary"), role("parent")], "parent", True),  # primary first
    ],
)
def test_agents_map_to_contacts_with_parental_responsibility(
    state: FakeState, roles: list[dict[str, Any]], relationship: str, responsibility: bool
) -> None:
    raw = state.users["usr-00001-1"]
    contact = to_contact(user(state, "usr-00001-1", roles=roles), pupil_id="stu-00001", priority=2)
    assert contact is not None
    assert (contact.relationship, contact.parental_responsibility) == (
        relationship,
        responsibility,
    )
    assert contact.name == f"{raw['givenName']} {raw['familyName']}"
    assert (contact.phone, contact.email) == (raw["phone"], raw["email"])
    assert (contact.pupil_id, contact.priority) == ("stu-00001", 2)


def test_a_teacher_or_student_is_not_a_contact(state: FakeState) -> None:
    assert to_contact(user(state, "tea-00001"), pupil_id="stu-00001", priority=1) is None
    assert to_contact(user(state, "stu-00002"), pupil_id="stu-00001", priority=1) is None


def test_sms_stands_in_for_a_missing_phone(state: FakeState) -> None:
    texted = user(state, "usr-00001-1", phone=None, sms="07700 900123")
    contact = to_contact(texted, pupil_id="stu-00001", priority=1)
    assert contact is not None
    assert contact.phone == "07700 900123"


def test_wire_repr_hides_personal_fields(state: FakeState) -> None:
    raw = state.users["usr-00001-1"]
    shown = repr(user(state, "usr-00001-1"))
    assert "usr-00001-1" in shown
    for key in ("givenName", "familyName", "email", "phone"):
        assert raw[key] not in shown


def test_filter_after_writes_utc_to_the_second() -> None:
    moment = datetime(2026, 1, 1, 0, 0, 0, 500_000, tzinfo=UTC)
    assert filter_after("dateLastModified", moment) == "dateLastModified>'2026-01-01T00:00:00Z'"
    with pytest.raises(ValueError, match="timezone-aware"):
        filter_after("dateLastModified", datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("field", "op", "value"),
    [("givenName", "=", "O'Brien"), ("a b", "=", "x"), ("status", "==", "active")],
)
def test_filter_predicate_refuses_what_cannot_be_quoted_safely(
    field: str, op: str, value: str
) -> None:
    with pytest.raises(ValueError, match="filter") as caught:
        filter_predicate(field, op, value)
    assert "O'Brien" not in str(caught.value)


def test_filters_any_of_split_by_count_and_length() -> None:
    ids = [f"stu-{n:05d}" for n in range(1, 8)]
    by_count, unfit = filters_any_of("sourcedId", ids, max_values=3)
    assert unfit == []
    assert [held for _, held in by_count] == [ids[0:3], ids[3:6], ids[6:]]
    assert by_count[0][0] == (
        "sourcedId='stu-00001' OR sourcedId='stu-00002' OR sourcedId='stu-00003'"
    )
    by_length, _ = filters_any_of("sourcedId", ids, max_values=100, max_chars=50)
    assert all(len(expression) <= 50 for expression, _ in by_length)
    assert [i for _, held in by_length for i in held] == ids


def test_filters_any_of_leave_out_what_no_filter_can_carry() -> None:
    chunks, unfit = filters_any_of("sourcedId", ["a", "o'neil", "b"], max_values=10)
    assert chunks == [("sourcedId='a' OR sourcedId='b'", ["a", "b"])]
    assert unfit == ["o'neil"]


def test_a_malformed_address_is_no_address_not_a_broken_record(state: FakeState) -> None:
    odd = user(state, "stu-00001", metadata={"address": {"line1": 12, "town": ["x"]}})
    assert to_pupil(odd, school_id=SCHOOL).address is None
    assert to_pupil(user(state, "stu-00001", metadata="n/a"), school_id=SCHOOL).address is None


def test_imsx_error_maps_minor_codes_and_drops_unknown_ones() -> None:
    def mapped(body: dict[str, Any]) -> Exception | None:
        return imsx_error(body, adapter="oneroster", method="GET", path_template="/x", status=200)

    assert isinstance(mapped(imsx_body(404)), NotFoundError)
    assert isinstance(mapped(imsx_body(429)), TransientError)
    flat = {"imsx_codeMajor": "failure", "imsx_severity": "error", "imsx_CodeMinor": "Ada L"}
    error = mapped(flat)
    assert isinstance(error, RejectedError)
    assert "Ada" not in str(error)
    assert mapped({"imsx_codeMajor": "success", "imsx_severity": "status"}) is None
    assert mapped({"users": []}) is None
