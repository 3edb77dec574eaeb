"""Harrogate High School (seed 004): each test is one clause of the policy."""

import pytest

from hub.models import LadderTarget, OutcomeKind, StaffRole, VisitReason
from hub.workflow import DeadlineKind, matches_code_phrase
from tests.contrib.policies.scenarios import (
    accepted,
    authorise_as,
    by_authoriser,
    cancel,
    cancel_for_animals,
    duress_escalation,
    interval_check_in,
    late_parent_limit,
    overdue_ladder,
    parent_absent_wait,
    refused,
    schedule_without_letter,
    unannounced_for,
)
from tests.factories import pack as load
from tests.hub.workflow.builders import assessment

PACK = load("harrogate")
L = LadderTarget
UNANNOUNCED = [VisitReason.ATTENDANCE_CONCERN, VisitReason.WELFARE_CONCERN]


def test_harrogate_waits_no_longer_than_20_minutes_for_an_absent_parent():  # 4.2
    assert parent_absent_wait(PACK) == (DeadlineKind.PARENT_ABSENT_WAIT, 20)


def test_harrogate_cancels_when_a_parent_is_over_30_minutes_late():  # 4.3
    assert late_parent_limit(PACK) == (DeadlineKind.LATE_ARRIVAL_LIMIT, 30)


def test_harrogate_attendance_team_checks_in_every_two_hours():  # 2.4
    assert not PACK.check_ins.is_default_key("interval_minutes")
    assert interval_check_in(PACK) == (DeadlineKind.CHECK_IN_DUE, 120)


def test_harrogate_overdue_ladder_is_the_documented_default_after_30_minutes():
    assert PACK.overdue.is_default_key("grace_minutes")
    ladder = overdue_ladder(PACK)
    assert [rung.minutes_after_planned_end for rung in ladder] == [30, 40, 50]
    assert [rung.reaches for rung in ladder] == [
        (L.VISITING_STAFF, L.OFFICE),
        (L.SENIOR_LEADER,),
        (L.SENIOR_LEADER, L.POLICE_PROMPT),
    ]


def test_harrogate_assistant_headteacher_approves_each_visit():  # appendix 1.2
    accepted(authorise_as(PACK, StaffRole.ASSISTANT_HEAD))
    assert refused(authorise_as(PACK, StaffRole.HEADTEACHER)) == [
        "only the assistant headteacher may authorise visits at this school"
    ]


def test_harrogate_officer_may_visit_alone_by_documented_default():  # 4.8 "the officer"
    assert PACK.staffing.is_default_key("pairs")
    assert accepted(by_authoriser(PACK, staff_ids=("s-1",))).visit.is_solo


def test_harrogate_cancels_for_animals_in_writing_to_the_assistant_head():  # 4.7
    assert "assistant headteacher" in refused(cancel_for_animals(PACK, None))[0]
    done = accepted(cancel_for_animals(PACK, "two dogs not shut away"))
    assert done.in_writing_to == (StaffRole.ASSISTANT_HEAD,)


def test_harrogate_unsafe_cancellation_goes_in_writing_to_the_assistant_head():  # 4.6
    done = accepted(cancel(PACK, OutcomeKind.UNSAFE, "adult appeared intoxicated"))
    assert done.in_writing_to == (StaffRole.ASSISTANT_HEAD,)


@pytest.mark.parametrize("reason", UNANNOUNCED)
def test_harrogate_visits_unannounced_for_attendance_or_safeguarding_concerns(reason):  # 4.4
    assert accepted(unannounced_for(PACK, reason)).visit.announced is False


def test_harrogate_announces_visits_for_other_reasons():
    reasons = refused(unannounced_for(PACK, VisitReason.TRANSITION))
    assert reasons[0].startswith("an unannounced visit is not allowed for transition")


def test_harrogate_does_not_visit_a_self_isolating_pupil():  # appendix 1.3
    assert refused(by_authoriser(PACK, assessed=assessment(pupil_self_isolating=True))) == [
        "no home visit while the pupil is self-isolating"
    ]
    assert accepted(by_authoriser(PACK, assessed=assessment(pupil_self_isolating=False)))


def test_harrogate_has_no_code_phrase_and_a_silent_999_call_goes_to_the_police_rung():  # 6.5
    assert PACK.duress.code_phrase is None
    assert not matches_code_phrase("Please let Mrs Smith know I will be late", PACK)
    duress = duress_escalation(PACK)
    assert (duress.kind, duress.rung) == (DeadlineKind.DURESS, 3)
    assert L.POLICE_PROMPT in duress.reaches


def test_harrogate_books_visits_in_the_attendance_team_calendar():  # 4.9
    scheduled = accepted(schedule_without_letter(PACK))
    assert scheduled.events[0].data["book_calendar"] is True
