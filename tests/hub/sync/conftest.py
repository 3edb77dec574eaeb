"""Sync fixtures: a migrated store holding the test school, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.models import School
from hub.store import Store
from tests.factories import SCHOOL


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'doorstep.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def school() -> School:
    return School(id=SCHOOL, name="St Michael's", policy_pack=SCHOOL)


@pytest.fixture
def store(database_url: str, school: School) -> Iterator[Store]:
    """A migrated store holding the test school and nothing else."""
    opened = Store.open(database_url)
    try:
        opened.save_school(school)
        opened.save_school(School(id="other-school", name="Other", policy_pack=SCHOOL))
        yield opened
    finally:
        opened.close()
