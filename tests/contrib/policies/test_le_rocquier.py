"""Le Rocquier School (seed 002): each test is one clause of the policy.

The policy is short: where it is silent the tests assert the pack's documented default.
"""

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
    unannounced_for,
)
from tests.factories import pack as load

PACK = load("le-rocquier")
L = LadderTarget

ALLOWED_UNANNOUNCED = [
    VisitReason.WELFARE_CONCERN,
    VisitReason.HOME_WITHOUT_PARENT_KNOWLEDGE,
    VisitReason.PARENT_COLLUDING,
    VisitReason.OTHER_CONTACT_FAILED,
    VisitReason.PARENT_ABILITY_IN_QUESTION,
]


def test_le_rocquier_waits_10_minutes_for_an_absent_parent_by_documented_default():
    assert PACK.doorstep.is_default_key("parent_absent_wait_minutes")
    assert parent_absent_wait(PACK) == (DeadlineKind.PARENT_ABSENT_WAIT, 10)


def test_le_rocquier_leaves_a_calling_card_when_no_one_is_at_home():
    assert not PACK.doorstep.is_default_key("calling_card_on_no_access")
    assert PACK.doorstep.calling_card_on_no_access is True


def test_le_rocquier_cancels_a_parent_over_30_minutes_late_by_documented_default():
    assert PACK.doorstep.is_default_key("late_arrival_cancel_minutes")
    assert late_parent_limit(PACK) == (DeadlineKind.LATE_ARRIVAL_LIMIT, 30)


def test_le_rocquier_checks_in_every_two_hours_by_documented_default():
    assert PACK.check_ins.is_default_key("interval_minutes")
    assert interval_check_in(PACK) == (DeadlineKind.CHECK_IN_DUE, 120)


def test_le_rocquier_overdue_ladder_is_the_documented_default_after_30_minutes():
    assert PACK.overdue.is_default_key("grace_minutes")
    assert PACK.escalation.is_default
    ladder = overdue_ladder(PACK)
    assert [rung.minutes_after_planned_end for rung in ladder] == [30, 40, 50]
    assert ladder[-1].reaches == (L.SENIOR_LEADER, L.POLICE_PROMPT)


def test_le_rocquier_deputy_headteacher_authorises_by_documented_default():
    assert PACK.authorisation.is_default_key("roles")
    accepted(authorise_as(PACK, StaffRole.DEPUTY_HEAD))
    assert refused(authorise_as(PACK, StaffRole.EDUCATION_WELFARE_OFFICER)) == [
        "only the deputy headteacher may authorise visits at this school"
    ]


def test_le_rocquier_tells_the_senior_team_of_every_visit():
    assert StaffRole.SENIOR_LEADER in accepted(by_authoriser(PACK)).notify


def test_le_rocquier_staff_may_visit_alone_without_a_reason():
    solo = accepted(by_authoriser(PACK, staff_ids=("s-1",)))
    assert solo.visit.is_solo


def test_le_rocquier_cancels_for_unsecured_animals_by_documented_default():
    assert PACK.doorstep.is_default_key("animals_must_be_secured")
    assert PACK.doorstep.is_default_key("cancellation_reasons_in_writing_to")
    assert refused(cancel_for_animals(PACK, None))
    done = accepted(cancel_for_animals(PACK, "dog not shut away"))
    assert done.outcome is not None
    assert done.outcome.kind is OutcomeKind.ANIMALS
    assert done.in_writing_to == (StaffRole.DEPUTY_HEAD,)


@pytest.mark.parametrize("reason", ALLOWED_UNANNOUNCED)
def test_le_rocquier_allows_unannounced_visits_for_the_listed_reasons(reason):
    assert accepted(unannounced_for(PACK, reason)).visit.announced is False


@pytest.mark.parametrize("reason", [r for r in VisitReason if r not in ALLOWED_UNANNOUNCED])
def test_le_rocquier_telephones_parents_before_any_other_visit(reason):
    assert refused(unannounced_for(PACK, reason))[0].startswith(
        f"an unannounced visit is not allowed for {reason.label}"
    )


def test_le_rocquier_has_no_code_phrase_and_a_duress_pin_goes_to_the_police_rung():
    assert PACK.duress.code_phrase is None
    assert not matches_code_phrase("Please let Mrs Smith know I will be late", PACK)
    duress = duress_escalation(PACK)
    assert (duress.kind, duress.rung) == (DeadlineKind.DURESS, 3)
