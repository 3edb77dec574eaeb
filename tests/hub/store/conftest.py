"""Store fixtures: every store test runs on SQLite (a file in tmp_path) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.store import Store
from tests.hub.store import records


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'doorstep.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A migrated store holding the two test schools and nothing else."""
    opened = Store.open(database_url)
    try:
        opened.save_school(records.school(records.SCHOOL_A))
        opened.save_school(records.school(records.SCHOOL_B))
        yield opened
    finally:
        opened.close()
