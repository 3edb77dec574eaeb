"""The engine's pure decisions: due escalations, who a rung reaches, the board's precedence."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.engine.plan import board_for, notification_for, plan_visit, replaces, wake_needed
from hub.engine.records import Board, BoardState
from hub.models import CheckInKind, StaffRole, Visit, VisitState
from hub.workflow import DeadlineKind, OnTheDay
from tests import factories
from tests.factories import T0, check_in


def departed_day(duress: bool = False) -> tuple[Visit, OnTheDay]:
    visit = factories.visit(state=VisitState.ON_SITE)
    day = OnTheDay(
        check_ins=(
            check_in(CheckInKind.DEPARTED, T0 + timedelta(minutes=50)),
            check_in(CheckInKind.ARRIVED, T0 + timedelta(minutes=61), n=2, duress=duress),
        )
    )
    return visit, day


def test_nothing_is_due_before_the_grace_period_and_the_wake_up_is_rung_one() -> None:
    pack = factories.pack()
    visit, day = departed_day()
    plan = plan_visit(visit, pack, day, T0 + timedelta(minutes=70))
    assert plan.due == ()
    assert plan.wake_at == T0 + timedelta(hours=2)  # the planned end (return due)
    later = plan_visit(visit, pack, day, T0 + timedelta(hours=2, minutes=31))
    assert [d.deadline.rung for d in later.due] == [1]
    assert later.due[0].workflow_id.startswith("escalate:st-michaels:v-1:overdue:")
    assert later.wake_at == T0 + timedelta(hours=2, minutes=40)  # rung 2, after the window


def test_staff_back_finishes_the_plan() -> None:
    visit = factories.visit(state=VisitState.RETURNED)
    plan = plan_visit(visit, factories.pack(), OnTheDay(), T0)
    assert plan.finished
    assert plan.due == ()


def test_duress_is_due_at_once_silent_and_never_reaches_the_visiting_staff() -> None:
    pack = factories.pack()
    visit, day = departed_day(duress=True)
    plan = plan_visit(visit, pack, day, T0 + timedelta(minutes=61))
    assert [d.deadline.kind for d in plan.due] == [DeadlineKind.DURESS]
    due = plan.due[0]
    message = notification_for(visit, due.deadline, "sms", due.key)
    assert message.silent
    assert message.staff_ids == ()
    assert StaffRole.DUTY_SENIOR_LEADER in message.roles
    assert "duress" in message.subject


def test_an_overdue_rung_reaches_both_visiting_staff_and_names_no_one() -> None:
    pack = factories.pack()
    visit, day = departed_day()
    plan = plan_visit(visit, pack, day, T0 + timedelta(hours=2, minutes=31))
    due = plan.due[0]
    message = notification_for(visit, due.deadline, "email", due.key)
    assert message.staff_ids == ("s-1", "s-2")
    assert message.roles == frozenset({StaffRole.OFFICE})
    assert not message.silent
    assert message.body.endswith("(visit v-1, school st-michaels)")
    assert board_for(due.deadline) is Board.ESCALATED


@pytest.mark.parametrize(
    ("current", "new", "moves"),
    [
        (None, Board.ESCALATED, True),
        (Board.ESCALATED, Board.CHANNELS_FAILING, True),
        (Board.EXHAUSTED, Board.ESCALATED, False),
        (Board.EXHAUSTED, Board.ACKNOWLEDGED, True),
        (Board.DURESS, Board.ESCALATED, False),
        (Board.DURESS, Board.EXHAUSTED, True),
        (Board.ACKNOWLEDGED, Board.ESCALATED, True),
    ],
)
def test_loud_board_states_only_give_way_to_an_answer(
    current: Board | None, new: Board, moves: bool
) -> None:
    state = (
        None
        if current is None
        else BoardState(school_id="st-michaels", visit_id="v-1", state=current, since=T0)
    )
    assert replaces(state, new) is moves


def test_a_check_in_wakes_the_timer_only_for_duress_an_earlier_deadline_or_staff_back() -> None:
    pack = factories.pack()
    visit, day = departed_day()
    now = T0 + timedelta(minutes=70)
    before = (visit, OnTheDay(check_ins=day.check_ins[:1]))
    assert not wake_needed(pack, before, (visit, day), now)  # nothing comes forward
    _, duress = departed_day(duress=True)
    assert wake_needed(pack, before, (visit, duress), now)  # due at once
    back = visit.model_copy(update={"state": VisitState.RETURNED})
    assert wake_needed(pack, (visit, day), (back, day), now)
    assert not wake_needed(pack, (back, day), (back, day), now)
    sooner = visit.model_copy(update={"planned_end": T0 + timedelta(minutes=90)})
    assert wake_needed(pack, (visit, day), (sooner, day), now)  # the return falls due earlier
    assert not wake_needed(pack, (sooner, day), (visit, day), now)  # later: the timer re-plans
