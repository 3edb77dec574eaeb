"""Blessed Trinity RC College (seed 001): each test is one clause of the policy."""

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
    solo_without_reason,
    unannounced_for,
)
from tests.factories import pack as load

PACK = load("blessed-trinity")
L = LadderTarget
PHRASE = "Please let Mrs Smith know I will be late for our appointment"


def test_blessed_trinity_waits_10_minutes_for_an_absent_parent_by_documented_default():
    assert PACK.doorstep.is_default_key("parent_absent_wait_minutes")
    assert parent_absent_wait(PACK) == (DeadlineKind.PARENT_ABSENT_WAIT, 10)


def test_blessed_trinity_cancels_a_parent_over_30_minutes_late_by_documented_default():
    assert PACK.doorstep.is_default_key("late_arrival_cancel_minutes")
    assert late_parent_limit(PACK) == (DeadlineKind.LATE_ARRIVAL_LIMIT, 30)


def test_blessed_trinity_checks_in_every_two_hours_by_documented_default():
    assert PACK.check_ins.is_default_key("interval_minutes")
    assert interval_check_in(PACK) == (DeadlineKind.CHECK_IN_DUE, 120)


def test_blessed_trinity_office_acts_30_minutes_after_the_proposed_end():  # Summary, office
    assert not PACK.overdue.is_default_key("grace_minutes")
    assert overdue_ladder(PACK)[0].minutes_after_planned_end == 30


def test_blessed_trinity_contacts_both_staff_then_slt_then_police():  # Summary, office
    ladder = overdue_ladder(PACK)
    assert [rung.reaches for rung in ladder] == [
        (L.VISITING_STAFF, L.OFFICE),
        (L.SENIOR_LEADER,),
        (L.SENIOR_LEADER, L.OFFICE, L.POLICE_PROMPT),
    ]
    assert [rung.minutes_after_planned_end for rung in ladder] == [30, 40, 50]


def test_blessed_trinity_all_visits_are_authorised_by_the_lead_dsl():  # opening statement
    done = accepted(authorise_as(PACK, StaffRole.LEAD_DSL))
    assert StaffRole.SENIOR_LEADER in done.notify  # the SLT is aware of every named visit
    for role in (StaffRole.DSL, StaffRole.DEPUTY_DSL, StaffRole.HEADTEACHER):
        assert refused(authorise_as(PACK, role)) == [
            "only the lead designated safeguarding lead may authorise visits at this school"
        ]


def test_blessed_trinity_visits_in_pairs_unless_the_lead_dsl_is_told_why_not():  # Before
    assert refused(solo_without_reason(PACK)) == [
        "a solo visit needs a written reason for going alone"
    ]
    solo = accepted(by_authoriser(PACK, staff_ids=("s-1",), solo_reason="no second officer"))
    assert StaffRole.LEAD_DSL in solo.notify


def test_blessed_trinity_cancels_for_unsecured_animals_in_writing_to_the_lead_dsl():
    assert PACK.doorstep.is_default_key("animals_must_be_secured")
    assert "lead designated safeguarding lead" in refused(cancel_for_animals(PACK, None))[0]
    done = accepted(cancel_for_animals(PACK, "dog loose in the garden"))
    assert done.in_writing_to == (StaffRole.LEAD_DSL,)


def test_blessed_trinity_unsafe_cancellation_reason_goes_to_the_lead_dsl():
    done = accepted(cancel(PACK, OutcomeKind.UNSAFE, "threatening adult at the door"))
    assert done.in_writing_to == (StaffRole.LEAD_DSL,)


@pytest.mark.parametrize("reason", [VisitReason.OTHER_CONTACT_FAILED, VisitReason.WELFARE_CONCERN])
def test_blessed_trinity_visits_unannounced_when_parents_do_not_respond_or_for_safeguarding(
    reason,
):
    assert accepted(unannounced_for(PACK, reason)).visit.announced is False


def test_blessed_trinity_announces_every_other_visit():
    reasons = refused(unannounced_for(PACK, VisitReason.ATTENDANCE_CONCERN))
    assert reasons[0].startswith("an unannounced visit is not allowed for attendance concern")


def test_blessed_trinity_code_phrase_calls_for_help_silently():  # threatened
    assert matches_code_phrase(PHRASE, PACK)
    assert matches_code_phrase(
        "please let mrs smith know, I will be late for our appointment", PACK
    )
    assert not matches_code_phrase("I will be late for our appointment", PACK)


def test_blessed_trinity_duress_goes_straight_to_the_police_rung():
    duress = duress_escalation(PACK)
    assert (duress.kind, duress.rung) == (DeadlineKind.DURESS, 3)
    assert LadderTarget.POLICE_PROMPT in duress.reaches
