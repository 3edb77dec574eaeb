"""The engine's hot path in the store: visits with their records (all of them, or what
planning needs), one escalation saved whole."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.engine.records import Board, BoardState
from hub.models import (
    Acknowledgement,
    CheckIn,
    CheckInKind,
    DoorstepReport,
    VisitEvent,
    VisitEventKind,
    VisitState,
)
from hub.store import Store
from hub.store.escalations import PlanningRecords, VisitRecords
from hub.workflow import OnTheDay, all_deadlines
from tests import factories
from tests.factories import T0
from tests.hub.store import records
from tests.hub.store.records import SCHOOL_A, SCHOOL_B

LATER = T0 + timedelta(hours=1)


def _out(store: Store, visit_id: str = "v-1") -> None:
    store.save_visit(factories.visit(id=visit_id, state=VisitState.DEPARTED, version=5))


def _escalated(key: str, visit_id: str = "v-1") -> VisitEvent:
    return VisitEvent(
        school_id=SCHOOL_A,
        visit_id=visit_id,
        kind=VisitEventKind.ESCALATED,
        at=LATER,
        actor="engine",
        data={"key": key, "rung": 1},
    )


def _board(state: Board = Board.ESCALATED, visit_id: str = "v-1") -> BoardState:
    return BoardState(school_id=SCHOOL_A, visit_id=visit_id, state=state, since=LATER, rung=1)


def test_a_visit_is_read_with_its_records_in_order(store: Store) -> None:
    _out(store)
    late = factories.check_in(CheckInKind.ARRIVED, LATER, n=2)
    early = factories.check_in(CheckInKind.DEPARTED, T0, n=1)
    store.save_check_in(SCHOOL_A, late)
    store.save_check_in(SCHOOL_A, early)
    store.save_doorstep_report(SCHOOL_A, records.doorstep_report())
    store.save_acknowledgement(SCHOOL_A, records.acknowledgement())

    found = store.visit_records(SCHOOL_A, "v-1")

    assert found is not None
    assert found.visit == store.get_visit(SCHOOL_A, "v-1")
    assert found.check_ins == (early, late)
    assert found.reports == (records.doorstep_report(),)
    assert found.acknowledgements == (records.acknowledgement(),)
    assert store.visit_records(SCHOOL_B, "v-1") is None
    assert store.visit_records(SCHOOL_A, "v-404") is None


def test_the_visits_out_come_with_their_own_records_only(store: Store) -> None:
    _out(store, "v-1")
    _out(store, "v-2")
    store.save_visit(factories.visit(id="v-3", state=VisitState.CLOSED, version=5))
    mine = factories.check_in(CheckInKind.DEPARTED, T0, visit_id="v-2")
    store.save_check_in(SCHOOL_A, mine)

    out = store.visits_out(SCHOOL_A, (VisitState.DEPARTED, VisitState.ON_SITE))

    assert [found.visit.id for found in out] == ["v-1", "v-2"]
    assert out[0].check_ins == ()
    assert out[1].check_ins == (mine,)
    assert store.visits_out(SCHOOL_B, (VisitState.DEPARTED,)) == []


def test_an_escalation_saves_the_board_and_its_event_once_per_key(store: Store) -> None:
    _out(store)
    visit = store.get_visit(SCHOOL_A, "v-1")
    assert visit is not None
    assert store.append_event(records.event()) == 1
    event = _escalated("k-1")

    assert store.save_escalation(visit, "k-1", (event,), _board(), lambda _shown: True) == [2]
    again = store.save_escalation(
        visit, "k-1", (_escalated("k-1"),), _board(Board.CHANNELS_FAILING), lambda _shown: True
    )

    assert again is None
    kinds = [e.kind for e in store.events(SCHOOL_A, "v-1")]
    assert kinds == [VisitEventKind.REQUESTED, VisitEventKind.ESCALATED]
    shown = store.board_state(SCHOOL_A, "v-1")
    assert shown is not None
    assert shown.state is Board.CHANNELS_FAILING  # a later round still moves the board


def test_the_board_stays_when_keep_says_so_and_the_event_is_still_saved(store: Store) -> None:
    _out(store)
    visit = store.get_visit(SCHOOL_A, "v-1")
    assert visit is not None
    store.set_board_state(_board(Board.EXHAUSTED))
    seen: list[BoardState | None] = []

    def keep(shown: BoardState | None) -> bool:
        seen.append(shown)
        return False

    assert store.save_escalation(visit, "k-2", (_escalated("k-2"),), _board(), keep) == [1]
    shown = store.board_state(SCHOOL_A, "v-1")
    assert shown is not None
    assert shown.state is Board.EXHAUSTED
    assert seen == [_board(Board.EXHAUSTED)]


def test_an_event_announced_as_recorded_is_not_appended_again(store: Store) -> None:
    _out(store)
    visit = store.get_visit(SCHOOL_A, "v-1")
    assert visit is not None
    event = _escalated("k-3")
    seqs = store.save_escalation(visit, "k-3", (event,), _board(), lambda _shown: True)
    assert seqs == [1]

    with store.recorded((event,), seqs):
        assert store.append_event(event) == 1

    assert len(store.events(SCHOOL_A, "v-1")) == 1


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_planning_reads_only_the_check_ins_the_deadline_calculator_looks_at(
    store: Store,
) -> None:
    _out(store)
    _out(store, "v-2")
    kinds = [
        (CheckInKind.DEPARTED, False),
        (CheckInKind.INTERVAL, False),
        (CheckInKind.INTERVAL, True),
        (CheckInKind.INTERVAL, False),
        (CheckInKind.LEFT, False),
        (CheckInKind.INTERVAL, False),
        (CheckInKind.ARRIVED, False),
    ]
    made = [
        factories.check_in(kind, _at(10 * n), duress=duress, n=n)
        for n, (kind, duress) in enumerate(kinds, start=1)
    ]
    later = factories.check_in(CheckInKind.INTERVAL, _at(200), n=99)
    elsewhere = factories.check_in(CheckInKind.RETURNED, _at(15), visit_id="v-2", n=50)
    for check_in in (*reversed(made), later, elsewhere):
        store.save_check_in(SCHOOL_A, check_in)
    store.save_doorstep_report(SCHOOL_A, records.doorstep_report())
    store.save_acknowledgement(SCHOOL_A, records.acknowledgement())

    found = store.planning_records(SCHOOL_A, "v-1", _at(100))

    assert found is not None
    assert found.visit == store.get_visit(SCHOOL_A, "v-1")
    duress, left, before_last, last = made[2], made[4], made[5], made[6]
    assert found.check_ins == (duress, left, before_last, last)
    assert found.reports == (records.doorstep_report(),)
    assert found.acknowledgements == (records.acknowledgement(),)
    assert store.planning_records(SCHOOL_B, "v-1", _at(100)) is None
    assert store.planning_records(SCHOOL_A, "v-404", _at(100)) is None


PACK = factories.pack()
KINDS = list(CheckInKind)
_visits = itertools.count()


Day = tuple[str, list[CheckIn], list[DoorstepReport], list[Acknowledgement]]


@st.composite
def days(draw: st.DrawFn) -> Day:
    """A new visit id, check-ins of every kind (some duress, some at the same time),
    doorstep reports and acknowledgements of that visit."""
    visit_id = f"pv-{next(_visits)}"
    times = st.integers(-30, 300).map(_at)
    check_ins = [
        factories.check_in(
            draw(st.sampled_from(KINDS)), draw(times), visit_id=visit_id, duress=draw(st.booleans())
        ).model_copy(update={"id": f"{visit_id}-{n}"})
        for n in range(draw(st.integers(0, 12)))
    ]
    reports = [
        DoorstepReport(visit_id=visit_id, kind=kind, at=draw(times))
        for kind in draw(st.lists(st.sampled_from(["parent_absent", "parent_late"]), max_size=2))
    ]
    acks = [
        Acknowledgement(visit_id=visit_id, rung=rung, by=f"s-{n}", at=draw(times))
        for n, rung in enumerate(draw(st.lists(st.integers(1, 3), max_size=3)))
    ]
    return visit_id, check_ins, reports, acks


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    days(),
    st.sampled_from([VisitState.DEPARTED, VisitState.ON_SITE, VisitState.RETURNED]),
    st.integers(0, 300),
    st.sampled_from(KINDS),
    st.booleans(),
    st.integers(0, 12),
)
def test_planning_from_the_records_read_is_planning_from_every_record(
    store: Store,
    day: Day,
    state: VisitState,
    now_minutes: int,
    kind: CheckInKind,
    duress: bool,
    reuse: int,
) -> None:
    """Also with one more check-in made by now, new or saved again under an id read."""
    visit_id, check_ins, reports, acks = day
    store.save_visit(factories.visit(id=visit_id, state=state, version=5))
    for check_in in check_ins:
        store.save_check_in(SCHOOL_A, check_in)
    for report in reports:
        store.save_doorstep_report(SCHOOL_A, report)
    for ack in acks:
        store.save_acknowledgement(SCHOOL_A, ack)
    now = _at(now_minutes)
    every = store.visit_records(SCHOOL_A, visit_id)
    found = store.planning_records(SCHOOL_A, visit_id, now)
    assert every is not None
    assert found is not None
    assert found.visit == every.visit
    assert len(found.check_ins) <= len(every.check_ins)

    def plan(ins: Sequence[CheckIn], records_: VisitRecords | PlanningRecords) -> object:
        day = OnTheDay(
            check_ins=tuple(ins),
            reports=records_.reports,
            acknowledgements=records_.acknowledgements,
        )
        return all_deadlines(records_.visit, PACK, day, now)

    assert plan(found.check_ins, found) == plan(every.check_ins, every)
    ids = [c.id for c in every.check_ins]
    new_id = ids[reuse] if reuse < len(ids) else f"{visit_id}-new"
    new = factories.check_in(kind, now - timedelta(minutes=reuse), visit_id=visit_id, duress=duress)
    new = new.model_copy(update={"id": new_id})

    def adding(ins: Sequence[CheckIn]) -> list[CheckIn]:
        return [*(c for c in ins if c.id != new_id), new]

    assert plan(adding(found.check_ins), found) == plan(adding(every.check_ins), every)
