"""Builders for test data. Every personal value is fake (Faker en_GB, fixed seed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from faker import Faker

from hub.models import (
    Address,
    CheckIn,
    CheckInChannel,
    CheckInKind,
    Contact,
    Pupil,
    StaffMember,
    StaffRole,
    Vehicle,
    Visit,
    VisitReason,
    VisitState,
)
from hub.policy import PolicyPack, load_bundled_pack

SCHOOL = "st-michaels"
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
"""A fixed 'now' for tests: a Monday morning in term time."""


def fake(seed: int = 1234) -> Faker:
    faker = Faker("en_GB")
    faker.seed_instance(seed)
    return faker


def pack(pack_id: str = SCHOOL) -> PolicyPack:
    return load_bundled_pack(pack_id)


def address(faker: Faker | None = None, household_id: str = "hh-1") -> Address:
    faker = faker or fake()
    return Address(
        line1=faker.street_address(),
        town=faker.city(),
        postcode=faker.postcode(),
        household_id=household_id,
    )


def pupil(pupil_id: str = "p-1", school_id: str = SCHOOL, faker: Faker | None = None) -> Pupil:
    faker = faker or fake()
    return Pupil(
        id=pupil_id,
        school_id=school_id,
        first_name=faker.first_name(),
        last_name=faker.last_name(),
        date_of_birth=faker.date_of_birth(minimum_age=11, maximum_age=16),
        year_group="9",
        address=address(faker),
    )


def contact(pupil_id: str = "p-1", faker: Faker | None = None) -> Contact:
    faker = faker or fake()
    return Contact(
        id=f"c-{pupil_id}",
        pupil_id=pupil_id,
        name=faker.name(),
        relationship="mother",
        parental_responsibility=True,
        phone=faker.phone_number(),
        email=faker.email(),
    )


def staff(
    staff_id: str = "s-1",
    roles: tuple[StaffRole, ...] = (StaffRole.ATTENDANCE_OFFICER,),
    school_id: str = SCHOOL,
    faker: Faker | None = None,
) -> StaffMember:
    faker = faker or fake(hash(staff_id) % 10_000)
    return StaffMember(
        id=staff_id,
        school_id=school_id,
        name=faker.name(),
        roles=frozenset(roles),
        mobile=faker.phone_number(),
        email=faker.email(),
        vehicle=Vehicle(
            make="Ford",
            model="Fiesta",
            registration=faker.license_plate(),
            colour=faker.safe_color_name(),
        ),
    )


def visit(**overrides: Any) -> Visit:
    values: dict[str, Any] = {
        "id": "v-1",
        "school_id": SCHOOL,
        "pupil_id": "p-1",
        "reason": VisitReason.ATTENDANCE_CONCERN,
        "state": VisitState.REQUESTED,
        "planned_start": T0 + timedelta(hours=1),
        "planned_end": T0 + timedelta(hours=2),
        "staff_ids": ("s-1", "s-2"),
        "announced": True,
        "requested_by": "s-1",
        "requested_at": T0,
    }
    values.update(overrides)
    return Visit(**values)


def check_in(
    kind: CheckInKind,
    at: datetime,
    *,
    visit_id: str = "v-1",
    staff_id: str = "s-1",
    duress: bool = False,
    n: int = 1,
) -> CheckIn:
    return CheckIn(
        id=f"ci-{kind.value}-{n}",
        visit_id=visit_id,
        staff_id=staff_id,
        kind=kind,
        at=at,
        channel=CheckInChannel.WEB,
        duress=duress,
    )
