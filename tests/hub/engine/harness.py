"""Shared set-up for engine tests: a short pack, a seeded store and an engine on a fast clock.

Packs are written in minutes; the engine runs them at ``SCALE`` policy seconds per real
second, so a one-minute grace period passes in one real second.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hub.engine.config import EngineConfig, system_database_url
from hub.engine.runtime import scaled_clock
from hub.engine.service import Engine
from hub.hooks.manager import Hooks, build_hooks
from hub.models import CheckIn, CheckInChannel, CheckInKind, School, StaffRole, Visit, VisitState
from hub.plugins import audit, ladder
from hub.policy import PolicyPack, bundled_packs_dir, parse_pack
from hub.store import Store
from tests import factories
from tests.hub.engine.ledger import LedgerChannel

SCALE = 60.0
SCHOOL_ID = factories.SCHOOL
OFFICE_ID = "office-1"


def short_pack(*, ack_minutes: int = 2, grace_minutes: int = 1) -> PolicyPack:
    """St Michael's pack with a one-minute grace and short acknowledgement windows."""
    data: dict[str, Any] = tomllib.loads(
        (bundled_packs_dir() / f"{SCHOOL_ID}.toml").read_text(encoding="utf-8")
    )
    data["overdue"]["grace_minutes"] = grace_minutes
    data["check_ins"]["interval_minutes"] = None
    for rung in data["escalation"]["rungs"]:
        rung["ack_window_minutes"] = ack_minutes
    return parse_pack(data)


def config_for(tmp_path: Path, **overrides: Any) -> EngineConfig:
    """An engine config on SQLite files in ``tmp_path`` with the fast clock."""
    values: dict[str, Any] = {
        "system_database_url": system_database_url(store_url(tmp_path)),
        "time_scale": SCALE,
        "clock_anchor": datetime.now(UTC).replace(microsecond=0),
        "sweep_interval_s": 1.0,
        "channel_timeout_s": 2.0,
        "channel_retry_s": (0.5,),
        "delivery_backoff_s": (0.2, 0.2, 0.2),
    }
    values.update(overrides)
    return EngineConfig.model_validate(values)


def store_url(tmp_path: Path) -> str:
    """The store's SQLite file in ``tmp_path``."""
    return f"sqlite:///{tmp_path / 'doorstep.db'}"


def seed(store: Store, pack: PolicyPack) -> School:
    """The school, two visiting staff and an office member."""
    school = School(id=SCHOOL_ID, name=pack.school_name, policy_pack=pack.id)
    store.save_school(school)
    store.save_staff(factories.staff("s-1"))
    store.save_staff(factories.staff("s-2", roles=(StaffRole.STAFF,)))
    store.save_staff(factories.staff(OFFICE_ID, roles=(StaffRole.OFFICE,)))
    return school


def hooks_factory(
    store: Store, pack: PolicyPack, ledger: LedgerChannel, *extra: tuple[str, object]
) -> Callable[[str], Hooks]:
    """Builds the school's hooks: the built-in ladder and audit plugins, the ledger
    channel and any ``extra`` plugins (installed adapters are left out, so tests do not
    depend on what else is installed)."""

    def build(school_id: str) -> Hooks:
        school = School(id=school_id, name=pack.school_name, policy_pack=pack.id)
        plugins = [("ladder", ladder), ("audit", audit), ("ledger", ledger), *extra]
        return build_hooks(school, pack=pack, entry_points=False, extra=plugins, recorder=store)

    return build


def scheduled_visit(
    config: EngineConfig, visit_id: str, *, ends_in: timedelta, school_id: str = SCHOOL_ID
) -> Visit:
    """A scheduled visit that started ten policy minutes ago and ends ``ends_in`` from now."""
    now = scaled_clock(config)()
    return factories.visit(
        id=visit_id,
        school_id=school_id,
        state=VisitState.SCHEDULED,
        planned_start=now - timedelta(minutes=10),
        planned_end=now + ends_in,
        requested_at=now - timedelta(days=1),
        authorised_by="s-9",
        authorised_at=now - timedelta(hours=20),
    )


def check_in(
    engine: Engine,
    visit_id: str,
    kind: CheckInKind,
    *,
    n: int = 1,
    duress: bool = False,
    staff_id: str = "s-1",
) -> CheckIn:
    """A check-in made now on the engine's clock."""
    return CheckIn(
        id=f"{visit_id}-ci-{n}",
        visit_id=visit_id,
        staff_id=staff_id,
        kind=kind,
        at=engine.runtime.clock(),
        channel=CheckInChannel.WEB,
        duress=duress,
    )


def make_engine(
    tmp_path: Path,
    store: Store,
    pack: PolicyPack,
    ledger: LedgerChannel,
    *extra: tuple[str, object],
    **overrides: Any,
) -> Engine:
    """An engine over ``store`` with the ledger channel.

    DBOS's SQLite listener polls every ``poll_interval_s`` in a thread that sleeps
    uninterruptibly, and stopping DBOS waits up to 10 s for it: with the production 30 s
    every test's teardown took 10 s. A few timers per test make a 1 s poll cheap.
    """
    overrides.setdefault("poll_interval_s", 1.0)
    return Engine(
        config_for(tmp_path, **overrides),
        store=store,
        hooks_for=hooks_factory(store, pack, ledger, *extra),
    )


def wall_time(config: EngineConfig, instant: datetime) -> float:
    """The wall-clock time (epoch seconds) at which the engine's clock shows ``instant``."""
    anchor = config.clock_anchor
    return anchor.timestamp() + (instant - anchor).total_seconds() / config.time_scale
