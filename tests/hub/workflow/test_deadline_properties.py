"""Hypothesis properties of the deadline calculator, over varied packs and check-in histories.

- no check-in history makes a deadline earlier than the pack allows;
- adding a check-in never brings the overdue ladder forward;
- the rungs due by any ``now`` are 1..k of the ladder, in order, never skipping one;
- a duress check-in always yields an immediate escalation at the duress rung.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.models import CheckIn, CheckInKind, VisitState
from hub.policy import PolicyPack
from hub.workflow.deadlines import DeadlineKind, OnTheDay, all_deadlines, next_deadline, rungs_due
from tests.factories import T0, check_in, pack, visit
from tests.hub.workflow.builders import ack, minutes, with_values

BASE = pack()
VISIT = visit(state=VisitState.ON_SITE)
D = DeadlineKind
NOT_RETURNED = [kind for kind in CheckInKind if kind is not CheckInKind.RETURNED]


@st.composite
def packs(draw: st.DrawFn) -> PolicyPack:
    windows = draw(st.lists(st.integers(1, 30), min_size=1, max_size=5))
    rungs = [
        {**BASE.escalation.rungs[0].model_dump(), "name": f"rung-{n}", "ack_window_minutes": w}
        for n, w in enumerate(windows, start=1)
    ]
    return with_values(
        BASE,
        check_ins={"interval_minutes": draw(st.none() | st.integers(5, 240))},
        overdue={"grace_minutes": draw(st.integers(1, 60))},
        escalation={"rungs": rungs},
        duress={"rung": f"rung-{draw(st.integers(1, len(windows)))}"},
    )


@st.composite
def histories(draw: st.DrawFn, max_size: int = 6) -> list[CheckIn]:
    """A departure from T0+30 onwards and later check-ins, none of them a return."""
    offsets = sorted(draw(st.lists(st.integers(0, 600), max_size=max_size)))
    ins = [check_in(CheckInKind.DEPARTED, T0 + minutes(30), n=0)]
    for n, offset in enumerate(offsets, start=1):
        kind = draw(st.sampled_from(NOT_RETURNED))
        ins.append(check_in(kind, T0 + minutes(30 + offset), n=n))
    return ins


def overdue_start(p: PolicyPack, ins: list[CheckIn], now: timedelta) -> datetime:
    deadlines = all_deadlines(VISIT, p, OnTheDay(check_ins=tuple(ins)), T0 + now)
    firsts = [d.at for d in deadlines if d.kind is D.OVERDUE and d.rung == 1]
    assert len(firsts) == 1
    return firsts[0]


@settings(max_examples=200, deadline=None)
@given(packs(), histories(), st.integers(0, 1200))
def test_no_check_in_history_brings_a_deadline_before_the_pack_allows(p, ins, now_offset):
    now = T0 + minutes(30 + now_offset)
    seen = [c for c in ins if c.at <= now]
    last = seen[-1].at
    grace = minutes(p.overdue.grace_minutes)
    interval = p.check_ins.interval_minutes
    deadlines = all_deadlines(VISIT, p, OnTheDay(check_ins=tuple(ins)), now)
    for deadline in deadlines:
        if deadline.kind is D.CHECK_IN_DUE:
            assert interval is not None
            assert deadline.at == last + minutes(interval)
        if deadline.kind is D.RETURN_DUE:
            assert deadline.at >= last
            assert deadline.at in (VISIT.planned_end, last)
        if deadline.kind is D.OVERDUE:
            assert deadline.at >= last + grace
            expected = [VISIT.planned_end] if last < VISIT.planned_end else [last]
            if interval is not None:
                expected.append(last + minutes(interval))
            assert deadline.at >= min(expected) + grace


@settings(max_examples=200, deadline=None)
@given(packs(), histories(), st.integers(0, 600), st.sampled_from(NOT_RETURNED))
def test_another_check_in_never_brings_the_ladder_forward(p, ins, later, kind):
    extra = check_in(kind, ins[-1].at + minutes(later), n=99)
    now = extra.at - T0
    before = overdue_start(p, ins, now)
    after = overdue_start(p, [*ins, extra], now)
    assert after >= before


@settings(max_examples=300, deadline=None)
@given(
    packs(),
    histories(max_size=3),
    st.integers(0, 200),
    st.none() | st.tuples(st.integers(1, 5), st.integers(-10, 120)),
)
def test_rungs_due_are_a_prefix_of_the_ladder(p, ins, after_start, acknowledged):
    start = overdue_start(p, ins, ins[-1].at - T0)
    now = start + minutes(after_start)
    acks = []
    if acknowledged is not None:
        acks.append(
            ack(min(acknowledged[0], len(p.escalation.rungs)), start + minutes(acknowledged[1]))
        )
    day = OnTheDay(check_ins=tuple(ins), acknowledgements=tuple(acks))
    due = rungs_due(VISIT, p, day, now)
    ladder = [d for d in due if d.kind is D.OVERDUE]
    assert [d.rung for d in ladder] == list(range(1, len(ladder) + 1))
    assert [d.at for d in ladder] == sorted(d.at for d in ladder)
    assert all(d.at <= now for d in due)
    stop = next((a.at for a in acks if start <= a.at <= now), None)
    if stop is not None:
        assert all(d.at < stop for d in due if d.rung != 1), "a rung ran after the acknowledgement"
    if any(d.kind is D.LADDER_EXHAUSTED for d in due):
        assert len(ladder) == len(p.escalation.rungs)


@settings(max_examples=200, deadline=None)
@given(packs(), histories(), st.sampled_from(list(CheckInKind)), st.integers(0, 120))
def test_duress_always_escalates_at_once_at_the_duress_rung(p, ins, kind, later):
    duress = check_in(kind, ins[-1].at + minutes(1), duress=True, n=99)
    day = OnTheDay(check_ins=(*ins, duress))
    rung = p.rung_number(p.duress.rung)
    nxt = next_deadline(VISIT, p, day, duress.at)
    assert nxt is not None
    assert (nxt.kind, nxt.rung, nxt.at) == (D.DURESS, rung, duress.at)
    due = rungs_due(VISIT, p, day, duress.at + minutes(later))
    duress_rungs = [d.rung for d in due if d.kind is D.DURESS and d.started_at == duress.at]
    assert duress_rungs[0] == rung
    assert duress_rungs == list(range(rung, rung + len(duress_rungs)))
