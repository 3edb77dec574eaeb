"""``doorstep demo``: one whole visit on the durable engine, in real time, against fakes.

The demo school's adapters talk HTTP to the fake server (``hub.fakes``); its MIS is
the csv fake's export folder. The engine runs the demo pack on a fast clock (a
policy minute passes in a real second), so a visit with an overdue escalation, an
acknowledgement and its deliveries takes seconds. Everything goes through the same
code a school runs: the roll sync, the hooks facade, the pure workflow steps, the
engine's timers, escalations and outbox, and each adapter's real HTTP client.

With ``board`` (what ``doorstep demo`` does) the API and web UI that ``doorstep serve``
runs are served too, on 127.0.0.1, over the demo's store and engine, with one demo
login per role: the board shows the visit go overdue, escalate and be acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from hub.demo.board import serve_web
from hub.demo.logins import add_demo_users, demo_logins, new_demo_password
from hub.demo.report import Arrivals, where_it_went
from hub.demo.roster import DemoRoster
from hub.demo.settings import DEMO_SCHOOL, demo_settings
from hub.demo.visit import DemoVisit
from hub.engine.config import engine_config
from hub.engine.runtime import utc_now
from hub.engine.service import Engine
from hub.fakes import RunningFakes
from hub.hooks.manager import Hooks
from hub.models import Pupil, VisitEventKind
from hub.policy import PolicyPack
from hub.schools import hooks_for_school, school_and_pack
from hub.settings import HubSettings
from hub.store import Store
from hub.store.users import UserStore
from hub.sync.runner import SyncOptions, run_sync
from hub.web.app import create_web_app
from hub.workflow import local_time

Print = Callable[[str], None]

TIME_SCALE = 60.0
"""Policy seconds per real second: the demo pack's minutes pass in seconds."""
WAIT_LIMIT_S = 30.0
"""The longest the demo waits for any one thing the engine does."""
CPOMS_HOUSEHOLD = "hh-2"
"""A household the CPOMS fake seeds, where a sibling has a 'Dangerous animal' incident."""


@dataclass
class LiveSummary:
    """What the live demo did, for its caller and its tests."""

    visit_id: str = ""
    final_state: str = ""
    escalations: list[int] = field(default_factory=list)
    acknowledged_rung: int | None = None
    deliveries: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    arrivals: Arrivals | None = None
    board_url: str | None = None

    def describe(self) -> str:
        """The visit in one line: its end, the rungs, the acknowledgement, the deliveries."""
        return (
            f"Visit {self.final_state}: {len(self.escalations)} escalation rung(s), "
            f"acknowledged at rung {self.acknowledged_rung}; deliveries: "
            + ", ".join(f"{purpose} {status}" for purpose, status in self.deliveries.items())
        )


@dataclass(frozen=True)
class BoardOptions:
    """Serve the web UI during the demo, and what to wait for around the visit.

    ``before_visit`` runs once the board's URL and the logins are printed (the CLI waits
    for Enter in a terminal); ``after_visit`` once the visit is over, with the board
    still served (the CLI serves until Ctrl-C in a terminal).
    """

    host: str = "127.0.0.1"
    port: int = 0
    before_visit: Callable[[], Awaitable[None]] | None = None
    after_visit: Callable[[LiveSummary], Awaitable[None]] | None = None


@dataclass
class Timeline:
    """Prints what happens, with the demo school's (fast) clock and real seconds."""

    out: Print
    pack: PolicyPack
    clock: Callable[[], datetime]
    began: float = field(default_factory=time.monotonic)

    def say(self, what: str, detail: str = "") -> None:
        """One line: school time, real seconds since the start, what happened."""
        shown = local_time(self.clock(), self.pack).strftime("%H:%M")
        self.out(f"  {shown}  +{time.monotonic() - self.began:4.1f} s  {what:<26}{detail}")

    def more(self, detail: str) -> None:
        """A continuation line under the previous one."""
        self.out(f"{'':>44}{detail}")


async def wait_for(what: str, check: Callable[[], bool], *, poll_s: float = 0.1) -> None:
    """Wait until ``check()`` holds (a ``TimeoutError`` naming ``what`` after the limit)."""
    deadline = time.monotonic() + WAIT_LIMIT_S
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the demo waited {WAIT_LIMIT_S:.0f} s for {what}")
        await asyncio.sleep(poll_s)


async def run_live_demo(
    out: Print,
    *,
    scratch: Path,
    fakes: RunningFakes,
    time_scale: float = TIME_SCALE,
    board: BoardOptions | None = None,
) -> LiveSummary:
    """Run one visit of the demo school on the engine, printing its timeline and where
    each record and message went. ``fakes`` serve at least ``DEMO_FAKES``; ``board``
    serves the web UI with demo logins while the visit runs."""
    began = time.monotonic()
    roster = DemoRoster.generate(DEMO_SCHOOL)
    settings = demo_settings(fakes, roster, scratch)
    school, pack = school_and_pack(settings, DEMO_SCHOOL)
    summary = LiveSummary()
    with Store.open(settings.database_url) as store:
        store.save_school(school)
        for member in roster.staff:
            store.save_staff(member)

        def hooks_for(school_id: str) -> Hooks:
            return hooks_for_school(settings, school_id, recorder=store)

        config = engine_config(
            settings,
            time_scale=time_scale,
            clock_anchor=_now(),
            sweep_interval_s=1.0,
            poll_interval_s=0.5,
            channel_timeout_s=5.0,
            channel_retry_s=(1.0,),
            delivery_backoff_s=(0.5, 1.0, 2.0),
        )
        engine = Engine(config, store=store, hooks_for=hooks_for)
        out(f"Doorstep demo: {school.name} (policy pack '{pack.id}', on the durable engine)")
        out("Every person below is fake (Faker en_GB); every outside system is a fake server")
        out(f"at {fakes.url}; the school's settings are in {settings.config_file}.")
        out("")
        async with engine:
            hooks = engine.runtime.hooks(DEMO_SCHOOL)
            try:
                async with _web(out, board, settings, engine, roster, hooks_for) as url:
                    summary.board_url = url
                    timeline = Timeline(out, pack, engine.runtime.clock)
                    pupil = await _sync_roll(timeline, hooks, store, fakes)
                    visit = DemoVisit(timeline, engine, hooks, roster, pupil, fakes)
                    await _run_visit(visit, summary)
                    summary.arrivals = where_it_went(fakes, school.id, summary.visit_id)
                    out("")
                    for line in summary.arrivals.lines():
                        out(line)
                    summary.seconds = time.monotonic() - began
                    if board is not None and board.after_visit is not None:
                        await board.after_visit(summary)
            finally:
                await hooks.aclose()
    return summary


@contextlib.asynccontextmanager
async def _web(
    out: Print,
    board: BoardOptions | None,
    settings: HubSettings,
    engine: Engine,
    roster: DemoRoster,
    hooks_for: Callable[[str], Hooks],
) -> AsyncIterator[str | None]:
    """Serve the API and web UI with a login per role, printing where (None: no board)."""
    if board is None:
        yield None
        return
    store = engine.runtime.store
    logins = demo_logins(roster)
    password = new_demo_password()
    users = UserStore(store.engine, writer=store.writer)
    await asyncio.to_thread(add_demo_users, users, DEMO_SCHOOL, logins, password, _now())
    app = create_web_app(settings=settings, store=store, engine=engine, hooks_for=hooks_for)
    async with serve_web(app, host=board.host, port=board.port) as url:
        out(f"The office board: {url}/web/schools/{DEMO_SCHOOL}/board (sign in at {url}/web/)")
        out(f"Demo logins, demo only (made for this run, gone when it ends); password {password}")
        for login in logins:
            out(f"  {login.user_id:<20}{login.role.value:<15}{login.shows}")
        out("")
        if board.before_visit is not None:
            await board.before_visit()
        yield url


def _now() -> datetime:
    return utc_now().replace(microsecond=0)


async def _sync_roll(timeline: Timeline, hooks: Hooks, store: Store, fakes: RunningFakes) -> Pupil:
    """Pull the roll from the MIS exports; pick a pupil and tell the CPOMS fake of them."""
    report = await run_sync(
        hooks, store, now=timeline.clock(), options=SyncOptions(full=True, attendance=False)
    )
    counts = report.counts
    timeline.say("roll synced from the MIS", f"csv exports: {counts.added} pupils added")
    pupils = sorted(store.cached_pupils(hooks.school.id).values(), key=lambda p: p.id)
    pupil = pupils[0]
    cpoms = fakes.state("cpoms")
    cpoms.add_student(pupil.id, household_id=CPOMS_HOUSEHOLD)
    timeline.more(f"pupil {pupil.reference} is on the CPOMS fake's roll, with siblings")
    return pupil


async def _run_visit(visit: DemoVisit, summary: LiveSummary) -> None:
    """Request to close, on the engine, then the deliveries."""
    summary.visit_id = visit.visit_id
    await visit.plan()
    await visit.go_out()
    seen: set[str] = set()
    while len(summary.escalations) < 2:
        await wait_for("an escalation", lambda: bool(visit.new_escalations(seen)), poll_s=0.2)
        for event in visit.new_escalations(seen):
            summary.escalations.append(await visit.show_escalation(event, seen))
    summary.acknowledged_rung = await visit.acknowledge_last(summary.escalations[-1])
    await visit.come_back()
    deliveries = await visit.write_note()
    await wait_for("the note's deliveries", lambda: visit.delivered(deliveries))
    for delivery in visit.store.deliveries(visit.school_id):
        summary.deliveries[delivery.purpose.value] = delivery.status.value
        visit.timeline.say(
            f"delivered: {delivery.purpose.value.replace('_', ' ')}",
            f"to {delivery.destination} after {delivery.attempts} attempt(s)",
        )
    summary.final_state = (await visit.close()).state.value
    await visit.book(version=2)
    events = visit.store.events(visit.school_id, visit.visit_id)
    visit.timeline.more(
        f"audit log: {len(events)} events, "
        f"{sum(1 for e in events if e.kind is VisitEventKind.ESCALATED)} escalations"
    )
