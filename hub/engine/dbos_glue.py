"""Everything that touches DBOS Transact itself, in one place.

DBOS is a process-wide singleton: ``launch_dbos`` configures and launches it (which
recovers this executor's pending workflows of this application version) and
``destroy_dbos`` shuts it down. The few private DBOS calls the hub needs are wrapped
here, each with the reason, so a DBOS upgrade has one file to check (the dependency
is ``dbos>=3.4``; ``tests/hub/engine`` exercise every one of them).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from typing import Any

import dbos as dbos_package
import sqlalchemy as sa
import structlog
from dbos import DBOS, DBOSConfig, DBOSConfiguredInstance
from sqlalchemy.engine import make_url

from hub.engine.config import APP_NAME, EngineConfig

log = structlog.get_logger(__name__)

CANCEL_WAIT_S = 10.0
"""How long stopping waits for cancelled workflow tasks before shutting DBOS down."""
SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_CONNECTIONS = 4
"""DBOS's connections to a SQLite system database. SQLite runs one write transaction at
a time, and a writer that finds it taken sleeps in SQLite's busy handler (growing naps,
up to 100 ms, that nobody cuts short when the lock frees): with forty connections a
burst of checkpoints queued for seconds. A few connections keep that queue short; the
rest wait on the pool, which hands a connection on the moment it is returned."""


def dbos_config(config: EngineConfig) -> DBOSConfig:
    """The DBOS configuration for ``config``: pinned version, our executor id, quiet logs."""
    settings: DBOSConfig = {
        "name": APP_NAME,
        "system_database_url": config.system_database_url,
        "executor_id": config.executor_id,
        "log_level": "WARNING",
        "notification_listener_polling_interval_sec": config.poll_interval_s,
    }
    if config.application_version is not None:
        settings["application_version"] = config.application_version
    if config.is_sqlite:
        settings["system_database_engine"] = sqlite_engine(config.system_database_url)
    return settings


def sqlite_engine(url: str) -> sa.Engine:
    """A SQLite engine for the DBOS system database tuned for many timers.

    As DBOS's own: IMMEDIATE transactions (writers are serialised) and a long busy
    timeout. Added: write-ahead logging and ``synchronous=NORMAL``, so a commit is
    not an fsync; a power cut can lose the last commits, never corrupt the file; and
    a few pooled connections (``SQLITE_CONNECTIONS``), so checkpoints take turns on
    the pool rather than in SQLite's busy handler.
    """
    database = make_url(url).database
    if database:
        with sqlite3.connect(database) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
    engine = sa.create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        pool_size=SQLITE_CONNECTIONS,
        max_overflow=0,
        pool_timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
        hide_parameters=True,
    )
    sa.event.listen(engine, "connect", _sqlite_connect)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = "IMMEDIATE"
    dbapi_connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    dbapi_connection.execute("PRAGMA foreign_keys=ON")
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def launch_dbos(config: EngineConfig) -> None:
    """Create and launch DBOS; pending workflows of this executor and version resume.

    Call it from the running event loop that should run the workflows: DBOS adopts
    the caller's loop, so recovered async workflows share it with the hub's adapters.
    """
    logging.getLogger("dbos").setLevel(logging.WARNING)
    DBOS(config=dbos_config(config))
    DBOS.launch()


async def cancel_running_workflows() -> int:
    """Cancel the workflow tasks DBOS runs on the current event loop; returns how many.

    Cancelling is safe: DBOS records an outcome only for ``Exception``s, and
    ``CancelledError`` is not one, so a cancelled workflow stays PENDING and resumes
    at the next launch from its last checkpoint. Without this, workflows would go on
    running after ``destroy`` and fail noisily against a closed database.
    """
    package = str(Path(dbos_package.__file__).parent)
    current = asyncio.current_task()
    tasks = [
        task
        for task in asyncio.all_tasks()
        if task is not current and _code_file(task).startswith(package)
    ]
    dbos_log = logging.getLogger("dbos")
    level = dbos_log.level
    dbos_log.setLevel(logging.ERROR)  # DBOS warns once per cancelled task: expected here
    try:
        for task in tasks:
            task.cancel()
        if tasks:
            # Bounded: a task that ignores its cancellation (one waiting on a thread
            # inside DBOS) must not keep the process from stopping.
            _done, stuck = await asyncio.wait(tasks, timeout=CANCEL_WAIT_S)
            if stuck:
                log.warning("engine.workflows_still_running", count=len(stuck))
    finally:
        dbos_log.setLevel(level)
    return len(tasks)


def _code_file(task: asyncio.Task[Any]) -> str:
    code = getattr(task.get_coro(), "cr_code", None)
    return code.co_filename if code is not None else ""


def destroy_dbos(timeout_s: int = 0) -> None:
    """Shut DBOS down, waiting up to ``timeout_s`` for running workflows to finish.

    Workflows cut off here stay PENDING in the system database and resume at the
    next launch: nothing is lost by stopping.
    """
    DBOS.destroy(workflow_completion_timeout_sec=timeout_s)


def wake_waiter(workflow_id: str, topic: str) -> None:
    """Wake a workflow of this process waiting in ``DBOS.recv(topic)`` at once.

    On SQLite DBOS learns about a new message by polling (``poll_interval_s``); a
    check-in sent by this process would wait up to that long. Setting the waiter's
    in-memory event makes recv look at the database now. Private DBOS API
    (``SystemDatabase._waiter`` and ``notifications_map``); if it ever changes, the
    poll still delivers the message, only later.
    """
    try:
        from dbos._dbos import _get_dbos_instance

        # ``DBOS._sys_db`` is an instance property: read on the class it is the property
        # object itself, and this look-up used to fail silently every time.
        system_database: Any = _get_dbos_instance()._sys_db
        payload, _components = system_database._waiter(workflow_id, topic)
        signal = system_database.notifications_map.get(payload)
    except Exception as exc:  # private API moved: fall back to polling
        log.warning("engine.wake_unavailable", error=type(exc).__name__)
        return
    if signal is not None:
        signal.set()


def forget_instance(instance: DBOSConfiguredInstance) -> None:
    """Unregister a configured instance so a later engine in this process may register.

    DBOS keeps configured instances in a process-wide registry and refuses a second
    instance under the same name; tests and embedders that start one engine after
    another need this. Private DBOS API (the registry's ``instance_info_map``).
    """
    from dbos._dbos import _get_or_create_dbos_registry
    from dbos._registrations import _class_fqn

    registry = _get_or_create_dbos_registry()
    name = f"{_class_fqn(type(instance))}/{instance.config_name}"
    if registry.instance_info_map.get(name) is instance:
        del registry.instance_info_map[name]
