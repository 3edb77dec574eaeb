from hub.models import Control, OutcomeKind, StaffRole, VisitReason
from hub.workflow.guards import (
    authoriser_problems,
    do_not_visit_problems,
    outcome_problems,
    questionnaire_problems,
    self_isolation_problems,
    staffing_problems,
    unannounced_problems,
)
from tests.factories import pack, staff, visit
from tests.hub.workflow.builders import assessment, finding, with_values


def test_authoriser_role_from_the_pack_passes():
    assert authoriser_problems(staff(roles=(StaffRole.DEPUTY_HEAD,)), pack()) == []


def test_other_roles_are_told_who_may_authorise():
    problems = authoriser_problems(staff(roles=(StaffRole.HEADTEACHER,)), pack())
    assert problems == ["only the deputy headteacher may authorise visits at this school"]


def test_several_authoriser_roles_are_listed_with_or():
    several = with_values(pack(), authorisation={"roles": ["lead_dsl", "deputy_head"]})
    problems = authoriser_problems(staff(roles=(StaffRole.OFFICE,)), several)
    assert problems == [
        "only the lead designated safeguarding lead or deputy headteacher may authorise "
        "visits at this school"
    ]


def test_do_not_visit_finding_blocks_with_its_summary():
    blocking = finding(Control.DO_NOT_VISIT, summary="violence to staff recorded")
    problems = do_not_visit_problems([finding(Control.PAIR_VISIT), blocking])
    assert problems == ["the risk assessment says do not visit: violence to staff recorded"]


def test_pair_visit_control_forces_two_staff_even_where_pairs_are_optional():
    relaxed = with_values(pack(), staffing={"pairs": "optional", "solo_requires_reason": False})
    solo = visit(staff_ids=("s-1",))
    problems = staffing_problems(solo, relaxed, [finding(Control.PAIR_VISIT)], solo_accepted=True)
    assert problems == ["the risk assessment requires two members of staff on this visit"]


def test_solo_with_no_reason_is_refused_outright_where_pairs_are_required():
    solo = visit(staff_ids=("s-1",))
    problems = staffing_problems(solo, pack(), [], solo_accepted=True)
    assert "requires two members of staff" in problems[0]


def test_solo_reason_must_be_accepted_by_the_authoriser():
    solo = visit(staff_ids=("s-1",), solo_reason="colleague off sick")
    assert staffing_problems(solo, pack(), [], solo_accepted=False) == [
        "the authoriser has not accepted the reason for going alone"
    ]
    assert staffing_problems(solo, pack(), [], solo_accepted=True) == []


def test_preferred_pairs_with_reason_required_asks_for_a_reason():
    preferred = with_values(pack(), staffing={"pairs": "preferred", "solo_requires_reason": True})
    problems = staffing_problems(visit(staff_ids=("s-1",)), preferred, [], solo_accepted=True)
    assert problems == ["a solo visit needs a written reason for going alone"]


def test_optional_pairs_without_reason_allow_solo():
    relaxed = with_values(pack(), staffing={"pairs": "optional", "solo_requires_reason": False})
    assert staffing_problems(visit(staff_ids=("s-1",)), relaxed, [], solo_accepted=False) == []


def test_unannounced_refused_when_pack_allows_no_reason():
    problems = unannounced_problems(visit(announced=False), pack())
    assert problems == [
        "this school's policy does not allow unannounced visits; tell the parents first"
    ]


def test_unannounced_allowed_only_for_the_pack_reasons():
    welfare = with_values(pack(), unannounced={"allowed_reasons": ["welfare_concern"]})
    ok = visit(announced=False, reason=VisitReason.WELFARE_CONCERN)
    assert unannounced_problems(ok, welfare) == []
    problems = unannounced_problems(visit(announced=False), welfare)
    assert problems == [
        "an unannounced visit is not allowed for attendance concern; only for: welfare concern"
    ]


def test_self_isolation_blocks_only_where_the_clause_is_on():
    isolating = assessment(pupil_self_isolating=True)
    assert self_isolation_problems(isolating, pack()) == []
    clause = with_values(pack(), clauses={"no_visit_while_self_isolating": True})
    assert self_isolation_problems(isolating, clause) == [
        "no home visit while the pupil is self-isolating"
    ]


def test_questionnaire_needs_every_applicable_answer():
    assert questionnaire_problems(assessment(), pack()) == []
    problems = questionnaire_problems(assessment(pets_present=True, property_hazards=None), pack())
    assert problems == [
        "risk assessment question not answered: "
        "Are there any dangers/hazards associated with the property?",
        "risk assessment question not answered: Are the pets threatening?",
    ]


def test_self_isolation_question_needed_only_with_the_clause():
    clause = with_values(pack(), clauses={"no_visit_while_self_isolating": True})
    problems = questionnaire_problems(assessment(), clause)
    assert problems == [
        "risk assessment question not answered: Is the pupil self-isolating (seed 004 appendix)?"
    ]


def test_unsafe_and_animals_need_a_written_reason_naming_the_reader():
    for kind in (OutcomeKind.UNSAFE, OutcomeKind.ANIMALS):
        problems = outcome_problems(kind, None, pack())
        assert len(problems) == 1
        assert "it goes in writing to the deputy headteacher" in problems[0]
        assert outcome_problems(kind, "   ", pack()) == problems
        assert outcome_problems(kind, "dog loose in the hall", pack()) == []


def test_no_written_reason_needed_when_the_pack_names_no_reader():
    silent = with_values(pack(), doorstep={"cancellation_reasons_in_writing_to": []})
    assert outcome_problems(OutcomeKind.UNSAFE, None, silent) == []
    assert outcome_problems(OutcomeKind.COMPLETED, None, pack()) == []
