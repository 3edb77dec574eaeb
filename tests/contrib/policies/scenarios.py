"""One visit played through the real workflow under a school's pack, for scenario tests.

Each helper runs one situation from a seed policy (a parent who is not in, a late
parent, a missed check-in, a solo visit, ...) through ``hub.workflow`` and returns
what the school's policy says should happen, so the per-school tests read as the
policy's clauses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from hub.errors import TransitionRefusedError
from hub.models import (
    CheckIn,
    CheckInKind,
    DoorstepReport,
    LadderTarget,
    Outcome,
    OutcomeKind,
    RiskAssessment,
    Signature,
    StaffMember,
    StaffRole,
    Visit,
    VisitNote,
    VisitReason,
    VisitState,
)
from hub.policy import PolicyPack
from hub.workflow import (
    Deadline,
    DeadlineKind,
    OnTheDay,
    Transition,
    authorise,
    close,
    next_deadline,
    record_outcome,
    rungs_due,
    schedule,
    submit_for_authorisation,
)
from tests.factories import T0, check_in, staff, visit
from tests.hub.workflow.builders import assessment

ARRIVED_AT = T0 + timedelta(hours=1)
"""Staff reach the door at the planned start."""


def minutes_between(earlier: datetime, later: datetime) -> float:
    return (later - earlier).total_seconds() / 60


def school_visit(pack: PolicyPack, **overrides: object) -> Visit:
    """The factories' visit, at this pack's school."""
    return visit(school_id=pack.id, **overrides)


def member(pack: PolicyPack, staff_id: str, *roles: StaffRole) -> StaffMember:
    return staff(staff_id, roles=roles or (StaffRole.ATTENDANCE_OFFICER,), school_id=pack.id)


def departed_and_arrived(pack: PolicyPack) -> tuple[Visit, tuple[CheckIn, ...]]:
    on_site = school_visit(pack, state=VisitState.ON_SITE)
    ins = (
        check_in(CheckInKind.DEPARTED, T0 + timedelta(minutes=40), n=1),
        check_in(CheckInKind.ARRIVED, ARRIVED_AT, n=2),
    )
    return on_site, ins


def _next(pack: PolicyPack, report: DoorstepReport) -> Deadline:
    on_site, ins = departed_and_arrived(pack)
    day = OnTheDay(check_ins=ins, reports=(report,))
    found = next_deadline(on_site, pack, day, report.at)
    assert found is not None
    return found


def parent_absent_wait(pack: PolicyPack) -> tuple[DeadlineKind, float]:
    """What happens after an absent-parent report, and how many minutes later."""
    report = DoorstepReport(visit_id="v-1", kind="parent_absent", at=ARRIVED_AT)
    found = _next(pack, report)
    return found.kind, minutes_between(report.at, found.at)


def late_parent_limit(pack: PolicyPack) -> tuple[DeadlineKind, float] | None:
    """What happens when a parent says they are late: minutes after the arranged time."""
    report = DoorstepReport(
        visit_id="v-1", kind="parent_late", at=ARRIVED_AT, expected_at=ARRIVED_AT
    )
    found = _next(pack, report)
    if found.kind is not DeadlineKind.LATE_ARRIVAL_LIMIT:
        return None
    return found.kind, minutes_between(ARRIVED_AT, found.at)


def interval_check_in(pack: PolicyPack) -> tuple[DeadlineKind, float]:
    """On a long visit, when the next check-in is due after departure."""
    long = school_visit(pack, state=VisitState.DEPARTED, planned_end=T0 + timedelta(hours=10))
    departed = check_in(CheckInKind.DEPARTED, T0)
    found = next_deadline(long, pack, OnTheDay(check_ins=(departed,)), T0)
    assert found is not None
    return found.kind, minutes_between(T0, found.at)


@dataclass(frozen=True)
class Rung:
    minutes_after_planned_end: float
    reaches: tuple[LadderTarget, ...]
    says: str


def overdue_ladder(pack: PolicyPack) -> list[Rung]:
    """Every rung that runs when staff never check in after arriving, nobody acknowledging."""
    on_site, ins = departed_and_arrived(pack)
    late = on_site.planned_end + timedelta(hours=12)
    due = rungs_due(on_site, pack, OnTheDay(check_ins=ins), late)
    ladder = [d for d in due if d.kind is DeadlineKind.OVERDUE]
    assert [d.rung for d in ladder] == list(range(1, len(pack.escalation.rungs) + 1))
    return [Rung(minutes_between(on_site.planned_end, d.at), d.reaches, d.says) for d in ladder]


def duress_escalation(pack: PolicyPack) -> Deadline:
    """What a duress check-in on arrival does at that moment."""
    on_site, ins = departed_and_arrived(pack)
    duress = check_in(CheckInKind.ARRIVED, ARRIVED_AT, duress=True, n=3)
    found = next_deadline(on_site, pack, OnTheDay(check_ins=(*ins, duress)), duress.at)
    assert found is not None
    return found


def authorise_as(
    pack: PolicyPack,
    *roles: StaffRole,
    assessed: RiskAssessment | None = None,
    **overrides: object,
) -> Transition | list[str]:
    """Authorise an otherwise acceptable visit as someone holding ``roles``: the result,
    or the reasons it was refused."""
    awaiting = school_visit(pack, state=VisitState.AWAITING_AUTHORISATION, **overrides)
    actor = member(pack, "s-auth", *roles)
    try:
        return authorise(
            awaiting, pack, actor, assessed or assessment(), T0, accept_solo_reason=True
        )
    except TransitionRefusedError as refused:
        return refused.reasons


def by_authoriser(
    pack: PolicyPack, assessed: RiskAssessment | None = None, **overrides: object
) -> Transition | list[str]:
    return authorise_as(pack, pack.authorisation.roles[0], assessed=assessed, **overrides)


def solo_without_reason(pack: PolicyPack) -> Transition | list[str]:
    """A one-person visit with no written reason, sent for authorisation."""
    assessed = school_visit(pack, state=VisitState.ASSESSED, staff_ids=("s-1",))
    try:
        return submit_for_authorisation(assessed, pack, member(pack, "s-1"), assessment(), T0)
    except TransitionRefusedError as refused:
        return refused.reasons


def unannounced_for(pack: PolicyPack, reason: VisitReason) -> Transition | list[str]:
    return by_authoriser(pack, announced=False, reason=reason)


def cancel(pack: PolicyPack, kind: OutcomeKind, reason: str | None) -> Transition | list[str]:
    """Record a cancellation at the door, with or without a written reason."""
    on_site = school_visit(pack, state=VisitState.ON_SITE)
    try:
        return record_outcome(on_site, pack, member(pack, "s-1"), kind, ARRIVED_AT, reason=reason)
    except TransitionRefusedError as refused:
        return refused.reasons


def cancel_for_animals(pack: PolicyPack, reason: str | None) -> Transition | list[str]:
    return cancel(pack, OutcomeKind.ANIMALS, reason)


def close_completed(pack: PolicyPack, *signers: str) -> Transition | list[str]:
    """Close a completed visit whose note is signed by ``signers`` ("parent", "staff")."""
    returned = school_visit(pack, state=VisitState.RETURNED)
    outcome = Outcome(kind=OutcomeKind.COMPLETED, recorded_at=ARRIVED_AT, recorded_by="s-1")
    note = VisitNote(
        id="n-1",
        visit_id="v-1",
        pupil_id="p-1",
        written_by="s-1",
        written_at=ARRIVED_AT,
        location="kitchen",
        seen=("parent", "pupil"),
        discussion="attendance plan agreed",
        signatures=tuple(
            Signature(signer=signer, signer_id=f"id-{signer}", signed_at=ARRIVED_AT)
            for signer in signers
        ),
    )
    try:
        return close(returned, pack, member(pack, "s-1"), ARRIVED_AT, outcome=outcome, note=note)
    except TransitionRefusedError as refused:
        return refused.reasons


def schedule_without_letter(pack: PolicyPack) -> Transition | list[str]:
    authorised = school_visit(pack, state=VisitState.AUTHORISED)
    try:
        return schedule(authorised, pack, member(pack, "s-1"), T0)
    except TransitionRefusedError as refused:
        return refused.reasons


def refused(result: Transition | list[str]) -> list[str]:
    """The reasons, failing the test if the step went through."""
    if isinstance(result, Transition):
        pytest.fail("expected the workflow to refuse")
    return result


def accepted(result: Transition | list[str]) -> Transition:
    """The transition, failing the test with the reasons if it was refused."""
    if not isinstance(result, Transition):
        pytest.fail(f"refused: {result}")
    return result
