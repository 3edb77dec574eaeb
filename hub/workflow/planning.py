"""Before the visit: request, risk assessment, authorisation, scheduling, withdrawal.

Every function is pure: it takes the visit, the school's policy pack, the member of
staff acting and ``now``, and returns a ``Transition`` or raises
``TransitionRefusedError`` listing every reason at once.
"""

from __future__ import annotations

from datetime import datetime

from hub.models import (
    RiskAssessment,
    Severity,
    StaffMember,
    StaffRole,
    Visit,
    VisitEventKind,
    VisitState,
)
from hub.models.visit import EventValue
from hub.policy import PolicyPack
from hub.workflow.guards import (
    authoriser_problems,
    controls,
    questionnaire_problems,
    unannounced_problems,
    visit_plan_problems,
)
from hub.workflow.states import BEFORE_DEPARTURE
from hub.workflow.transitions import Transition, event, move_reason, refuse_if, step

S = VisitState
K = VisitEventKind


def same_school_problem(visit: Visit, actor: StaffMember) -> str | None:
    """Staff act only on their own school's visits."""
    if actor.school_id != visit.school_id:
        return "this member of staff is not at the visit's school"
    return None


def _assessment_problem(visit: Visit, assessment: RiskAssessment) -> str | None:
    if assessment.visit_id != visit.id:
        return "the risk assessment belongs to a different visit"
    return None


def request(visit: Visit, pack: PolicyPack, requester: StaffMember, now: datetime) -> Transition:
    """Record a new visit request. The visit is built by the caller in state ``requested``.

    Refused when the planned time has passed, the staff list repeats someone, or the
    visit is unannounced for a reason the pack does not allow.
    """
    refuse_if(
        [
            same_school_problem(visit, requester),
            None if visit.state is S.REQUESTED else "a new visit starts as requested",
            None if visit.requested_by == requester.id else "the requester must be the one acting",
            None if visit.planned_end > now else "the planned time of the visit has passed",
            None
            if len(set(visit.staff_ids)) == len(visit.staff_ids)
            else "a member of staff is listed twice on the visit",
            *unannounced_problems(visit, pack),
        ]
    )
    data = {
        "reason": visit.reason.value,
        "announced": visit.announced,
        "staff_count": len(visit.staff_ids),
    }
    created = event(visit, K.REQUESTED, now, requester.id, data=data)
    return Transition(visit=visit, events=(created,))


def assess(
    visit: Visit,
    pack: PolicyPack,
    actor: StaffMember,
    assessment: RiskAssessment,
    now: datetime,
) -> Transition:
    """Record the completed risk assessment: ``requested → assessed``.

    Every question that applies must be answered (whether pets threaten is not asked
    when there are none; self-isolation only where the pack has that clause).
    """
    refuse_if(
        [
            same_school_problem(visit, actor),
            move_reason(visit, S.ASSESSED),
            _assessment_problem(visit, assessment),
            *questionnaire_problems(assessment, pack),
        ]
    )
    severities = [finding.severity for finding in assessment.findings]
    highest = max(severities, key=list(Severity).index).value if severities else "none"
    data: dict[str, EventValue] = {
        "findings": len(assessment.findings),
        "controls": ",".join(sorted(control.value for control in controls(assessment.findings))),
        "highest_severity": highest,
    }
    return step(visit, K.ASSESSED, now, actor.id, to=S.ASSESSED, data=data)


def submit_for_authorisation(
    visit: Visit,
    pack: PolicyPack,
    actor: StaffMember,
    assessment: RiskAssessment,
    now: datetime,
) -> Transition:
    """Send the visit to the authoriser: ``assessed → awaiting_authorisation``.

    The plan's guards run now so staff hear early what the authoriser would refuse
    (do not visit, pairs, unannounced reasons, self-isolation); a solo reason must be
    written down but is accepted only by the authoriser.
    """
    refuse_if(
        [
            same_school_problem(visit, actor),
            move_reason(visit, S.AWAITING_AUTHORISATION),
            _assessment_problem(visit, assessment),
            *visit_plan_problems(visit, pack, assessment, solo_accepted=True),
        ]
    )
    data = {"visit_list": pack.authorisation.visit_list}
    return step(visit, K.SUBMITTED, now, actor.id, to=S.AWAITING_AUTHORISATION, data=data)


def authorise(
    visit: Visit,
    pack: PolicyPack,
    authoriser: StaffMember,
    assessment: RiskAssessment,
    now: datetime,
    *,
    accept_solo_reason: bool = False,
) -> Transition:
    """Authorise the visit: ``awaiting_authorisation → authorised``.

    Only a role in ``pack.authorisation.roles``. A solo visit needs the authoriser to
    accept its recorded reason explicitly (``accept_solo_reason=True``) where the pack
    requires pairs or a reason; a pair-visit control forces two staff whatever the
    pack says. The transition lists who must be told of a solo visit and, where the
    pack says so, the senior team.
    """
    refuse_if(
        [
            same_school_problem(visit, authoriser),
            move_reason(visit, S.AUTHORISED),
            _assessment_problem(visit, assessment),
            *authoriser_problems(authoriser, pack),
            *visit_plan_problems(visit, pack, assessment, solo_accepted=accept_solo_reason),
        ]
    )
    notify: list[StaffRole] = list(pack.staffing.solo_notify) if visit.is_solo else []
    if pack.authorisation.senior_team_told:
        notify.append(StaffRole.SENIOR_LEADER)
    return step(
        visit,
        K.AUTHORISED,
        now,
        authoriser.id,
        to=S.AUTHORISED,
        data={"solo": visit.is_solo, "solo_reason_accepted": visit.is_solo and accept_solo_reason},
        update={
            "authorised_by": authoriser.id,
            "authorised_at": now,
            "solo_reason_accepted": visit.is_solo and accept_solo_reason,
        },
        notify=notify,
    )


def reject(visit: Visit, pack: PolicyPack, authoriser: StaffMember, now: datetime) -> Transition:
    """The authoriser turns the visit down: ``awaiting_authorisation → rejected``."""
    refuse_if(
        [
            same_school_problem(visit, authoriser),
            move_reason(visit, S.REJECTED),
            *authoriser_problems(authoriser, pack),
        ]
    )
    return step(visit, K.REJECTED, now, authoriser.id, to=S.REJECTED)


def require_second_staff(
    visit: Visit,
    pack: PolicyPack,
    authoriser: StaffMember,
    second: StaffMember,
    now: datetime,
) -> Transition:
    """The authoriser will not accept a solo visit and names a second member of staff.

    The visit stays awaiting authorisation; any solo reason is cleared.
    """
    refuse_if(
        [
            same_school_problem(visit, authoriser),
            None
            if visit.state is S.AWAITING_AUTHORISATION
            else "staff can only be added while the visit awaits authorisation",
            *authoriser_problems(authoriser, pack),
            None
            if second.school_id == visit.school_id
            else "the second member of staff is not at the visit's school",
            None
            if second.id not in visit.staff_ids
            else "that member of staff is already on the visit",
        ]
    )
    return step(
        visit,
        K.STATE_CHANGED,
        now,
        authoriser.id,
        data={"change": "second_staff_required", "staff_count": len(visit.staff_ids) + 1},
        update={
            "staff_ids": (*visit.staff_ids, second.id),
            "solo_reason": None,
            "solo_reason_accepted": False,
        },
    )


def schedule(
    visit: Visit,
    pack: PolicyPack,
    actor: StaffMember,
    now: datetime,
    *,
    written_confirmation: bool = False,
) -> Transition:
    """Book the authorised visit: ``authorised → scheduled``.

    Where the pack asks for written confirmation of appointments, an announced visit
    is scheduled only once that confirmation is recorded.
    """
    needs_letter = visit.announced and pack.records.written_appointment_confirmation
    refuse_if(
        [
            same_school_problem(visit, actor),
            move_reason(visit, S.SCHEDULED),
            None if visit.planned_end > now else "the planned time of the visit has passed",
            "written confirmation of the appointment must be recorded first"
            if needs_letter and not written_confirmation
            else None,
        ]
    )
    data = {"book_calendar": pack.clauses.book_calendar, "announced": visit.announced}
    return step(visit, K.SCHEDULED, now, actor.id, to=S.SCHEDULED, data=data)


def withdraw(visit: Visit, pack: PolicyPack, actor: StaffMember, now: datetime) -> Transition:
    """Call the visit off before anyone leaves: any state before departure → ``withdrawn``.

    The requester, anyone on the visit, or an authoriser may withdraw it.
    """
    involved = actor.id == visit.requested_by or actor.id in visit.staff_ids
    refuse_if(
        [
            same_school_problem(visit, actor),
            None
            if visit.state in BEFORE_DEPARTURE
            else "a visit can only be withdrawn before staff leave; record an outcome instead",
            None
            if involved or not authoriser_problems(actor, pack)
            else "only the requester, the visiting staff or an authoriser may withdraw a visit",
        ]
    )
    return step(visit, K.WITHDRAWN, now, actor.id, to=S.WITHDRAWN)
