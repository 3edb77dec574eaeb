"""Visit events: append-only, numbered per visit, scoped by school, refused by the database
if anything tries to change them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from hub.models import VisitEventKind
from hub.store import Store, UnknownRecordError
from tests import factories
from tests.hub.store import records
from tests.hub.store.records import SCHOOL_A, SCHOOL_B


@pytest.fixture
def with_visits(store: Store) -> Store:
    store.save_visit(factories.visit())
    store.save_visit(factories.visit(id="v-2"))
    store.save_visit(factories.visit(school_id=SCHOOL_B))
    return store


def test_sequence_numbers_increase_per_visit(with_visits: Store) -> None:
    kinds = [VisitEventKind.REQUESTED, VisitEventKind.ASSESSED, VisitEventKind.SUBMITTED]
    numbers = [
        with_visits.append_event(records.event(kind, minutes=i)) for i, kind in enumerate(kinds)
    ]
    assert numbers == [1, 2, 3]
    assert with_visits.append_event(records.event(visit_id="v-2")) == 1
    assert with_visits.append_event(records.event(school_id=SCHOOL_B)) == 1
    assert [e.kind for e in with_visits.events(SCHOOL_A, "v-1")] == kinds


def test_events_round_trip_with_their_data(with_visits: Store) -> None:
    event = records.event()
    with_visits.append_event(event)
    assert with_visits.events(SCHOOL_A, "v-1") == [event]


def test_events_are_scoped_by_school(with_visits: Store) -> None:
    with_visits.append_event(records.event(school_id=SCHOOL_B, minutes=1))
    assert with_visits.events(SCHOOL_A, "v-1") == []
    assert len(with_visits.events(SCHOOL_B, "v-1")) == 1


def test_an_event_for_an_unknown_visit_is_refused(with_visits: Store) -> None:
    with pytest.raises(UnknownRecordError, match="holds no visit v-404"):
        with_visits.append_event(records.event(visit_id="v-404"))
    with pytest.raises(UnknownRecordError):
        with_visits.append_event(records.event(visit_id="v-2", school_id=SCHOOL_B))


def test_concurrent_appends_get_distinct_consecutive_numbers(
    with_visits: Store, database_url: str
) -> None:
    other = Store.open(database_url, migrate=False)
    try:
        writers = [with_visits, other] * 5
        with ThreadPoolExecutor(max_workers=4) as pool:
            numbers = list(
                pool.map(
                    lambda pair: pair[1].append_event(records.event(minutes=pair[0])),
                    enumerate(writers),
                )
            )
    finally:
        other.close()
    assert sorted(numbers) == list(range(1, 11))
    assert len(with_visits.events(SCHOOL_A, "v-1")) == 10


@pytest.mark.parametrize(
    "statement",
    ["UPDATE visit_events SET kind = 'closed'", "DELETE FROM visit_events"],
    ids=["update", "delete"],
)
def test_the_database_refuses_to_change_events(with_visits: Store, statement: str) -> None:
    with_visits.append_event(records.event())
    with pytest.raises(DBAPIError, match="append-only"), with_visits.engine.begin() as db:
        db.execute(text(statement))
    assert with_visits.events(SCHOOL_A, "v-1") == [records.event()]
