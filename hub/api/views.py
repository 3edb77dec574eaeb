"""A visit as each caller may see it (ASVS 8.2.3: field-level need to know).

- board view (office, and anyone listing): plan, state, staff and, for office, DSL and
  senior leaders not on the visit, the board's alarm state;
- risk view (DSL, senior leaders, the visit's own staff): plus findings, flags,
  required controls, the written solo and outcome reasons, and check-ins.

Staff on a visit never see its alarm state: under duress their screen looks normal.
"""

from __future__ import annotations

from hub.api.access import sees_board_alarm, sees_risk_detail
from hub.api.schemas import (
    BoardOut,
    CheckInOut,
    FindingOut,
    FlagOut,
    OutcomeOut,
    VisitOut,
)
from hub.auth.roles import Membership
from hub.engine.records import BoardState
from hub.models import CheckIn, Outcome, RiskAssessment, Visit


def board_view(visit: Visit, membership: Membership, board: BoardState | None) -> VisitOut:
    """The fields the office board shows."""
    alarm = board if board is not None and sees_board_alarm(membership, visit) else None
    return VisitOut(
        id=visit.id,
        school_id=visit.school_id,
        pupil_id=visit.pupil_id,
        reason=visit.reason,
        state=visit.state,
        planned_start=visit.planned_start,
        planned_end=visit.planned_end,
        staff_ids=list(visit.staff_ids),
        announced=visit.announced,
        requested_by=visit.requested_by,
        authorised_by=visit.authorised_by,
        version=visit.version,
        board=BoardOut(state=alarm.state, since=alarm.since, rung=alarm.rung) if alarm else None,
        risk_detail=False,
    )


def full_view(
    visit: Visit,
    membership: Membership,
    *,
    board: BoardState | None,
    assessment: RiskAssessment | None,
    outcome: Outcome | None,
    check_ins: list[CheckIn],
) -> VisitOut:
    """The visit for this caller: the risk view when they may see risk detail."""
    base = board_view(visit, membership, board)
    detail = sees_risk_detail(membership, visit)
    outcome_out = (
        OutcomeOut(
            kind=outcome.kind,
            recorded_at=outcome.recorded_at,
            calling_card_left=outcome.calling_card_left,
            reason=outcome.reason if detail else None,
        )
        if outcome is not None
        else None
    )
    if not detail:
        return base.model_copy(update={"outcome": outcome_out})
    findings = assessment.findings if assessment else ()
    flags = assessment.flags if assessment else ()
    controls = sorted(assessment.required_controls) if assessment else []
    return base.model_copy(
        update={
            "risk_detail": True,
            "findings": [
                FindingOut(
                    code=f.code, summary=f.summary, severity=f.severity, controls=sorted(f.controls)
                )
                for f in findings
            ],
            "flags": [
                FlagOut(category=f.category, severity=f.severity, applies_to=f.applies_to)
                for f in flags
            ],
            "required_controls": controls,
            "solo_reason": visit.solo_reason,
            "outcome": outcome_out,
            "check_ins": [
                CheckInOut(kind=c.kind, at=c.at, channel=c.channel.value, staff_id=c.staff_id)
                for c in check_ins
            ],
        }
    )
