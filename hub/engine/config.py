"""How the durable engine is set up: where DBOS keeps its state, and its timings.

The DBOS system database sits next to the store: a SQLite file beside the store's
SQLite file (``doorstep.db`` → ``doorstep-engine.db``), or the same PostgreSQL
database as the store (DBOS keeps its tables in its own ``dbos`` schema).

The application version is **pinned** (``ENGINE_VERSION``), never DBOS's default hash
of the workflow source: with the hash, any upgrade of the hub would leave every
pending safety timer to a version no process runs any more. A change that would make
old workflows replay differently goes behind ``DBOS.patch`` (see ``docs/engine.md``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import make_url

from hub.settings import HubSettings

ENGINE_VERSION = "doorstep-engine-1"
"""The pinned DBOS application version of every hub build that can run today's timers."""

APP_NAME = "doorstep"


class EngineConfig(BaseModel):
    """The engine's settings; ``engine_config(settings)`` derives them from the hub's."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    system_database_url: str = Field(repr=False, description="The DBOS system database.")
    application_version: str | None = Field(
        default=ENGINE_VERSION,
        description=(
            "Pinned; pending workflows of other versions wait for a process of their version. "
            "None lets DBOS hash the workflow source (an upgrade then strands every pending "
            "timer: tests/reliability shows it); never use None in production."
        ),
    )
    executor_id: str = Field(
        default="local", description="This process's DBOS executor id (one per replica)."
    )
    sweep_interval_s: float = Field(
        default=10.0, gt=0, description="How often the overdue sweeper looks at every visit."
    )
    poll_interval_s: float = Field(
        default=30.0,
        gt=0,
        description=(
            "How often DBOS's SQLite listener polls for messages from other processes: a "
            "safety net only, since one hub process runs per SQLite file and wakes its own "
            "timers at once. Each poll is one write transaction per waiting timer."
        ),
    )
    channel_timeout_s: float = Field(
        default=10.0, gt=0, description="How long one channel has to accept a rung's message."
    )
    channel_retry_s: tuple[float, ...] = Field(
        default=(5.0, 10.0, 20.0, 30.0),
        min_length=1,
        description="Pauses between rounds when every channel of a rung failed (last repeats).",
    )
    delivery_backoff_s: tuple[float, ...] = Field(
        default=(5.0, 30.0, 120.0, 600.0, 1800.0, 3600.0, 7200.0),
        min_length=1,
        description="Durable pauses between delivery attempts; after the last it is dead.",
    )
    time_scale: float = Field(
        default=1.0,
        gt=0,
        description=(
            "Policy seconds per real second. 1 in production; tests and the live demo run "
            "packs written in minutes at 60 (a minute of policy passes in a second)."
        ),
    )
    clock_anchor: datetime = Field(
        default=datetime(2026, 1, 1, tzinfo=UTC),
        description="The instant at which the scaled clock and the wall clock agree.",
    )
    idle_wait_s: float = Field(
        default=3600.0, gt=0, description="How long a visit with nothing due waits between looks."
    )
    fast_path: bool = Field(
        default=True,
        description=(
            "Send escalations from an in-memory book the moment they fall due, many at once "
            "(``hub.engine.dispatch``); the durable timers stay the guarantee. Runs with the "
            "ticker."
        ),
    )
    timer_backstop_s: float = Field(
        default=30.0,
        ge=0,
        description=(
            "While the fast path runs, how many real seconds a timer sleeps past a deadline "
            "before sending what is still unsent itself (after a crash, or when the fast path "
            "could not send)."
        ),
    )

    @property
    def is_sqlite(self) -> bool:
        """Whether the system database is a SQLite file (one hub process only)."""
        return make_url(self.system_database_url).get_backend_name() == "sqlite"

    @property
    def lock_path(self) -> Path | None:
        """The file the single-process guard locks, for a SQLite system database."""
        if not self.is_sqlite:
            return None
        database = make_url(self.system_database_url).database
        return Path(f"{database}.lock") if database else None


def system_database_url(store_url: str) -> str:
    """Where DBOS keeps its state for a store at ``store_url``."""
    url = make_url(store_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        if url.database in (None, "", ":memory:"):
            raise ValueError("the engine needs a SQLite file, not an in-memory database")
        path = Path(url.database)
        engine_file = path.with_name(f"{path.stem}-engine{path.suffix or '.db'}")
        return f"sqlite:///{engine_file}"
    if backend == "postgresql":
        return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ValueError(f"the engine runs on SQLite or PostgreSQL, not {backend}")


def engine_config(settings: HubSettings, **overrides: object) -> EngineConfig:
    """The engine's settings for a hub configured by ``settings``."""
    values: dict[str, object] = {"system_database_url": system_database_url(settings.database_url)}
    values.update(overrides)
    return EngineConfig.model_validate(values)
