"""Times go in aware and come back aware UTC, on SQLite as on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, Table, insert, select, text
from sqlalchemy.exc import StatementError

from hub.store import Store
from hub.store.engine import build_engine
from hub.store.types import AwareDateTime
from tests import factories
from tests.hub.store.records import SCHOOL_A

LONDON = ZoneInfo("Europe/London")
SUMMER = datetime(2026, 7, 1, 14, 30, tzinfo=LONDON)
"""14:30 BST is 13:30 UTC."""

times = Table(
    "aware_times",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("at", AwareDateTime),
)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    built = build_engine(database_url)
    times.create(built)
    yield built
    times.drop(built)
    built.dispose()


def test_a_bst_time_is_stored_as_the_same_instant_in_utc(engine: Engine) -> None:
    with engine.begin() as db:
        db.execute(insert(times).values(id=1, at=SUMMER))
        stored = db.scalar(select(times.c.at))
    assert stored == SUMMER
    assert stored.tzinfo is UTC
    assert stored.hour == 13


def test_a_naive_time_is_refused(engine: Engine) -> None:
    with pytest.raises(StatementError, match="naive datetime"), engine.begin() as db:
        db.execute(insert(times).values(id=1, at=datetime(2026, 7, 1, 14, 30)))


@pytest.mark.postgres
def test_postgres_session_time_zone_does_not_leak_into_results(postgres_url: str) -> None:
    engine = build_engine(postgres_url)
    try:
        times.create(engine)
        with engine.begin() as db:
            db.execute(text("SET TIME ZONE 'Asia/Tokyo'"))
            db.execute(insert(times).values(id=1, at=SUMMER))
            stored = db.scalar(select(times.c.at))
    finally:
        engine.dispose()
    assert stored == SUMMER
    assert stored.tzinfo is UTC


def test_visit_times_come_back_aware_utc(store: Store) -> None:
    start = SUMMER
    visit = factories.visit(
        planned_start=start,
        planned_end=start + timedelta(hours=1),
        requested_at=start - timedelta(days=1),
    )
    store.save_visit(visit)
    loaded = store.get_visit(SCHOOL_A, "v-1")
    assert loaded == visit
    assert loaded is not None
    for value in (loaded.planned_start, loaded.planned_end, loaded.requested_at):
        assert value.tzinfo is UTC
