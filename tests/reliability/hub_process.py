"""A hub process for the crash tests: the real engine, the short pack, the ledger channel.

    python -m tests.reliability.hub_process DIR --anchor ISO [--depart N --ends-in S]
        [--no-sweeper | --sweep-interval S] [--unpinned] [--changed]
        [--notes N --fail-rate F --push-delay S]
        [--poison | --poison-registered]

It serves until SIGTERM (or until the test kills it with SIGKILL). ``--depart`` first
creates N visits ending ``S`` real seconds apart from each other and checks them out, then
prints ``READY`` (and the planned ends) on stdout. ``--changed`` registers one more
workflow, as a new release of the hub would change the code; ``--unpinned`` leaves
DBOS to compute the application version from the source (the variant that strands
timers across upgrades).

``--notes N`` saves N returned visits and their notes (each queued for delivery to the
fake CPOMS in ``DIR/cpoms.db``, which fails ``--fail-rate`` of requests and holds each
push ``--push-delay`` seconds) before ``READY``. ``--poison`` starts a workflow that
kills its own process every time it runs (``--poison-registered``: only registers it, as
every restart must); once the engine has given it up, ``DEAD <workflow id>`` is printed.
``--switchable`` fails every channel named in ``DIR/ledger.db.down`` (read at each send).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dbos import DBOS, SetWorkflowID

from hub.engine.lifecycle import run_until_signalled
from hub.engine.service import Engine
from hub.engine.workflows import MAX_RECOVERY_ATTEMPTS
from hub.logging import configure_logging
from hub.models import CheckInKind, VisitNote, VisitState
from hub.store import Store
from tests.hub.engine.harness import (
    check_in,
    config_for,
    hooks_factory,
    scheduled_visit,
    seed,
    short_pack,
    store_url,
)
from tests.hub.engine.ledger import LedgerChannel
from tests.reliability.fake_cpoms import FakeCpoms
from tests.reliability.switchable import SwitchableLedger


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("dir", type=Path)
    parser.add_argument("--anchor", required=True)
    parser.add_argument("--depart", type=int, default=0)
    parser.add_argument("--first-end", type=float, default=10.0)
    parser.add_argument("--spacing", type=float, default=0.1)
    parser.add_argument("--ack-minutes", type=int, default=2)
    parser.add_argument("--no-sweeper", action="store_true")
    parser.add_argument("--sweep-interval", type=float, default=None)
    parser.add_argument("--unpinned", action="store_true")
    parser.add_argument("--changed", action="store_true")
    parser.add_argument("--notes", type=int, default=0)
    parser.add_argument("--fail-rate", type=float, default=0.0)
    parser.add_argument("--push-delay", type=float, default=0.0)
    parser.add_argument("--poison", action="store_true")
    parser.add_argument("--poison-registered", action="store_true")
    parser.add_argument("--switchable", action="store_true")
    return parser.parse_args(argv)


async def main(args: argparse.Namespace) -> None:
    configure_logging("json", "warning")
    pack = short_pack(ack_minutes=args.ack_minutes)
    overrides: dict[str, object] = {"clock_anchor": datetime.fromisoformat(args.anchor)}
    if args.sweep_interval is not None:
        overrides["sweep_interval_s"] = args.sweep_interval
    if args.no_sweeper:
        overrides["sweep_interval_s"] = 3600.0
    if args.unpinned:
        overrides["application_version"] = None
    if args.changed:
        _register_new_release_workflow()
    poison = _register_poison() if args.poison or args.poison_registered else None
    overrides["delivery_backoff_s"] = (0.2,) * 12  # 20 % failures never exhaust 13 attempts
    store = Store.open(store_url(args.dir))
    if store.get_school("st-michaels") is None:
        seed(store, pack)
    ledger = (
        SwitchableLedger(args.dir / "ledger.db")
        if args.switchable
        else LedgerChannel(args.dir / "ledger.db")
    )
    cpoms = FakeCpoms(args.dir / "cpoms.db", fail_rate=args.fail_rate, delay_s=args.push_delay)
    engine = Engine(
        config_for(args.dir, **overrides),
        store=store,
        hooks_for=hooks_factory(store, pack, ledger, ("fake_cpoms", cpoms)),
    )

    base = engine.runtime.clock()

    async def depart(n: int) -> None:
        real = args.first_end + n * args.spacing
        end = base + timedelta(seconds=real * engine.config.time_scale)
        visit = scheduled_visit(engine.config, f"v-{n}", ends_in=timedelta(minutes=1))
        visit = visit.model_copy(update={"planned_end": end})
        await asyncio.to_thread(store.save_visit, visit)
        await engine.check_in("st-michaels", check_in(engine, visit.id, CheckInKind.DEPARTED))
        print(f"VISIT {visit.id} {visit.planned_end.isoformat()}", flush=True)

    async def write_note(n: int) -> None:
        visit = scheduled_visit(engine.config, f"n-{n}", ends_in=timedelta(minutes=1))
        await asyncio.to_thread(
            store.save_visit, visit.model_copy(update={"state": VisitState.RETURNED})
        )
        note = VisitNote(
            id=f"n-{n}-note",
            visit_id=visit.id,
            pupil_id=visit.pupil_id,
            written_by="s-1",
            written_at=engine.runtime.clock(),
            discussion="Talked about attendance.",
        )
        await engine.record_note("st-michaels", note)

    async def report_dead() -> None:
        while True:
            try:
                dead = await engine.dead_workflows()
            except Exception as exc:  # a busy database: ask again
                print(f"DEAD? {type(exc).__name__}", flush=True)
                dead = []
            if dead:
                print("DEAD " + " ".join(sorted(dead)), flush=True)
                return
            await asyncio.sleep(0.2)

    async def ready() -> None:
        for first in range(0, args.depart, 20):  # twenty staff checking out at once
            await asyncio.gather(*(depart(n) for n in range(first, min(first + 20, args.depart))))
        for n in range(args.notes):
            await write_note(n)
        if args.poison and poison is not None:
            with SetWorkflowID(POISON_ID):
                await DBOS.start_workflow_async(poison)
        print("READY", flush=True)
        if poison is not None:
            watchers.append(asyncio.create_task(report_dead()))

    watchers: list[asyncio.Task[None]] = []

    await run_until_signalled(engine, on_ready=ready)
    store.close()


POISON_ID = "poison:1"


def _register_poison() -> Callable[[], Coroutine[Any, Any, None]]:
    @DBOS.workflow(name="poison", max_recovery_attempts=MAX_RECOVERY_ATTEMPTS)
    async def poison() -> None:
        os.kill(os.getpid(), signal.SIGKILL)  # as a segfaulting library would

    return poison


def _register_new_release_workflow() -> None:
    @DBOS.workflow(name="release_two_extra")
    async def release_two_extra() -> str:
        return "a workflow only the new release has"


if __name__ == "__main__":
    asyncio.run(main(parse(sys.argv[1:])))
