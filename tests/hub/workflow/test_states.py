from itertools import pairwise

from hub.models import VisitState
from hub.workflow.states import (
    ALLOWED,
    BEFORE_DEPARTURE,
    FINAL,
    OUT,
    can_move,
    move_problem,
)

S = VisitState

MAIN_PATH = [
    S.REQUESTED,
    S.ASSESSED,
    S.AWAITING_AUTHORISATION,
    S.AUTHORISED,
    S.SCHEDULED,
    S.DEPARTED,
    S.ON_SITE,
    S.COMPLETED,
    S.RETURNED,
    S.CLOSED,
]


def test_every_state_has_an_entry():
    assert set(ALLOWED) == set(VisitState)


def test_the_main_path_is_allowed_step_by_step():
    for current, nxt in pairwise(MAIN_PATH):
        assert can_move(current, nxt), (current, nxt)


def test_each_door_outcome_leads_back_to_school():
    for outcome in (S.COMPLETED, S.NO_ACCESS, S.CANCELLED):
        assert can_move(S.ON_SITE, outcome)
        assert ALLOWED[outcome] == {S.RETURNED}


def test_withdrawn_is_possible_before_departure_and_never_after():
    for state in BEFORE_DEPARTURE:
        assert can_move(state, S.WITHDRAWN)
    for state in OUT | {S.RETURNED}:
        assert not can_move(state, S.WITHDRAWN)


def test_only_the_authoriser_step_can_reject():
    rejecting = {state for state, nxt in ALLOWED.items() if S.REJECTED in nxt}
    assert rejecting == {S.AWAITING_AUTHORISATION}


def test_extra_moves_cover_the_day_going_wrong():
    assert can_move(S.DEPARTED, S.CANCELLED)
    assert can_move(S.DEPARTED, S.RETURNED)
    assert can_move(S.ON_SITE, S.RETURNED)


def test_final_states_go_nowhere():
    assert {S.CLOSED, S.REJECTED, S.WITHDRAWN} == FINAL
    for state in FINAL:
        assert ALLOWED[state] == frozenset()


def test_skipping_authorisation_is_not_allowed():
    assert not can_move(S.ASSESSED, S.AUTHORISED)
    assert not can_move(S.REQUESTED, S.SCHEDULED)


def test_every_state_is_reachable_from_requested():
    seen = {S.REQUESTED}
    frontier = [S.REQUESTED]
    while frontier:
        for nxt in ALLOWED[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(VisitState)


def test_move_problem_says_why_in_plain_words():
    assert move_problem(S.REQUESTED, S.ASSESSED) is None
    assert move_problem(S.ASSESSED, S.AUTHORISED) == (
        "a visit that is assessed cannot become authorised"
    )
    assert move_problem(S.CLOSED, S.RETURNED) == "the visit is closed and cannot change any more"
