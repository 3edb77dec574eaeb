"""St Michael's CE High School (seed 000): each test is one clause of the policy."""

import pytest

from hub.models import LadderTarget, OutcomeKind, StaffRole, VisitReason
from hub.workflow import DeadlineKind, matches_code_phrase
from tests.contrib.policies.scenarios import (
    accepted,
    authorise_as,
    by_authoriser,
    cancel_for_animals,
    duress_escalation,
    interval_check_in,
    late_parent_limit,
    overdue_ladder,
    parent_absent_wait,
    refused,
    schedule_without_letter,
    solo_without_reason,
    unannounced_for,
)
from tests.factories import pack as load

PACK = load("st-michaels")
L = LadderTarget


def test_st_michaels_waits_no_longer_than_20_minutes_for_an_absent_parent():  # 8.1.2
    assert parent_absent_wait(PACK) == (DeadlineKind.PARENT_ABSENT_WAIT, 20)


def test_st_michaels_cancels_a_parent_over_30_minutes_late_by_documented_default():
    assert PACK.doorstep.is_default_key("late_arrival_cancel_minutes")
    assert late_parent_limit(PACK) == (DeadlineKind.LATE_ARRIVAL_LIMIT, 30)


def test_st_michaels_staff_check_in_with_the_office_every_two_hours():  # 6.3
    assert interval_check_in(PACK) == (DeadlineKind.CHECK_IN_DUE, 120)


def test_st_michaels_ladder_starts_30_minutes_after_the_expected_return_by_default():  # 8.1.7
    assert PACK.overdue.is_default_key("grace_minutes")
    assert overdue_ladder(PACK)[0].minutes_after_planned_end == 30


def test_st_michaels_rings_staff_then_home_then_duty_slt_then_police():  # 8.1.7
    ladder = overdue_ladder(PACK)
    assert [rung.reaches for rung in ladder] == [
        (L.VISITING_STAFF, L.OFFICE),
        (L.PUPIL_HOME, L.OFFICE),
        (L.SENIOR_LEADER,),
        (L.SENIOR_LEADER, L.POLICE_PROMPT),
    ]
    assert [rung.minutes_after_planned_end for rung in ladder] == [30, 40, 50, 60]


def test_st_michaels_only_the_deputy_headteacher_authorises():  # 8.1.2
    assert accepted(authorise_as(PACK, StaffRole.DEPUTY_HEAD)).visit.authorised_by == "s-auth"
    for role in (StaffRole.HEADTEACHER, StaffRole.DSL, StaffRole.ASSISTANT_HEAD):
        assert refused(authorise_as(PACK, role)) == [
            "only the deputy headteacher may authorise visits at this school"
        ]


def test_st_michaels_staff_visit_only_when_accompanied():  # 6.5
    assert "requires two members of staff" in refused(solo_without_reason(PACK))[0]
    solo = accepted(by_authoriser(PACK, staff_ids=("s-1",), solo_reason="colleague ill"))
    assert solo.notify == (StaffRole.DEPUTY_HEAD,)


def test_st_michaels_cancels_for_unsecured_animals_in_writing_to_the_deputy_head():  # 8.1.5
    assert "deputy headteacher" in refused(cancel_for_animals(PACK, None))[0]
    done = accepted(cancel_for_animals(PACK, "dog would not be shut away"))
    assert done.outcome is not None
    assert done.outcome.kind is OutcomeKind.ANIMALS
    assert done.in_writing_to == (StaffRole.DEPUTY_HEAD,)


@pytest.mark.parametrize("reason", list(VisitReason))
def test_st_michaels_never_visits_unannounced(reason):  # 6.6
    assert PACK.unannounced.allowed_reasons == []
    assert "does not allow unannounced visits" in refused(unannounced_for(PACK, reason))[0]


def test_st_michaels_records_written_confirmation_of_the_appointment():  # 6.6
    assert refused(schedule_without_letter(PACK)) == [
        "written confirmation of the appointment must be recorded first"
    ]


def test_st_michaels_has_no_code_phrase_and_a_duress_pin_goes_to_the_police_rung():  # 6.9
    assert PACK.duress.code_phrase is None
    assert not matches_code_phrase("Please let Mrs Smith know I will be late", PACK)
    duress = duress_escalation(PACK)
    assert (duress.kind, duress.rung) == (DeadlineKind.DURESS, 4)
    assert LadderTarget.POLICE_PROMPT in duress.reaches
