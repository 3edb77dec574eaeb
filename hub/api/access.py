"""Who may do what: the API's authorization rules, pure and in one table.

Checked in this order for every request under ``/api/v1/schools/{school_id}``:

1. a valid token (else 401);
2. a role at that school (else 404: the caller cannot tell the school exists);
3. for a visit, that the caller may see it (else 404, the same body as a visit that
   does not exist): office, DSL and senior leaders see every visit of their school;
   anyone else only the visits they are on or requested;
4. that the operation is allowed to one of the caller's roles, or to the staff on the
   visit when the caller is on it (else 403).

The visit workflow then applies the school's own rules (who may authorise, pairs...)
and refuses with 409 and its reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hub.auth.roles import SEES_EVERY_VISIT, SEES_RISK_DETAIL, Membership, Role
from hub.models import Visit

R = Role


class Op(StrEnum):
    """Every operation the API authorizes."""

    READ_SCHOOL = "read_school"
    SEARCH_PUPILS = "search_pupils"
    LIST_VISITS = "list_visits"
    REQUEST_VISIT = "request_visit"
    READ_VISIT = "read_visit"
    ASSESS = "assess"
    SUBMIT = "submit"
    AUTHORISE = "authorise"
    REJECT = "reject"
    REQUIRE_SECOND_STAFF = "require_second_staff"
    SCHEDULE = "schedule"
    CHECK_IN = "check_in"
    DOORSTEP = "doorstep"
    OUTCOME = "outcome"
    NOTE = "note"
    ACKNOWLEDGE = "acknowledge"
    LIST_DELIVERIES = "list_deliveries"
    RETRY_DELIVERY = "retry_delivery"


@dataclass(frozen=True)
class Rule:
    """Roles allowed an operation; ``on_visit``: also anyone on the visit."""

    roles: frozenset[Role]
    on_visit: bool = False


EVERYONE = frozenset(Role)
LEADERS = frozenset({R.DSL, R.SENIOR_LEADER})
VISIT_PEOPLE = frozenset({R.STAFF, R.OFFICE, R.DSL, R.SENIOR_LEADER})

RULES: dict[Op, Rule] = {
    Op.READ_SCHOOL: Rule(EVERYONE),
    Op.SEARCH_PUPILS: Rule(VISIT_PEOPLE),
    Op.LIST_VISITS: Rule(VISIT_PEOPLE),
    Op.REQUEST_VISIT: Rule(frozenset({R.STAFF, R.DSL, R.SENIOR_LEADER})),
    Op.READ_VISIT: Rule(SEES_EVERY_VISIT, on_visit=True),
    Op.ASSESS: Rule(LEADERS, on_visit=True),
    Op.SUBMIT: Rule(LEADERS, on_visit=True),
    Op.AUTHORISE: Rule(LEADERS),
    Op.REJECT: Rule(LEADERS),
    Op.REQUIRE_SECOND_STAFF: Rule(LEADERS),
    Op.SCHEDULE: Rule(frozenset({R.OFFICE, R.DSL, R.SENIOR_LEADER}), on_visit=True),
    Op.CHECK_IN: Rule(frozenset({R.OFFICE, R.DSL, R.SENIOR_LEADER}), on_visit=True),
    Op.DOORSTEP: Rule(frozenset(), on_visit=True),
    Op.OUTCOME: Rule(frozenset(), on_visit=True),
    Op.NOTE: Rule(frozenset(), on_visit=True),
    Op.ACKNOWLEDGE: Rule(frozenset({R.OFFICE, R.DSL, R.SENIOR_LEADER})),
    Op.LIST_DELIVERIES: Rule(frozenset({R.ADMIN})),
    Op.RETRY_DELIVERY: Rule(frozenset({R.ADMIN})),
}
"""The function-level rules (ASVS 8.1.1): one row per operation."""


def is_on(membership: Membership, visit: Visit) -> bool:
    """Whether the caller is one of the visit's staff or requested it."""
    return membership.staff_id in visit.staff_ids or membership.staff_id == visit.requested_by


def sees(membership: Membership, visit: Visit) -> bool:
    """Whether the caller may know the visit exists."""
    return visit.school_id == membership.school_id and (
        bool(membership.roles & SEES_EVERY_VISIT) or is_on(membership, visit)
    )


def allowed(op: Op, membership: Membership, visit: Visit | None = None) -> bool:
    """Whether the caller may do ``op`` (on ``visit``, which they can see)."""
    rule = RULES[op]
    if membership.roles & rule.roles:
        return True
    return rule.on_visit and visit is not None and is_on(membership, visit)


def sees_risk_detail(membership: Membership, visit: Visit) -> bool:
    """Risk findings, flags and written reasons: DSL, senior leaders and the visit's staff."""
    return bool(membership.roles & SEES_RISK_DETAIL) or is_on(membership, visit)


def sees_board_alarm(membership: Membership, visit: Visit) -> bool:
    """The board's alarm state (duress included): never shown to the staff on the visit,
    whose screen must look normal under duress."""
    return bool(membership.roles & SEES_EVERY_VISIT) and membership.staff_id not in visit.staff_ids
