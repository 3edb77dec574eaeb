"""The runtime's plan cache for the sweeper: the same answer as planning afresh, every tick."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from hub.engine.plan import plan_visit
from hub.engine.runtime import Runtime
from hub.models import Acknowledgement, CheckInKind, Visit, VisitState
from hub.policy import PolicyPack
from hub.store import Store
from hub.workflow import OnTheDay
from tests import factories
from tests.factories import T0
from tests.hub.engine.harness import config_for

END = T0 + timedelta(hours=2)


def _runtime(tmp_path: Path, store: Store) -> Runtime:
    def no_hooks(school_id: str) -> object:
        raise AssertionError(f"the plan cache needs no hooks ({school_id})")

    return Runtime(config=config_for(tmp_path), store=store, hooks_for=no_hooks)  # type: ignore[arg-type]


def _out() -> Visit:
    return factories.visit(state=VisitState.DEPARTED, version=3)


def test_the_cached_plan_answers_as_planning_afresh_through_deadlines_and_changes(
    tmp_path: Path, store: Store, pack: PolicyPack
) -> None:
    runtime = _runtime(tmp_path, store)
    visit, day = _out(), OnTheDay()
    back = factories.check_in(CheckInKind.RETURNED, END + timedelta(minutes=3))
    acked = Acknowledgement(visit_id="v-1", rung=1, by="s-3", at=END + timedelta(minutes=4))
    ticks: list[tuple[Visit, OnTheDay, datetime]] = [
        (visit, day, END - timedelta(minutes=5)),
        (visit, day, END),  # nothing passed yet: the cached plan
        (visit, day, END + timedelta(minutes=2)),  # the grace is over: rung 1 due
        (visit, day, END + timedelta(minutes=2, seconds=1)),
        (visit, OnTheDay(acknowledgements=(acked,)), END + timedelta(minutes=5)),
        (visit, OnTheDay(check_ins=(back,)), END + timedelta(minutes=6)),
        (visit.model_copy(update={"state": VisitState.RETURNED}), day, END + timedelta(minutes=7)),
        (visit, day, END + timedelta(hours=3)),  # later rungs passed meanwhile
    ]
    answers = []
    for this, records, now in ticks:
        ((seen, due),) = runtime.due_now(pack, [(this, records)], now)
        assert seen is this
        assert due == plan_visit(this, pack, records, now).due
        answers.append(due)

    assert answers[0] == ()
    assert answers[2] != ()
    assert answers[3] == answers[2]


def test_a_record_dated_after_the_last_tick_is_not_answered_from_the_cache(
    tmp_path: Path, store: Store, pack: PolicyPack
) -> None:
    runtime = _runtime(tmp_path, store)
    visit = _out()
    ack = Acknowledgement(visit_id="v-1", rung=1, by="s-3", at=END + timedelta(minutes=3))
    records = OnTheDay(acknowledgements=(ack,))
    first = END + timedelta(minutes=2)
    later = END + timedelta(minutes=40)

    runtime.due_now(pack, [(visit, records)], first)
    ((_seen, due),) = runtime.due_now(pack, [(visit, records)], later)

    assert due == plan_visit(visit, pack, records, later).due


def test_plans_of_visits_no_longer_out_are_forgotten(
    tmp_path: Path, store: Store, pack: PolicyPack
) -> None:
    runtime = _runtime(tmp_path, store)
    one, two = _out(), factories.visit(id="v-2", state=VisitState.DEPARTED)
    runtime.due_now(pack, [(one, OnTheDay()), (two, OnTheDay())], END)

    runtime.forget_plans(one.school_id, ["v-2"])

    assert set(runtime._plans) == {(two.school_id, "v-2")}
