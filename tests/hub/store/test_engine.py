"""Engine settings: SQLite pragmas, and database errors that never echo row values."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from hub.store import Store, StoreError
from hub.store.engine import SQLITE_BUSY_TIMEOUT_MS, build_engine, is_sqlite_memory
from tests import factories


def test_sqlite_uses_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = build_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    try:
        with engine.connect() as db:
            assert db.scalar(text("PRAGMA journal_mode")) == "wal"
            assert db.scalar(text("PRAGMA foreign_keys")) == 1
            assert db.scalar(text("PRAGMA busy_timeout")) == SQLITE_BUSY_TIMEOUT_MS
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("url", "memory"),
    [("sqlite://", True), ("sqlite:///:memory:", True), ("sqlite:///x.db", False)],
)
def test_in_memory_sqlite_is_recognised(url: str, memory: bool) -> None:
    assert is_sqlite_memory(url) is memory


def test_store_errors_hold_no_row_values(store: Store) -> None:
    """PostgreSQL puts the failing row in its message; the store's error must not."""
    pupil = factories.pupil()
    statement = text(
        "INSERT INTO pupils (school_id, id, first_name, last_name) "
        "VALUES (:school, :id, :first, NULL)"
    )
    values = {"school": pupil.school_id, "id": "p-2", "first": pupil.first_name}
    with pytest.raises(StoreError) as raised:
        store._run("saving pupils", lambda session: session.execute(statement, values))
    message = str(raised.value)
    assert message.startswith("the database refused saving pupils")
    assert pupil.first_name not in message
    assert raised.value.__cause__ is None
    assert raised.value.__context__ is None
