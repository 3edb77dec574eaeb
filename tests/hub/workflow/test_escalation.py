from datetime import timedelta

import pytest

from hub.errors import TransitionRefusedError
from hub.models import CheckInKind, VisitEventKind, VisitState
from hub.workflow import OnTheDay, escalation_key, record_escalation, rungs_due
from tests.factories import T0, check_in, pack, visit


def _departed_visit():
    out = visit(state=VisitState.ON_SITE)
    day = OnTheDay(check_ins=(check_in(CheckInKind.ARRIVED, out.planned_start),))
    return out, day


def test_escalation_is_recorded_without_changing_state():
    policy = pack()
    out, day = _departed_visit()
    late = out.planned_end + timedelta(minutes=policy.overdue.grace_minutes)
    (rung1,) = rungs_due(out, policy, day, late)
    done = record_escalation(out, rung1, late, channels=("sms", "email"))
    (event,) = done.events
    assert event.kind is VisitEventKind.ESCALATED
    assert event.state_to is None
    assert done.visit.state is VisitState.ON_SITE
    assert event.data["rung"] == 1
    assert event.data["channels"] == "sms,email"
    assert event.data["key"] == escalation_key(out, rung1)


def test_escalation_key_is_the_same_for_the_same_rung_and_differs_between_rungs():
    policy = pack()
    out, day = _departed_visit()
    end = T0 + timedelta(days=1)
    first = rungs_due(out, policy, day, end)
    again = rungs_due(out, policy, day, end + timedelta(hours=1))
    assert [escalation_key(out, d) for d in first] == [escalation_key(out, d) for d in again]
    assert len({escalation_key(out, d) for d in first}) == len(first)


def test_a_rung_not_yet_due_is_refused():
    policy = pack()
    out, day = _departed_visit()
    late = out.planned_end + timedelta(minutes=policy.overdue.grace_minutes)
    (rung1,) = rungs_due(out, policy, day, late)
    with pytest.raises(TransitionRefusedError):
        record_escalation(out, rung1, late - timedelta(seconds=1), channels=("sms",))
