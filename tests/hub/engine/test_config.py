"""Engine settings: where DBOS keeps its state, the pinned version, the scaled clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub.engine.config import ENGINE_VERSION, EngineConfig, engine_config, system_database_url
from hub.engine.runtime import scaled_clock
from hub.settings import load_settings


def test_the_system_database_sits_next_to_a_sqlite_store(tmp_path: Path) -> None:
    url = system_database_url(f"sqlite:///{tmp_path / 'doorstep.db'}")
    assert url == f"sqlite:///{tmp_path / 'doorstep-engine.db'}"
    config = EngineConfig(system_database_url=url)
    assert config.is_sqlite
    assert config.lock_path == tmp_path / "doorstep-engine.db.lock"


def test_postgres_shares_the_store_database_and_has_no_file_lock() -> None:
    url = system_database_url("postgresql://doorstep:pw@db.internal/doorstep")
    assert url == "postgresql+psycopg://doorstep:pw@db.internal/doorstep"
    assert EngineConfig(system_database_url=url).lock_path is None


def test_an_in_memory_store_cannot_carry_timers() -> None:
    with pytest.raises(ValueError, match="SQLite file"):
        system_database_url("sqlite://")


def test_settings_give_a_pinned_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOORSTEP_CONFIG", raising=False)
    config = engine_config(load_settings(data_dir=tmp_path))
    assert config.application_version == ENGINE_VERSION
    assert config.system_database_url.endswith("doorstep-engine.db")
    assert "pw" not in repr(config)


def test_the_scaled_clock_runs_sixty_times_faster_from_its_anchor() -> None:
    anchor = datetime.now(UTC) - timedelta(seconds=10)
    config = EngineConfig(system_database_url="sqlite:///x.db", time_scale=60, clock_anchor=anchor)
    shown = scaled_clock(config)()
    assert timedelta(minutes=10) <= shown - anchor < timedelta(minutes=11)
