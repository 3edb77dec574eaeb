"""Visits: school scoping, listing by state, optimistic concurrency on ``Visit.version``."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.models import VisitState
from hub.store import StaleVisitError, Store
from tests import factories
from tests.hub.store.records import SCHOOL_A, SCHOOL_B


def test_school_a_cannot_read_school_b_visit(store: Store) -> None:
    store.save_visit(factories.visit(id="v-b", school_id=SCHOOL_B))
    assert store.get_visit(SCHOOL_A, "v-b") is None
    assert store.list_visits(SCHOOL_A) == []
    assert [v.id for v in store.list_visits(SCHOOL_B)] == ["v-b"]


def test_two_schools_may_use_the_same_visit_id(store: Store) -> None:
    mine = factories.visit()
    theirs = factories.visit(school_id=SCHOOL_B, pupil_id="p-other", staff_ids=("t-1", "t-2"))
    store.save_visit(mine)
    store.save_visit(theirs)
    assert store.get_visit(SCHOOL_A, "v-1") == mine
    assert store.get_visit(SCHOOL_B, "v-1") == theirs


def test_list_visits_filters_by_state_in_planned_order(store: Store) -> None:
    later = factories.visit(
        id="v-later",
        planned_start=factories.T0 + timedelta(hours=3),
        planned_end=factories.T0 + timedelta(hours=4),
    )
    early = factories.visit(id="v-early", state=VisitState.AUTHORISED)
    closed = factories.visit(id="v-closed", state=VisitState.CLOSED)
    for visit in (later, early, closed):
        store.save_visit(visit)
    assert [v.id for v in store.list_visits(SCHOOL_A)] == ["v-closed", "v-early", "v-later"]
    wanted = {VisitState.REQUESTED, VisitState.AUTHORISED}
    assert [v.id for v in store.list_visits(SCHOOL_A, states=wanted)] == ["v-early", "v-later"]
    assert store.list_visits(SCHOOL_A, states=[]) == []


def test_a_newer_version_replaces_the_stored_visit(store: Store) -> None:
    store.save_visit(factories.visit())
    assessed = factories.visit(state=VisitState.ASSESSED, version=2)
    store.save_visit(assessed)
    assert store.get_visit(SCHOOL_A, "v-1") == assessed


def test_saving_an_older_version_raises_a_clear_error(store: Store) -> None:
    store.save_visit(factories.visit(state=VisitState.AUTHORISED, version=3))
    with pytest.raises(StaleVisitError) as raised:
        store.save_visit(factories.visit(state=VisitState.WITHDRAWN, version=2))
    assert (raised.value.given, raised.value.stored) == (2, 3)
    assert "version 2 is not newer than the stored version 3" in str(raised.value)
    assert store.get_visit(SCHOOL_A, "v-1") == factories.visit(
        state=VisitState.AUTHORISED, version=3
    )


def test_two_writers_from_the_same_version_one_loses(store: Store) -> None:
    store.save_visit(factories.visit())
    store.save_visit(factories.visit(state=VisitState.ASSESSED, version=2))
    with pytest.raises(StaleVisitError):
        store.save_visit(factories.visit(state=VisitState.WITHDRAWN, version=2))


def test_saving_the_same_version_again_is_a_harmless_retry(store: Store) -> None:
    visit = factories.visit(version=4)
    store.save_visit(visit)
    store.save_visit(visit)
    assert store.get_visit(SCHOOL_A, "v-1") == visit


def test_versions_are_counted_per_school(store: Store) -> None:
    store.save_visit(factories.visit(version=5))
    store.save_visit(factories.visit(school_id=SCHOOL_B, version=1))
    store.save_visit(factories.visit(school_id=SCHOOL_B, state=VisitState.ASSESSED, version=2))
    b_visit = store.get_visit(SCHOOL_B, "v-1")
    assert b_visit is not None
    assert b_visit.version == 2
