"""Migrations: the migrated schema is exactly the models, and base ↔ head both ways works."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Engine, Integer, MetaData, String, inspect

from hub.store import Store, current_revision, downgrade, head_revision, upgrade
from hub.store.engine import build_engine
from hub.store.migrate import MIGRATIONS
from hub.store.tables import Base

TABLES = {table.name for table in Base.metadata.sorted_tables}


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    built = build_engine(database_url)
    yield built
    built.dispose()


def schema_diff(engine: Engine, metadata: MetaData = Base.metadata) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_migrated_schema_matches_the_models(database_url: str, engine: Engine) -> None:
    upgrade(database_url)
    assert schema_diff(engine) == []
    assert current_revision(engine) == head_revision()


def test_the_comparison_would_see_a_model_the_migration_lacks(
    database_url: str, engine: Engine
) -> None:
    upgrade(database_url)
    changed = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["visits"].append_column(Column("colour", String(10)))
    changed.tables["pupils"].c.year_group.type = Integer()
    diff = schema_diff(engine, changed)
    assert [entry[0] for entry in diff if isinstance(entry, tuple)] == ["add_column"]
    assert any(isinstance(entry, list) and entry[0][0] == "modify_type" for entry in diff)


def test_downgrade_to_base_then_upgrade_again(database_url: str, engine: Engine) -> None:
    upgrade(database_url)
    downgrade(database_url)
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    assert current_revision(engine) is None
    upgrade(database_url)
    assert set(inspect(engine).get_table_names()) >= TABLES
    assert schema_diff(engine) == []


def test_upgrade_twice_is_harmless(database_url: str, engine: Engine) -> None:
    upgrade(database_url)
    upgrade(database_url)
    assert current_revision(engine) == head_revision()


def test_store_open_migrates_and_can_leave_it_to_an_admin(database_url: str) -> None:
    with Store.open(database_url, migrate=False) as store:
        assert current_revision(store.engine) is None
    with Store.open(database_url) as store:
        assert current_revision(store.engine) == head_revision()


def test_migrations_do_not_depend_on_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    upgrade(f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert os.listdir(elsewhere) == []


def test_the_package_ships_its_migration_files() -> None:
    assert MIGRATIONS.is_relative_to(Path(__file__).parents[3] / "hub")
    for name in ("env.py", "script.py.mako", "alembic.ini", "versions/0001_initial.py"):
        assert (MIGRATIONS / name).is_file(), name


def test_in_memory_sqlite_store_works_on_one_shared_connection() -> None:
    with Store.open("sqlite://") as store:
        assert set(inspect(store.engine).get_table_names()) >= TABLES
