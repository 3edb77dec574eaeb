"""A live hub for the browser tests: the web app with the durable engine on a fast clock,
served by uvicorn on 127.0.0.1 in a thread, over a seeded SQLite store.

The engine runs the short test pack (one-minute grace, two-minute acknowledgement
windows) at 60 policy seconds per real second, so a visit goes overdue a second or two
after its planned end. Notifications go to the engine tests' ledger channel.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from hub.auth.roles import Membership, Role
from hub.auth.secrets import hash_password, hash_pin
from hub.engine.service import Engine
from hub.models import RiskAssessment, RiskFlag, Severity, StaffRole, Visit, VisitState
from hub.settings import HubSettings, SchoolSettings
from hub.store import Store
from hub.store.users import UserStore
from hub.web import create_web_app
from tests import factories
from tests.hub.api.conftest import full_questionnaire
from tests.hub.engine.harness import (
    OFFICE_ID,
    SCHOOL_ID,
    make_engine,
    scheduled_visit,
    seed,
    short_pack,
    store_url,
)
from tests.hub.engine.ledger import LedgerChannel

PASSWORD = "correct horse battery staple"
PIN, DURESS_PIN = "2468", "1357"
DSL_ID = "s-dsl"


@dataclass
class LiveHub:
    """The running hub: its URL, store and engine."""

    url: str
    store: Store
    engine: Engine
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None
    _ready: threading.Event = field(default_factory=threading.Event)
    _failed: list[BaseException] = field(default_factory=list)

    def now(self) -> datetime:
        """Now on the engine's (fast) clock."""
        return self.engine.runtime.clock()

    def add_visit(self, visit_id: str, state: VisitState, *, ends_in: timedelta) -> Visit:
        """A visit of s-1 and s-2 in ``state`` ending ``ends_in`` (policy time) from now."""
        made = scheduled_visit(self.engine.config, visit_id, ends_in=ends_in)
        made = made.model_copy(update={"state": state, "authorised_by": DSL_ID})
        if state is VisitState.AWAITING_AUTHORISATION:
            made = made.model_copy(update={"authorised_by": None, "authorised_at": None})
        self.store.save_visit(made)
        flag = RiskFlag(
            id=f"f-{visit_id}",
            source="cpoms",
            category="dangerous_animal",
            severity=Severity.MEDIUM,
            applies_to="household",
            household_id="hh-1",
        )
        self.store.save_risk_assessment(
            SCHOOL_ID,
            RiskAssessment(
                id=f"ra-{visit_id}",
                visit_id=visit_id,
                completed_by="s-1",
                completed_at=self.now() - timedelta(hours=1),
                questionnaire=full_questionnaire(),
                flags=(flag,),
            ),
        )
        return made

    def start(self, app: FastAPI) -> None:
        """Serve ``app`` with the engine running, in a thread; return once it answers."""
        port = int(self.url.rsplit(":", 1)[1])
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", log_config=None
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="live-hub", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout=60) or self._failed:
            raise RuntimeError(f"the live hub did not start: {self._failed!r}")

    def stop(self) -> None:
        """Stop the server and the engine."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        assert self._server is not None
        try:
            await self.engine.start()
            serving = asyncio.create_task(self._server.serve())
            while not self._server.started and not serving.done():
                await asyncio.sleep(0.05)
            self._ready.set()
            await serving
        except BaseException as exc:
            self._failed.append(exc)
            self._ready.set()
            raise
        finally:
            await self.engine.stop()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_live_hub(path: Path) -> tuple[LiveHub, FastAPI]:
    """A seeded store, users with passwords and PINs, the engine, and the web app."""
    pack = short_pack()
    store = Store.open(store_url(path))
    seed(store, pack)
    store.save_staff(factories.staff(DSL_ID, roles=(StaffRole.DSL, StaffRole.DEPUTY_HEAD)))
    store.upsert_pupils([factories.pupil("p-1")])
    users = UserStore(store.engine)
    password = hash_password(PASSWORD)
    now = factories.T0
    for user_id, staff_id, role in (
        ("staff", "s-1", Role.STAFF),
        ("office", OFFICE_ID, Role.OFFICE),
        ("dsl", DSL_ID, Role.DSL),
    ):
        users.add_user(user_id, now, password_hash=password)
        users.grant(
            Membership(
                user_id=user_id, school_id=SCHOOL_ID, staff_id=staff_id, roles=frozenset({role})
            )
        )
    users.set_pin_hashes("staff", hash_pin(PIN), hash_pin(DURESS_PIN))
    engine = make_engine(path, store, pack, LedgerChannel(path / "ledger.db"))
    settings = HubSettings(
        load_plugins=frozenset({"ladder", "audit"}),
        schools={SCHOOL_ID: SchoolSettings(name=pack.school_name, policy_pack=pack.id)},
    )
    app = create_web_app(settings=settings, store=store, engine=engine)
    return LiveHub(url=f"http://127.0.0.1:{free_port()}", store=store, engine=engine), app
