from hub.models import CheckInKind, LadderTarget, StaffRole, VisitState
from hub.workflow.deadlines import (
    DeadlineKind,
    OnTheDay,
    all_deadlines,
    next_deadline,
    rungs_due,
)
from tests.factories import T0, check_in, pack, visit
from tests.hub.workflow.builders import ack, minutes, report, with_values

S = VisitState
K = CheckInKind
D = DeadlineKind

# st-michaels: interval 120, grace 30, four rungs of 10 minutes, duress rung 4 (police),
# parent-absent wait 20, late limit 30. The visit runs T0+60 to T0+120.
OUT = visit(state=S.DEPARTED)
LEFT_AT = T0 + minutes(50)
DEPARTED = check_in(K.DEPARTED, LEFT_AT)


def day(*items):
    return OnTheDay(
        check_ins=tuple(i for i in items if hasattr(i, "channel")),
        reports=tuple(i for i in items if hasattr(i, "expected_at")),
        acknowledgements=tuple(i for i in items if hasattr(i, "by")),
    )


def test_nothing_is_pending_before_departure():
    assert next_deadline(visit(state=S.SCHEDULED), pack(), day(), T0) is None
    assert rungs_due(visit(state=S.SCHEDULED), pack(), day(), T0 + minutes(600)) == ()


def test_nothing_is_pending_once_staff_are_back():
    back = check_in(K.RETURNED, T0 + minutes(130), n=2)
    assert next_deadline(OUT, pack(), day(DEPARTED, back), T0 + minutes(131)) is None
    assert next_deadline(visit(state=S.RETURNED), pack(), day(DEPARTED), LEFT_AT) is None


def test_short_visit_is_due_back_at_the_planned_end():
    nxt = next_deadline(OUT, pack(), day(DEPARTED), LEFT_AT)
    assert nxt is not None
    assert (nxt.kind, nxt.at) == (D.RETURN_DUE, OUT.planned_end)


def test_long_visit_needs_an_interval_check_in():
    long = visit(state=S.ON_SITE, planned_end=T0 + minutes(300))
    nxt = next_deadline(long, pack(), day(check_in(K.DEPARTED, T0)), T0)
    assert nxt is not None
    assert (nxt.kind, nxt.at) == (D.CHECK_IN_DUE, T0 + minutes(120))
    assert "every 120 minutes" in nxt.says


def test_overdue_runs_the_ladder_after_the_grace_period():
    deadlines = all_deadlines(OUT, pack(), day(DEPARTED), LEFT_AT)
    ladder = [(d.kind, d.rung, d.at) for d in deadlines if d.kind is not D.RETURN_DUE]
    start = OUT.planned_end + minutes(30)
    assert ladder == [
        (D.OVERDUE, 1, start),
        (D.OVERDUE, 2, start + minutes(10)),
        (D.OVERDUE, 3, start + minutes(20)),
        (D.OVERDUE, 4, start + minutes(30)),
        (D.LADDER_EXHAUSTED, None, start + minutes(40)),
    ]
    first = deadlines[1]
    assert first.reaches == (LadderTarget.VISITING_STAFF, LadderTarget.OFFICE)
    assert first.says == "Ring both members of staff on their mobiles now."
    assert deadlines[-1].alerts == (StaffRole.SENIOR_LEADER, StaffRole.HEADTEACHER)


def test_next_deadline_walks_the_ladder_as_time_passes():
    start = OUT.planned_end + minutes(30)
    nxt = next_deadline(OUT, pack(), day(DEPARTED), start + minutes(5))
    assert nxt is not None
    assert (nxt.kind, nxt.rung, nxt.at) == (D.OVERDUE, 2, start + minutes(10))


def test_rungs_due_lists_every_rung_so_far_in_order():
    start = OUT.planned_end + minutes(30)
    due = rungs_due(OUT, pack(), day(DEPARTED), start + minutes(25))
    assert [d.rung for d in due] == [1, 2, 3]
    assert all(d.started_at == start for d in due)


def test_first_acknowledgement_stops_the_ladder():
    start = OUT.planned_end + minutes(30)
    acked = day(DEPARTED, ack(1, start + minutes(4)))
    assert next_deadline(OUT, pack(), acked, start + minutes(5)) is None
    assert [d.rung for d in rungs_due(OUT, pack(), acked, start + minutes(60))] == [1]


def test_acknowledgement_exactly_at_the_window_end_is_in_time():
    start = OUT.planned_end + minutes(30)
    acked = day(DEPARTED, ack(1, start + minutes(10)))
    assert [d.rung for d in rungs_due(OUT, pack(), acked, start + minutes(60))] == [1]


def test_a_new_check_in_after_an_acknowledgement_restarts_the_timer():
    start = OUT.planned_end + minutes(30)
    late = check_in(K.LEFT, start + minutes(15), n=2)
    records = day(DEPARTED, ack(1, start + minutes(4)), late)
    nxt = next_deadline(OUT, pack(), records, late.at)
    assert nxt is not None
    assert (nxt.kind, nxt.at) == (D.CHECK_IN_DUE, late.at + minutes(120))
    due = rungs_due(OUT, pack(), records, late.at + minutes(150))
    assert [d.rung for d in due] == [1]
    assert due[0].at == late.at + minutes(150)


def test_without_an_interval_a_late_check_in_buys_one_grace_period():
    no_interval = with_values(pack(), check_ins={"interval_minutes": None})
    late = check_in(K.LEFT, OUT.planned_end + minutes(20), n=2)
    due = next_deadline(OUT, no_interval, day(DEPARTED, late), late.at + minutes(1))
    assert due is not None
    assert (due.kind, due.rung, due.at) == (D.OVERDUE, 1, late.at + minutes(30))


def test_duress_escalates_at_once_to_the_duress_rung():
    duress = check_in(K.ARRIVED, T0 + minutes(62), duress=True, n=2)
    records = day(DEPARTED, duress)
    nxt = next_deadline(visit(state=S.ON_SITE), pack(), records, duress.at)
    assert nxt is not None
    assert (nxt.kind, nxt.rung, nxt.at) == (D.DURESS, 4, duress.at)
    assert nxt.says.startswith("Duress: ")
    assert [(d.kind, d.rung) for d in rungs_due(OUT, pack(), records, duress.at)] == [(D.DURESS, 4)]


def test_duress_replaces_the_overdue_timer_until_acknowledged():
    duress = check_in(K.INTERVAL, T0 + minutes(62), duress=True, n=2)
    pending = all_deadlines(visit(state=S.ON_SITE), pack(), day(DEPARTED, duress), duress.at)
    assert [d.kind for d in pending] == [D.DURESS, D.LADDER_EXHAUSTED]
    acked = day(DEPARTED, duress, ack(4, duress.at + minutes(2)))
    after = next_deadline(visit(state=S.ON_SITE), pack(), acked, duress.at + minutes(3))
    assert after is not None
    assert (after.kind, after.at) == (D.RETURN_DUE, OUT.planned_end)


def test_acknowledging_a_lower_rung_does_not_stop_a_duress_escalation():
    duress = check_in(K.INTERVAL, T0 + minutes(62), duress=True, n=2)
    records = day(DEPARTED, duress, ack(1, duress.at + minutes(1)))
    nxt = next_deadline(OUT, pack(), records, duress.at + minutes(2))
    assert nxt is not None
    assert nxt.kind is D.LADDER_EXHAUSTED


def test_a_duress_return_check_in_still_escalates():
    duress = check_in(K.RETURNED, T0 + minutes(110), duress=True, n=2)
    nxt = next_deadline(OUT, pack(), day(DEPARTED, duress), duress.at)
    assert nxt is not None
    assert (nxt.kind, nxt.rung) == (D.DURESS, 4)


def test_parent_absent_wait_expires_after_the_pack_limit():
    on_site = visit(state=S.ON_SITE)
    absent = report("parent_absent", T0 + minutes(61))
    nxt = next_deadline(on_site, pack(), day(DEPARTED, absent), absent.at)
    assert nxt is not None
    assert (nxt.kind, nxt.at) == (D.PARENT_ABSENT_WAIT, absent.at + minutes(20))
    assert "20-minute wait" in nxt.says


def test_leaving_ends_the_doorstep_wait():
    on_site = visit(state=S.ON_SITE)
    absent = report("parent_absent", T0 + minutes(61))
    left = check_in(K.LEFT, T0 + minutes(70), n=2)
    kinds = {d.kind for d in all_deadlines(on_site, pack(), day(DEPARTED, absent, left), left.at)}
    assert D.PARENT_ABSENT_WAIT not in kinds


def test_parent_late_limit_counts_from_the_arranged_time():
    on_site = visit(state=S.ON_SITE)
    late = report("parent_late", T0 + minutes(65), expected_at=T0 + minutes(80))
    nxt = next_deadline(on_site, pack(), day(DEPARTED, late), late.at)
    assert nxt is not None
    assert (nxt.kind, nxt.at) == (D.LATE_ARRIVAL_LIMIT, on_site.planned_start + minutes(30))


def test_parent_arriving_ends_the_late_limit():
    on_site = visit(state=S.ON_SITE)
    late = report("parent_late", T0 + minutes(65))
    present = report("parent_present", T0 + minutes(70))
    kinds = {d.kind for d in all_deadlines(on_site, pack(), day(DEPARTED, late, present), T0)}
    assert D.LATE_ARRIVAL_LIMIT not in kinds


def test_no_late_limit_when_the_pack_has_none():
    none = with_values(pack(), doorstep={"late_arrival_cancel_minutes": None})
    late = report("parent_late", T0 + minutes(65))
    found = all_deadlines(visit(state=S.ON_SITE), none, day(DEPARTED, late), late.at)
    assert D.LATE_ARRIVAL_LIMIT not in {d.kind for d in found}


def test_records_of_other_visits_and_the_future_are_ignored():
    other = check_in(K.RETURNED, T0 + minutes(55), visit_id="v-2", n=2)
    future = check_in(K.RETURNED, T0 + minutes(500), n=3)
    nxt = next_deadline(OUT, pack(), day(DEPARTED, other, future), LEFT_AT)
    assert nxt is not None
    assert nxt.kind is D.RETURN_DUE
