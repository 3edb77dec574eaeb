"""Small builders the workflow tests share, on top of tests.factories."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from hub.errors import TransitionRefusedError
from hub.models import (
    Acknowledgement,
    Control,
    DoorstepReport,
    Finding,
    RiskAssessment,
    RiskQuestionnaire,
    Severity,
    StaffMember,
    StaffRole,
)
from hub.policy import PolicyPack
from tests.factories import T0, staff

ANSWERED: dict[str, bool] = {
    "other_agency_identified_risk": False,
    "entrances_exits_accessible": True,
    "property_hazards": False,
    "intimidating_people": False,
    "pets_present": False,
    "safety_measures_in_place": True,
    "household_smokes": False,
    "contact_outside_home": False,
}
"""Every question that applies answered, for a household with no pets and no smoking."""


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def finding(*controls: Control, code: str = "rule.test", summary: str = "a test risk") -> Finding:
    return Finding(
        code=code,
        summary=summary,
        severity=Severity.HIGH if controls else Severity.LOW,
        controls=frozenset(controls),
        source="tests",
    )


def assessment(*findings: Finding, visit_id: str = "v-1", **answers: bool | None) -> RiskAssessment:
    return RiskAssessment(
        id=f"ra-{visit_id}",
        visit_id=visit_id,
        completed_by="s-1",
        completed_at=T0,
        questionnaire=RiskQuestionnaire(**{**ANSWERED, **answers}),
        findings=findings,
    )


def authoriser_for(pack: PolicyPack, staff_id: str = "s-auth", **kw: Any) -> StaffMember:
    """A member of staff holding the pack's first authorising role."""
    return staff(staff_id, roles=(pack.authorisation.roles[0],), **kw)


def office(staff_id: str = "s-office") -> StaffMember:
    return staff(staff_id, roles=(StaffRole.OFFICE,))


def ack(rung: int, at: datetime, by: str = "s-office", visit_id: str = "v-1") -> Acknowledgement:
    return Acknowledgement(visit_id=visit_id, rung=rung, by=by, at=at)


def report(kind: str, at: datetime, expected_at: datetime | None = None) -> DoorstepReport:
    return DoorstepReport(visit_id="v-1", kind=kind, at=at, expected_at=expected_at)


def with_values(pack: PolicyPack, **sections: dict[str, Any]) -> PolicyPack:
    """``pack`` with some section values changed, validated again."""
    data = pack.model_dump()
    for section, values in sections.items():
        data[section] = {**data[section], **values}
    return PolicyPack.model_validate(data)


def refused(call: Callable[..., object], *args: Any, **kwargs: Any) -> list[str]:
    """The reasons ``call`` gives for refusing; fails the test when it does not refuse."""
    with pytest.raises(TransitionRefusedError) as info:
        call(*args, **kwargs)
    return info.value.reasons
