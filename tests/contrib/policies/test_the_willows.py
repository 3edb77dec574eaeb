"""The Willows School (seed 003): each test is one clause of the policy."""

import pytest

from hub.models import LadderTarget, OutcomeKind, StaffRole, VisitReason
from hub.workflow import DeadlineKind, matches_code_phrase
from tests.contrib.policies.scenarios import (
    accepted,
    authorise_as,
    by_authoriser,
    cancel,
    cancel_for_animals,
    close_completed,
    duress_escalation,
    interval_check_in,
    late_parent_limit,
    overdue_ladder,
    parent_absent_wait,
    refused,
    unannounced_for,
)
from tests.factories import pack as load

PACK = load("the-willows")
L = LadderTarget


def test_the_willows_cancels_after_10_minutes_parent_absent():  # 3.2
    assert not PACK.doorstep.is_default_key("parent_absent_wait_minutes")
    assert parent_absent_wait(PACK) == (DeadlineKind.PARENT_ABSENT_WAIT, 10)


def test_the_willows_cancels_when_a_parent_is_over_30_minutes_late():  # 3.3
    assert not PACK.doorstep.is_default_key("late_arrival_cancel_minutes")
    assert late_parent_limit(PACK) == (DeadlineKind.LATE_ARRIVAL_LIMIT, 30)


def test_the_willows_checks_in_every_two_hours_by_documented_default():
    assert PACK.check_ins.is_default_key("interval_minutes")
    assert interval_check_in(PACK) == (DeadlineKind.CHECK_IN_DUE, 120)


def test_the_willows_office_contacts_the_police_at_the_end_of_the_default_ladder():  # 2.4
    assert PACK.overdue.is_default_key("grace_minutes")
    assert PACK.escalation.is_default_key("rungs")
    ladder = overdue_ladder(PACK)
    assert [rung.minutes_after_planned_end for rung in ladder] == [30, 40, 50]
    assert ladder[-1].reaches == (L.OFFICE, L.POLICE_PROMPT)


def test_the_willows_headteacher_authorises_by_documented_default():
    assert PACK.authorisation.is_default_key("roles")
    accepted(authorise_as(PACK, StaffRole.HEADTEACHER))
    assert refused(authorise_as(PACK, StaffRole.ATTENDANCE_OFFICER)) == [
        "only the headteacher may authorise visits at this school"
    ]


def test_the_willows_attendance_officer_may_visit_alone_by_documented_default():
    assert PACK.staffing.is_default_key("pairs")
    assert accepted(by_authoriser(PACK, staff_ids=("s-1",))).visit.is_solo


def test_the_willows_unsafe_cancellation_is_communicated_to_the_headteacher():  # 3.5
    assert "headteacher" in refused(cancel(PACK, OutcomeKind.UNSAFE, None))[0]
    done = accepted(cancel(PACK, OutcomeKind.UNSAFE, "intoxicated adult answered"))
    assert done.in_writing_to == (StaffRole.HEADTEACHER,)


def test_the_willows_cancels_when_dangerous_animals_are_not_kept_apart():  # 3.6
    assert PACK.doorstep.animals_must_be_secured is True
    done = accepted(cancel_for_animals(PACK, "dog would not be shut away"))
    assert done.visit.state.value == "cancelled"


@pytest.mark.parametrize("reason", list(VisitReason))
def test_the_willows_visits_only_at_an_arranged_time(reason):  # 3.2, default
    assert PACK.unannounced.is_default
    assert "does not allow unannounced visits" in refused(unannounced_for(PACK, reason))[0]


def test_the_willows_records_parent_and_staff_signatures():  # 2.3
    assert refused(close_completed(PACK, "staff")) == ["the visit note needs: parent signature"]
    assert accepted(close_completed(PACK, "parent", "staff")).visit.state.value == "closed"


def test_the_willows_staff_in_danger_alert_the_office_who_call_the_police():  # 2.4
    assert PACK.duress.code_phrase is None
    assert not matches_code_phrase("Please let Mrs Smith know I will be late", PACK)
    duress = duress_escalation(PACK)
    assert (duress.kind, duress.rung) == (DeadlineKind.DURESS, 3)
    assert duress.reaches == (L.OFFICE, L.POLICE_PROMPT)
