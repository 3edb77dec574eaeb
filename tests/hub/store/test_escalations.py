"""The engine's hot path in the store: visits with their records, one escalation saved whole."""

from __future__ import annotations

from datetime import timedelta

from hub.engine.records import Board, BoardState
from hub.models import CheckInKind, VisitEvent, VisitEventKind, VisitState
from hub.store import Store
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
