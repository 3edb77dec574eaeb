import pytest

from hub.errors import TransitionRefusedError
from hub.models import Control, StaffRole, VisitEventKind, VisitReason, VisitState
from hub.workflow.planning import (
    assess,
    authorise,
    reject,
    request,
    require_second_staff,
    schedule,
    submit_for_authorisation,
    withdraw,
)
from tests.factories import T0, pack, staff, visit
from tests.hub.workflow.builders import (
    assessment,
    authoriser_for,
    finding,
    minutes,
    refused,
    with_values,
)

S = VisitState


# request ---------------------------------------------------------------------------


def test_request_records_the_new_visit_with_safe_event_data():
    new = visit()
    result = request(new, pack(), staff("s-1"), T0)
    assert result.visit == new
    (event,) = result.events
    assert event.kind is VisitEventKind.REQUESTED
    assert event.actor == "s-1"
    assert event.data == {"reason": "attendance_concern", "announced": True, "staff_count": 2}


def test_request_refuses_past_times_repeated_staff_and_unannounced_together():
    bad = visit(
        planned_start=T0 - minutes(120),
        planned_end=T0 - minutes(60),
        staff_ids=("s-1", "s-1"),
        announced=False,
    )
    reasons = refused(request, bad, pack(), staff("s-1"), T0)
    assert reasons == [
        "the planned time of the visit has passed",
        "a member of staff is listed twice on the visit",
        "this school's policy does not allow unannounced visits; tell the parents first",
    ]


def test_request_refuses_staff_of_another_school():
    other = staff("s-1", school_id="elsewhere")
    assert refused(request, visit(), pack(), other, T0)[0] == (
        "this member of staff is not at the visit's school"
    )


# assess ----------------------------------------------------------------------------


def test_assess_moves_to_assessed_and_summarises_findings():
    result = assess(visit(), pack(), staff("s-1"), assessment(finding(Control.PAIR_VISIT)), T0)
    assert result.visit.state is S.ASSESSED
    assert result.visit.version == 2
    (event,) = result.events
    assert (event.state_from, event.state_to) == (S.REQUESTED, S.ASSESSED)
    assert event.data == {"findings": 1, "controls": "pair_visit", "highest_severity": "high"}


def test_assess_refuses_unanswered_questions_and_another_visits_assessment():
    reasons = refused(
        assess,
        visit(),
        pack(),
        staff("s-1"),
        assessment(visit_id="v-9", intimidating_people=None),
        T0,
    )
    assert reasons == [
        "the risk assessment belongs to a different visit",
        "risk assessment question not answered: "
        "Any intimidating/threatening clients, relatives or friends at the property?",
    ]


# submit ----------------------------------------------------------------------------


def test_submit_sends_to_the_authoriser_with_the_visit_list_style():
    result = submit_for_authorisation(
        visit(state=S.ASSESSED), pack(), staff("s-1"), assessment(), T0
    )
    assert result.visit.state is S.AWAITING_AUTHORISATION
    assert result.events[0].data == {"visit_list": "daily_or_weekly"}


def test_submit_refuses_early_what_the_authoriser_would_refuse():
    blocked = assessment(finding(Control.DO_NOT_VISIT, summary="police advise no visit"))
    reasons = refused(
        submit_for_authorisation,
        visit(state=S.ASSESSED, staff_ids=("s-1",)),
        pack(),
        staff("s-1"),
        blocked,
        T0,
    )
    assert reasons[0] == "the risk assessment says do not visit: police advise no visit"
    assert "no reason for going alone has been recorded" in reasons[1]


def test_submit_accepts_a_solo_visit_with_a_written_reason_pending_acceptance():
    solo = visit(state=S.ASSESSED, staff_ids=("s-1",), solo_reason="second officer on leave")
    result = submit_for_authorisation(solo, pack(), staff("s-1"), assessment(), T0)
    assert result.visit.state is S.AWAITING_AUTHORISATION


# authorise -------------------------------------------------------------------------


def awaiting(**overrides):
    return visit(state=S.AWAITING_AUTHORISATION, **overrides)


def test_authorise_records_who_and_when():
    result = authorise(awaiting(), pack(), authoriser_for(pack()), assessment(), T0)
    assert result.visit.state is S.AUTHORISED
    assert (result.visit.authorised_by, result.visit.authorised_at) == ("s-auth", T0)
    assert result.notify == ()


def test_authorise_refused_for_a_role_the_pack_does_not_name():
    reasons = refused(
        authorise, awaiting(), pack(), staff("s-9", roles=(StaffRole.DSL,)), assessment(), T0
    )
    assert reasons == ["only the deputy headteacher may authorise visits at this school"]


def test_authorise_refused_by_a_do_not_visit_finding():
    blocked = assessment(finding(Control.DO_NOT_VISIT, summary="dangerous dog at address"))
    reasons = refused(authorise, awaiting(), pack(), authoriser_for(pack()), blocked, T0)
    assert reasons == ["the risk assessment says do not visit: dangerous dog at address"]


def test_solo_visit_needs_the_authoriser_to_accept_the_reason():
    solo = awaiting(staff_ids=("s-1",), solo_reason="pupil only talks to one officer")
    reasons = refused(authorise, solo, pack(), authoriser_for(pack()), assessment(), T0)
    assert reasons == ["the authoriser has not accepted the reason for going alone"]
    result = authorise(
        solo, pack(), authoriser_for(pack()), assessment(), T0, accept_solo_reason=True
    )
    assert result.visit.solo_reason_accepted is True
    assert result.notify == (StaffRole.DEPUTY_HEAD,)


def test_solo_visit_with_a_pair_control_is_refused_even_with_an_accepted_reason():
    solo = awaiting(staff_ids=("s-1",), solo_reason="short visit")
    reasons = refused(
        authorise,
        solo,
        pack(),
        authoriser_for(pack()),
        assessment(finding(Control.PAIR_VISIT)),
        T0,
        accept_solo_reason=True,
    )
    assert reasons == ["the risk assessment requires two members of staff on this visit"]


def test_self_isolating_pupil_blocks_authorisation_under_the_clause():
    clause = with_values(pack(), clauses={"no_visit_while_self_isolating": True})
    isolating = assessment(pupil_self_isolating=True)
    reasons = refused(authorise, awaiting(), clause, authoriser_for(clause), isolating, T0)
    assert reasons == ["no home visit while the pupil is self-isolating"]


def test_unannounced_visit_authorised_only_for_allowed_reasons():
    welfare = with_values(pack(), unannounced={"allowed_reasons": ["welfare_concern"]})
    ok = awaiting(announced=False, reason=VisitReason.WELFARE_CONCERN)
    assert (
        authorise(ok, welfare, authoriser_for(welfare), assessment(), T0).visit.announced is False
    )
    reasons = refused(
        authorise, awaiting(announced=False), welfare, authoriser_for(welfare), assessment(), T0
    )
    assert reasons[0].startswith("an unannounced visit is not allowed for attendance concern")


def test_senior_team_is_told_when_the_pack_says_so():
    told = with_values(pack(), authorisation={"senior_team_told": True})
    result = authorise(awaiting(), told, authoriser_for(told), assessment(), T0)
    assert result.notify == (StaffRole.SENIOR_LEADER,)


def test_authorise_from_the_wrong_state_says_so():
    reasons = refused(
        authorise, visit(state=S.ASSESSED), pack(), authoriser_for(pack()), assessment(), T0
    )
    assert reasons == ["a visit that is assessed cannot become authorised"]


# reject, second staff --------------------------------------------------------------


def test_reject_is_final_and_only_for_authorisers():
    result = reject(awaiting(), pack(), authoriser_for(pack()), T0)
    assert result.visit.state is S.REJECTED
    assert result.events[0].kind is VisitEventKind.REJECTED
    assert refused(reject, awaiting(), pack(), staff("s-1"), T0) == [
        "only the deputy headteacher may authorise visits at this school"
    ]


def test_require_second_staff_adds_them_and_clears_the_solo_reason():
    solo = awaiting(staff_ids=("s-1",), solo_reason="short visit")
    result = require_second_staff(solo, pack(), authoriser_for(pack()), staff("s-2"), T0)
    assert result.visit.staff_ids == ("s-1", "s-2")
    assert result.visit.solo_reason is None
    assert result.visit.state is S.AWAITING_AUTHORISATION
    assert result.events[0].state_to is None
    authorised = authorise(result.visit, pack(), authoriser_for(pack()), assessment(), T0)
    assert authorised.visit.state is S.AUTHORISED


def test_require_second_staff_refuses_someone_already_on_the_visit():
    reasons = refused(require_second_staff, awaiting(), pack(), authoriser_for(pack()), staff(), T0)
    assert reasons == ["that member of staff is already on the visit"]


# schedule, withdraw ----------------------------------------------------------------


def test_schedule_needs_written_confirmation_where_the_pack_asks():
    authorised = visit(state=S.AUTHORISED)
    assert refused(schedule, authorised, pack(), staff(), T0) == [
        "written confirmation of the appointment must be recorded first"
    ]
    result = schedule(authorised, pack(), staff(), T0, written_confirmation=True)
    assert result.visit.state is S.SCHEDULED
    assert result.events[0].data == {"book_calendar": False, "announced": True}


def test_unannounced_visit_is_scheduled_without_a_letter():
    welfare = with_values(pack(), unannounced={"allowed_reasons": ["welfare_concern"]})
    unannounced = visit(state=S.AUTHORISED, announced=False, reason=VisitReason.WELFARE_CONCERN)
    assert schedule(unannounced, welfare, staff(), T0).visit.state is S.SCHEDULED


def test_withdraw_before_departure_by_someone_involved():
    for state in (S.REQUESTED, S.AUTHORISED, S.SCHEDULED):
        assert withdraw(visit(state=state), pack(), staff("s-2"), T0).visit.state is S.WITHDRAWN
    assert withdraw(visit(), pack(), authoriser_for(pack()), T0).visit.state is S.WITHDRAWN


def test_withdraw_refused_after_departure_and_for_bystanders():
    reasons = refused(withdraw, visit(state=S.DEPARTED), pack(), staff("s-7"), T0)
    assert reasons == [
        "a visit can only be withdrawn before staff leave; record an outcome instead",
        "only the requester, the visiting staff or an authoriser may withdraw a visit",
    ]


def test_refusal_reasons_never_hold_personal_data():
    secret = "Mrs Example at 12 Sample Road"
    solo = awaiting(staff_ids=("s-1",), solo_reason=secret)
    with pytest.raises(TransitionRefusedError) as info:
        authorise(solo, pack(), staff("s-9"), assessment(), T0)
    assert secret not in str(info.value)
    assert "Sample" not in repr(info.value.reasons)
