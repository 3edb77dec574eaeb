"""Roles granted per school, and who is asking: the ``Principal``.

A role is held at one school. The API decides every request from the caller's roles
at the school in the URL and from whether the caller is one of the visit's staff:

- ``staff``: their own visits only (visits they are on or requested);
- ``office``: the board of every visit, without safeguarding detail;
- ``dsl`` and ``senior_leader``: every visit with its risk detail; authorise visits;
- ``admin``: the school's deliveries, policy and users; no visit or pupil data.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from hub.models import DomainModel, Slug


class Role(StrEnum):
    """What a user may do at one school."""

    STAFF = "staff"
    OFFICE = "office"
    DSL = "dsl"
    SENIOR_LEADER = "senior_leader"
    ADMIN = "admin"


SEES_EVERY_VISIT = frozenset({Role.OFFICE, Role.DSL, Role.SENIOR_LEADER})
"""Roles that see every visit of their school (the board)."""

SEES_RISK_DETAIL = frozenset({Role.DSL, Role.SENIOR_LEADER})
"""Roles that see risk findings, flags and written reasons of every visit."""


class Membership(DomainModel):
    """A user's place at one school: the member of staff they are there, and their roles."""

    user_id: str = Field(min_length=1, max_length=128)
    school_id: Slug
    staff_id: str = Field(min_length=1, max_length=128)
    roles: frozenset[Role] = Field(min_length=1)


class Principal(DomainModel):
    """The authenticated caller of one request, with every school they hold a role at."""

    user_id: str
    memberships: tuple[Membership, ...] = ()

    def at(self, school_id: str) -> Membership | None:
        """The caller's membership of ``school_id``, or None when they hold no role there."""
        for membership in self.memberships:
            if membership.school_id == school_id:
                return membership
        return None

    def schools_with(self, role: Role) -> list[str]:
        """Ids of the schools where the caller holds ``role``."""
        return [m.school_id for m in self.memberships if role in m.roles]
