"""The store's sync cache: pupils, contacts, attendance and runs written in one go."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hub.hooks.types import AttendanceSummary
from hub.store import Store, UnknownRecordError
from hub.sync.records import SyncCounts, SyncMode, SyncRun, SyncStatus
from tests import factories
from tests.factories import SCHOOL, T0


def run(run_id: str = "run-1", *, status: SyncStatus = SyncStatus.SUCCEEDED, at=T0) -> SyncRun:
    return SyncRun(
        school_id=SCHOOL,
        id=run_id,
        mode=SyncMode.FULL,
        status=status,
        started_at=at,
        finished_at=at + timedelta(seconds=3),
        high_water_mark=at - timedelta(minutes=5) if status is SyncStatus.SUCCEEDED else None,
        counts=SyncCounts(pulled=2, added=2, contacts=1),
    )


def summary(pupil_id: str, attended: int = 90) -> AttendanceSummary:
    return AttendanceSummary(
        pupil_id=pupil_id,
        since=date(2026, 8, 23),
        until=date(2026, 11, 23),
        possible_sessions=100,
        attended_sessions=attended,
    )


def test_apply_sync_writes_pupils_contacts_attendance_and_the_run(store: Store) -> None:
    faker = factories.fake(7)
    pupils = [factories.pupil("p-1", faker=faker), factories.pupil("p-2", faker=faker)]
    contact = factories.contact("p-1", faker=faker)
    store.apply_sync(
        run(), added=pupils, contacts={"p-1": [contact], "p-2": []}, attendance=[summary("p-1")]
    )
    assert store.cached_pupils(SCHOOL) == {p.id: p for p in pupils}
    assert store.cached_pupils(SCHOOL, ids=["p-2", "p-9"]) == {"p-2": pupils[1]}
    assert store.count_pupils(SCHOOL) == 2
    assert store.count_pupils("other-school") == 0
    assert store.contacts_of(SCHOOL, "p-1") == [contact]
    assert store.contacts_of(SCHOOL, "p-2") == []
    assert store.attendance_of(SCHOOL, "p-1") == summary("p-1")
    assert store.last_sync_run(SCHOOL) == run()


def test_changed_pupils_replace_their_rows_and_removed_ones_go_with_their_records(
    store: Store,
) -> None:
    faker = factories.fake(8)
    first, second = factories.pupil("p-1", faker=faker), factories.pupil("p-2", faker=faker)
    store.apply_sync(
        run("run-1"),
        added=[first, second],
        contacts={"p-1": [factories.contact("p-1", faker=faker)]},
        attendance=[summary("p-1"), summary("p-2")],
    )
    moved = first.model_copy(update={"year_group": "10"})
    new_contact = factories.contact("p-1", faker=faker).model_copy(update={"id": "c-new"})
    store.apply_sync(
        run("run-2", at=T0 + timedelta(days=1)),
        changed=[moved],
        removed=["p-2"],
        contacts={"p-1": [new_contact]},
        attendance=[summary("p-1", attended=80)],
    )
    assert store.cached_pupils(SCHOOL) == {"p-1": moved}
    assert store.contacts_of(SCHOOL, "p-1") == [new_contact]
    assert store.attendance_of(SCHOOL, "p-1") == summary("p-1", attended=80)
    assert store.attendance_of(SCHOOL, "p-2") is None
    assert [r.id for r in store.sync_runs(SCHOOL)] == ["run-2", "run-1"]


def test_a_pupil_of_another_school_is_refused_and_nothing_is_written(store: Store) -> None:
    stranger = factories.pupil("p-1", school_id="other-school")
    with pytest.raises(UnknownRecordError, match="not of school"):
        store.apply_sync(run(), added=[stranger])
    assert store.cached_pupils(SCHOOL) == {}
    assert store.last_sync_run(SCHOOL, status=None) is None


def test_last_sync_run_skips_failed_runs_unless_asked(store: Store) -> None:
    store.apply_sync(run("good", at=T0))
    failed = run("bad", status=SyncStatus.FAILED, at=T0 + timedelta(hours=1))
    store.save_sync_run(failed.model_copy(update={"error": "TransientError"}))
    last = store.last_sync_run(SCHOOL)
    assert last is not None
    assert last.id == "good"
    latest = store.last_sync_run(SCHOOL, status=None)
    assert latest is not None
    assert latest.error == "TransientError"
    assert store.last_sync_run("other-school") is None


def test_many_pupils_are_written_and_read_in_chunks(store: Store) -> None:
    faker = factories.fake(9)
    pupils = [factories.pupil(f"p-{n}", faker=faker) for n in range(1, 1202)]
    store.apply_sync(run(), added=pupils)
    ids = [p.id for p in pupils]
    assert len(store.cached_pupils(SCHOOL, ids=ids)) == 1201
    store.apply_sync(run("run-2", at=T0 + timedelta(days=1)), removed=ids[:1100])
    assert store.count_pupils(SCHOOL) == 101
