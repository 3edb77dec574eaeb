"""People and places: pupils, their contacts and addresses, and staff."""

from datetime import date

from pydantic import Field

from hub.models.base import DomainModel, Slug, personal
from hub.models.roles import StaffRole


class Address(DomainModel):
    """A postal address. ``household_id`` groups pupils living at one address."""

    line1: str = personal(min_length=1)
    line2: str | None = personal(None)
    town: str = personal(min_length=1)
    postcode: str = personal(min_length=2, max_length=10)
    household_id: str | None = Field(
        default=None,
        description="Stable id for the household, so risk flags on siblings reach the visit.",
    )


class Pupil(DomainModel):
    """A pupil on the school's roll, as pulled from the MIS."""

    id: str = Field(min_length=1, description="The MIS's id for the pupil (not the UPN).")
    school_id: Slug
    first_name: str = personal(min_length=1)
    last_name: str = personal(min_length=1)
    date_of_birth: date | None = personal(None)
    year_group: str | None = None
    address: Address | None = personal(None)

    @property
    def reference(self) -> str:
        """A safe reference for logs and audit lines."""
        return f"pupil:{self.id}"


class Contact(DomainModel):
    """Someone the school may contact about a pupil."""

    id: str = Field(min_length=1)
    pupil_id: str
    name: str = personal(min_length=1)
    relationship: str = Field(default="parent", description="e.g. mother, carer, grandparent.")
    parental_responsibility: bool = Field(
        description="Holds parental responsibility; only these may be told about the visit."
    )
    phone: str | None = personal(None)
    email: str | None = personal(None)
    address: Address | None = personal(None)
    priority: int = Field(default=1, ge=1, description="1 is contacted first.")


class Vehicle(DomainModel):
    """The car a member of staff drives to visits (held by the office, for the police)."""

    make: str = personal(min_length=1)
    model: str = personal(min_length=1)
    registration: str = personal(min_length=2, max_length=10)
    colour: str = personal(min_length=1)


class StaffMember(DomainModel):
    """A member of staff who visits, authorises, or answers escalations."""

    id: str = Field(min_length=1)
    school_id: Slug
    name: str = personal(min_length=1)
    roles: frozenset[StaffRole] = Field(min_length=1)
    mobile: str | None = personal(None)
    email: str | None = personal(None)
    vehicle: Vehicle | None = personal(None)

    def has_any_role(self, roles: frozenset[StaffRole] | set[StaffRole]) -> bool:
        return bool(self.roles & roles)

    @property
    def reference(self) -> str:
        return f"staff:{self.id}"
