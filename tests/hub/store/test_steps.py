"""``Store.save_step``: a workflow step saved whole in one transaction, on both backends."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from hub.models import CheckInKind, OutcomeKind, Visit, VisitEventKind, VisitState
from hub.store import StaleVisitError, Store, UnknownRecordError
from hub.store.requests import IdempotentAnswer, KeyState, RequestStore
from hub.store.steps import VisitStep
from tests import factories
from tests.factories import T0
from tests.hub.store import records
from tests.hub.store.records import SCHOOL_A, SCHOOL_B

LATER = T0 + timedelta(hours=1)


def _scheduled(store: Store, visit_id: str = "v-1") -> None:
    store.save_visit(factories.visit(id=visit_id, state=VisitState.SCHEDULED, version=5))


def _on_site(visit_id: str = "v-1", version: int = 6) -> Visit:
    return factories.visit(id=visit_id, state=VisitState.ON_SITE, version=version)


def test_a_step_saves_the_visit_its_record_and_its_events_numbered_after_the_last(
    store: Store,
) -> None:
    _scheduled(store)
    assert store.append_event(records.event()) == 1
    arrived = factories.check_in(CheckInKind.ARRIVED, LATER)
    first = records.event(VisitEventKind.STATE_CHANGED, minutes=60)
    second = records.event(VisitEventKind.CHECK_IN, minutes=60)
    step = VisitStep(visit=_on_site(), events=(first, second), check_ins=(arrived,))

    assert store.save_step(step) == [2, 3]

    assert store.get_visit(SCHOOL_A, "v-1") == _on_site()
    assert store.check_ins(SCHOOL_A, "v-1") == [arrived]
    assert store.events(SCHOOL_A, "v-1")[1:] == [first, second]


def test_a_stale_step_saves_nothing_at_all(store: Store) -> None:
    _scheduled(store)
    store.save_visit(_on_site(version=7))
    late = VisitStep(
        visit=_on_site(version=6).model_copy(update={"state": VisitState.COMPLETED}),
        events=(records.event(VisitEventKind.CHECK_IN),),
        check_ins=(factories.check_in(CheckInKind.INTERVAL, LATER),),
    )

    with pytest.raises(StaleVisitError) as raised:
        store.save_step(late)

    assert (raised.value.given, raised.value.stored) == (6, 7)
    assert store.check_ins(SCHOOL_A, "v-1") == []
    assert store.events(SCHOOL_A, "v-1") == []
    assert store.get_visit(SCHOOL_A, "v-1") == _on_site(version=7)


def test_saving_the_same_step_again_changes_nothing_but_appends_its_events_again(
    store: Store,
) -> None:
    _scheduled(store)
    arrived = factories.check_in(CheckInKind.ARRIVED, LATER)
    step = VisitStep(visit=_on_site(), events=(records.event(),), check_ins=(arrived,))
    store.save_step(step)

    assert store.save_step(step) == [2]

    assert store.check_ins(SCHOOL_A, "v-1") == [arrived]
    assert store.get_visit(SCHOOL_A, "v-1") == _on_site()


def test_a_step_may_insert_a_new_visit_of_a_saved_school_only(store: Store) -> None:
    made = factories.visit(id="v-new")
    assert store.save_step(VisitStep(visit=made)) == []
    assert store.get_visit(SCHOOL_A, "v-new") == made

    stranger = factories.visit(id="v-x", school_id="no-such-school")
    with pytest.raises(UnknownRecordError):
        store.save_step(VisitStep(visit=stranger))


def test_records_and_events_of_another_visit_are_refused(store: Store) -> None:
    _scheduled(store)
    _scheduled(store, "v-2")
    other = factories.check_in(CheckInKind.INTERVAL, LATER, visit_id="v-2")
    with pytest.raises(UnknownRecordError):
        store.save_step(VisitStep(visit=_on_site(), check_ins=(other,)))
    with pytest.raises(UnknownRecordError):
        VisitStep(visit=_on_site(), events=(records.event(school_id=SCHOOL_B),))
    assert store.check_ins(SCHOOL_A, "v-2") == []


def test_each_kind_of_record_is_saved_as_its_own_save_method_saves_it(store: Store) -> None:
    _scheduled(store)
    first_ack = records.acknowledgement(minutes=90)
    again = records.acknowledgement(minutes=95)
    step = VisitStep(
        visit=_on_site(),
        doorstep_reports=(records.doorstep_report(),),
        acknowledgements=(first_ack,),
        outcome=records.outcome(OutcomeKind.UNSAFE),
        risk_assessment=records.risk_assessment(),
    )
    store.save_step(step)
    store.save_step(VisitStep(visit=_on_site(version=7), acknowledgements=(again,)))

    assert store.doorstep_reports(SCHOOL_A, "v-1") == [records.doorstep_report()]
    assert store.acknowledgements(SCHOOL_A, "v-1") == [first_ack]
    assert store.outcome_for(SCHOOL_A, "v-1") == records.outcome(OutcomeKind.UNSAFE)
    assert store.risk_assessment_for(SCHOOL_A, "v-1") == records.risk_assessment()


def test_a_step_keeps_the_idempotent_answer_in_its_own_transaction(store: Store) -> None:
    _scheduled(store)
    requests = RequestStore(store.engine, writer=store.writer)
    assert requests.begin("u-1", "key-1", "hash-1", T0).state is KeyState.NEW
    answer = IdempotentAnswer(principal="u-1", key="key-1", status=201, body='{"ok":true}')

    store.save_step(VisitStep(visit=_on_site(), answer=answer))

    replay = requests.begin("u-1", "key-1", "hash-1", T0)
    assert (replay.state, replay.status, replay.body) == (KeyState.REPLAY, 201, '{"ok":true}')


def test_a_failed_step_keeps_no_answer_and_the_key_stays_in_flight(store: Store) -> None:
    _scheduled(store)
    store.save_visit(_on_site(version=7))
    requests = RequestStore(store.engine, writer=store.writer)
    requests.begin("u-1", "key-1", "hash-1", T0)
    answer = IdempotentAnswer(principal="u-1", key="key-1", status=201, body="{}")

    with pytest.raises(StaleVisitError):
        store.save_step(VisitStep(visit=_on_site(version=6), answer=answer))

    assert requests.begin("u-1", "key-1", "hash-1", T0).state is KeyState.IN_FLIGHT


def test_events_a_step_saved_are_not_appended_again_inside_recorded(store: Store) -> None:
    _scheduled(store)
    saved = records.event(VisitEventKind.CHECK_IN)
    seqs = store.save_step(VisitStep(visit=_on_site(), events=(saved,)))
    equal_but_new = saved.model_copy()

    with store.recorded((saved,), seqs):
        assert store.append_event(saved) == 1
        assert store.append_event(equal_but_new) == 2
    assert store.append_event(saved) == 3

    assert len(store.events(SCHOOL_A, "v-1")) == 3


def test_the_writer_is_exclusive_on_sqlite_only(store: Store) -> None:
    assert store.writer.exclusive is (store.engine.dialect.name == "sqlite")


def test_steps_from_many_threads_at_once_all_land_numbered_one_after_another(
    store: Store,
) -> None:
    _scheduled(store)
    for n in range(8):
        _scheduled(store, f"v-{n + 2}")
    failures: list[Exception] = []
    start = threading.Barrier(8)

    def check_in_eight_times(index: int) -> None:
        visit_id = f"v-{index + 2}"
        start.wait()
        for n in range(8):
            made = records.event(VisitEventKind.CHECK_IN, visit_id=visit_id, minutes=n)
            step = VisitStep(
                visit=_on_site(visit_id, version=6 + n),
                events=(made,),
                check_ins=(
                    factories.check_in(
                        CheckInKind.INTERVAL, LATER, visit_id=visit_id, n=index * 10 + n
                    ),
                ),
            )
            try:
                store.save_step(step)
            except Exception as exc:
                failures.append(exc)

    threads = [threading.Thread(target=check_in_eight_times, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    for n in range(8):
        visit_id = f"v-{n + 2}"
        assert len(store.check_ins(SCHOOL_A, visit_id)) == 8
        assert [e.at for e in store.events(SCHOOL_A, visit_id)] == [
            T0 + timedelta(minutes=m) for m in range(8)
        ]
        assert store.get_visit(SCHOOL_A, visit_id) == _on_site(visit_id, version=13)
