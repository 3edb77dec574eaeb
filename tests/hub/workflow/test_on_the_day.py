import pytest

from hub.models import (
    CheckInKind,
    OutcomeKind,
    Signature,
    StaffRole,
    VisitEventKind,
    VisitNote,
    VisitState,
)
from hub.workflow.on_the_day import (
    acknowledge,
    close,
    record_check_in,
    record_doorstep_report,
    record_outcome,
)
from tests.factories import T0, check_in, pack, staff, visit
from tests.hub.workflow.builders import ack, minutes, office, refused, report, with_values

S = VisitState
K = CheckInKind


# check-ins -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "kind", "after"),
    [
        (S.SCHEDULED, K.DEPARTED, S.DEPARTED),
        (S.DEPARTED, K.ARRIVED, S.ON_SITE),
        (S.ON_SITE, K.INTERVAL, S.ON_SITE),
        (S.COMPLETED, K.LEFT, S.COMPLETED),
        (S.COMPLETED, K.RETURNED, S.RETURNED),
        (S.NO_ACCESS, K.RETURNED, S.RETURNED),
        (S.CANCELLED, K.RETURNED, S.RETURNED),
        (S.ON_SITE, K.RETURNED, S.RETURNED),
        (S.DEPARTED, K.DEPARTED, S.DEPARTED),
        (S.RETURNED, K.RETURNED, S.RETURNED),
    ],
)
def test_check_in_moves_the_visit(state, kind, after):
    result = record_check_in(visit(state=state), check_in(kind, T0), T0)
    assert result.visit.state is after
    assert result.visit.version == 2
    event = result.events[-1]
    assert event.kind is VisitEventKind.CHECK_IN
    assert event.data == {"kind": kind.value, "channel": "web"}
    assert event.state_to == (after if after is not state else None)


def test_arrival_without_departure_marks_departure_first():
    result = record_check_in(visit(state=S.SCHEDULED), check_in(K.ARRIVED, T0), T0)
    assert result.visit.state is S.ON_SITE
    implied, arrived = result.events
    assert (implied.state_from, implied.state_to) == (S.SCHEDULED, S.DEPARTED)
    assert implied.data == {"implied_by": "arrived"}
    assert (arrived.state_from, arrived.state_to) == (S.DEPARTED, S.ON_SITE)


def test_duress_check_in_is_recorded_like_any_other_plus_the_flag():
    result = record_check_in(visit(state=S.ON_SITE), check_in(K.INTERVAL, T0, duress=True), T0)
    assert result.visit.state is S.ON_SITE
    assert result.events[0].data["duress"] is True


def test_check_in_refused_before_the_visit_is_scheduled_or_by_strangers():
    reasons = refused(
        record_check_in,
        visit(state=S.AUTHORISED),
        check_in(K.DEPARTED, T0 + minutes(1), staff_id="s-9"),
        T0,
    )
    assert reasons == [
        "the member of staff checking in is not on this visit",
        "the check-in is later than now",
        "check-ins start once the visit is authorised and scheduled",
    ]


def test_check_in_for_another_visit_is_refused():
    reasons = refused(
        record_check_in, visit(state=S.ON_SITE), check_in(K.INTERVAL, T0, visit_id="v-2"), T0
    )
    assert reasons == ["the check-in is for a different visit"]


# doorstep --------------------------------------------------------------------------


def test_parent_absent_report_carries_the_wait_limit():
    result = record_doorstep_report(visit(state=S.ON_SITE), pack(), report("parent_absent", T0), T0)
    assert result.events[0].data == {"kind": "parent_absent", "wait_minutes": 20}
    assert result.visit.state is S.ON_SITE


def test_parent_late_report_says_when_the_promise_is_beyond_the_limit():
    on_site = visit(state=S.ON_SITE)
    late = report("parent_late", T0, expected_at=on_site.planned_start + minutes(45))
    data = record_doorstep_report(on_site, pack(), late, T0).events[0].data
    assert data == {"kind": "parent_late", "cancel_after_minutes": 30, "beyond_limit": True}


def test_doorstep_report_on_the_way_means_staff_arrived():
    result = record_doorstep_report(
        visit(state=S.DEPARTED), pack(), report("parent_present", T0), T0
    )
    assert result.visit.state is S.ON_SITE
    assert result.events[0].state_to is S.ON_SITE


def test_doorstep_report_refused_once_the_outcome_is_in():
    reasons = refused(
        record_doorstep_report, visit(state=S.COMPLETED), pack(), report("parent_absent", T0), T0
    )
    assert reasons == ["doorstep reports are made between departure and the outcome"]


# outcome ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "state"),
    [
        (OutcomeKind.COMPLETED, S.COMPLETED),
        (OutcomeKind.NO_ACCESS, S.NO_ACCESS),
        (OutcomeKind.PARENT_ABSENT, S.NO_ACCESS),
        (OutcomeKind.PARENT_LATE, S.CANCELLED),
        (OutcomeKind.WITHDRAWN, S.CANCELLED),
    ],
)
def test_outcome_sets_the_state(kind, state):
    result = record_outcome(visit(state=S.ON_SITE), pack(), staff(), kind, T0)
    assert result.visit.state is state
    assert result.outcome is not None
    assert result.outcome.kind is kind
    assert result.in_writing_to == ()


def test_no_access_records_the_calling_card_the_pack_expects():
    result = record_outcome(visit(state=S.ON_SITE), pack(), staff(), OutcomeKind.NO_ACCESS, T0)
    assert result.outcome is not None
    assert result.outcome.calling_card_left is True
    assert result.events[0].data["calling_card_left"] is True
    no_cards = with_values(pack(), doorstep={"calling_card_on_no_access": False})
    other = record_outcome(visit(state=S.ON_SITE), no_cards, staff(), OutcomeKind.NO_ACCESS, T0)
    assert other.outcome is not None
    assert other.outcome.calling_card_left is False


def test_staff_can_say_no_card_was_left():
    result = record_outcome(
        visit(state=S.ON_SITE),
        pack(),
        staff(),
        OutcomeKind.NO_ACCESS,
        T0,
        calling_card_left=False,
    )
    assert result.outcome is not None
    assert result.outcome.calling_card_left is False


def test_animals_cancellation_needs_a_reason_and_goes_in_writing():
    on_site = visit(state=S.ON_SITE)
    reasons = refused(record_outcome, on_site, pack(), staff(), OutcomeKind.ANIMALS, T0)
    assert reasons == [
        "write down why the visit was cancelled (cancelled: dangerous animals not secured); "
        "it goes in writing to the deputy headteacher"
    ]
    reason = "two dogs loose in the front room"
    result = record_outcome(on_site, pack(), staff(), OutcomeKind.ANIMALS, T0, reason=reason)
    assert result.visit.state is S.CANCELLED
    assert result.in_writing_to == (StaffRole.DEPUTY_HEAD,)
    assert result.events[0].data["written_reason_to"] == "deputy_head"
    assert reason not in str(result.events[0].model_dump())


def test_unsafe_cancellation_on_the_way():
    result = record_outcome(
        visit(state=S.DEPARTED), pack(), staff(), OutcomeKind.UNSAFE, T0, reason="crowd outside"
    )
    assert result.visit.state is S.CANCELLED


def test_completed_needs_arrival_first():
    reasons = refused(
        record_outcome, visit(state=S.DEPARTED), pack(), staff(), OutcomeKind.COMPLETED, T0
    )
    assert reasons == ["a visit that is departed cannot become completed"]


def test_outcome_after_return_keeps_the_state():
    result = record_outcome(visit(state=S.RETURNED), pack(), staff(), OutcomeKind.COMPLETED, T0)
    assert result.visit.state is S.RETURNED
    assert result.events[0].state_to is None


def test_outcome_refused_before_departure():
    reasons = refused(
        record_outcome, visit(state=S.SCHEDULED), pack(), staff(), OutcomeKind.COMPLETED, T0
    )
    assert reasons[0].startswith("an outcome is recorded once staff have left")


# acknowledge -----------------------------------------------------------------------


def test_office_acknowledges_a_rung():
    result = acknowledge(visit(state=S.ON_SITE), pack(), office(), ack(2, T0), T0)
    assert result.events[0].kind is VisitEventKind.ACKNOWLEDGED
    assert result.events[0].data == {"rung": 2, "rung_name": "ring-home"}


def test_visiting_staff_cannot_acknowledge_their_own_escalation():
    reasons = refused(
        acknowledge, visit(state=S.ON_SITE), pack(), staff("s-1"), ack(1, T0, by="s-1"), T0
    )
    assert reasons == ["staff on the visit cannot acknowledge its escalations"]


def test_acknowledgement_must_name_a_real_rung_in_own_name():
    reasons = refused(
        acknowledge, visit(state=S.ON_SITE), pack(), office(), ack(9, T0, by="s-other"), T0
    )
    assert reasons == ["acknowledge in your own name", "this school's ladder has 4 rungs"]


# close -----------------------------------------------------------------------------


def note(**overrides):
    values = {
        "id": "n-1",
        "visit_id": "v-1",
        "pupil_id": "p-1",
        "written_by": "s-1",
        "written_at": T0,
        "location": "front room",
        "seen": ("mother", "pupil"),
        "discussion": "attendance plan agreed",
        "signatures": (
            Signature(signer="parent", signer_id="c-p-1", signed_at=T0),
            Signature(signer="staff", signer_id="s-1", signed_at=T0),
        ),
    }
    values.update(overrides)
    return VisitNote(**values)


def outcome_of(kind):
    return record_outcome(visit(state=S.ON_SITE), pack(), staff(), kind, T0).outcome


def test_close_a_completed_visit_with_a_full_note():
    result = close(
        visit(state=S.RETURNED),
        pack(),
        staff(),
        T0,
        outcome=outcome_of(OutcomeKind.COMPLETED),
        note=note(),
    )
    assert result.visit.state is S.CLOSED
    assert result.events[0].data == {"outcome": "completed", "note": True}


def test_close_refused_without_signatures_the_pack_requires():
    reasons = refused(
        close,
        visit(state=S.RETURNED),
        pack(),
        staff(),
        T0,
        outcome=outcome_of(OutcomeKind.COMPLETED),
        note=note(signatures=(), location=None),
    )
    assert reasons == [
        "the visit note needs: location",
        "the visit note needs: parent signature",
        "the visit note needs: staff signature",
    ]


def test_close_refused_without_outcome_or_before_return():
    reasons = refused(close, visit(state=S.ON_SITE), pack(), staff(), T0, outcome=None)
    assert reasons == [
        "a visit that is on site cannot become closed",
        "record the outcome before closing the visit",
    ]


def test_no_access_visit_closes_without_a_note():
    result = close(
        visit(state=S.RETURNED), pack(), staff(), T0, outcome=outcome_of(OutcomeKind.NO_ACCESS)
    )
    assert result.visit.state is S.CLOSED
