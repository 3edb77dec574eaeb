"""An API over a real SQLite store, the real workflow and plugins, with one user per role.

School ``st-michaels`` (A) holds every user's roles; school ``harrogate`` (B) holds
none of them, so its visits are "another school's". Each user is a member of staff
of A: ``s-1`` (staff, lead on own visits), ``s-2`` (staff, second), ``s-office``,
``s-dsl`` (also the pack's authoriser, deputy head), ``s-slt``, ``s-admin``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from hub.api.app import create_app
from hub.auth.roles import Membership, Role
from hub.auth.secrets import hash_pin, new_token, token_hash
from hub.models import (
    RiskAssessment,
    RiskFlag,
    RiskQuestionnaire,
    School,
    Severity,
    StaffRole,
    Visit,
    VisitState,
)
from hub.settings import HubSettings, SchoolSettings
from hub.store import Store
from hub.store.users import UserStore
from tests.factories import SCHOOL, T0, pupil, staff, visit

OTHER = "harrogate"
PIN, DURESS_PIN = "2468", "1357"
BUILT_INS = frozenset({"risk_rules", "ladder", "authoriser", "audit"})
"""Only the built-in plugins: no adapter (risk flags come from the tests themselves)."""

USERS: dict[str, tuple[str, Role, tuple[StaffRole, ...]]] = {
    "staff": ("s-1", Role.STAFF, (StaffRole.ATTENDANCE_OFFICER,)),
    "office": ("s-office", Role.OFFICE, (StaffRole.OFFICE,)),
    "dsl": ("s-dsl", Role.DSL, (StaffRole.DSL, StaffRole.DEPUTY_HEAD)),
    "senior_leader": ("s-slt", Role.SENIOR_LEADER, (StaffRole.SENIOR_LEADER,)),
    "admin": ("s-admin", Role.ADMIN, (StaffRole.ADMIN,)),
}
"""user id -> (staff id at school A, API role, the staff member's roles)."""


def full_questionnaire() -> RiskQuestionnaire:
    """Every question answered, nothing worrying."""
    return RiskQuestionnaire(
        other_agency_identified_risk=False,
        entrances_exits_accessible=True,
        property_hazards=False,
        intimidating_people=False,
        pets_present=False,
        safety_measures_in_place=True,
        household_smokes=False,
        contact_outside_home=False,
        pupil_self_isolating=False,
    )


@dataclass
class Hub:
    """The app under test and what was set up around it."""

    app: FastAPI
    store: Store
    tokens: dict[str, str]
    now: list[datetime] = field(default_factory=lambda: [T0])

    def headers(self, user: str | None, **extra: str) -> dict[str, str]:
        """Headers of ``user`` (None: anonymous)."""
        auth = {"Authorization": f"Bearer {self.tokens[user]}"} if user else {}
        return {**auth, **extra}

    def client(self) -> httpx.AsyncClient:
        """A client over the app in this process."""
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        return httpx.AsyncClient(transport=transport, base_url="http://hub.test")

    def add_visit(
        self,
        visit_id: str,
        state: VisitState,
        *,
        school_id: str = SCHOOL,
        staff_ids: tuple[str, ...] = ("s-1", "s-2"),
        flagged: bool = True,
        **overrides: Any,
    ) -> Visit:
        """A visit saved straight into the store in ``state``, with a risk assessment."""
        made = visit(
            id=visit_id,
            school_id=school_id,
            state=state,
            staff_ids=staff_ids,
            requested_by=staff_ids[0],
            **overrides,
        )
        self.store.save_visit(made)
        flags = (
            (
                RiskFlag(
                    id=f"f-{visit_id}",
                    source="cpoms",
                    category="dangerous_animal",
                    severity=Severity.MEDIUM,
                    applies_to="household",
                    household_id="hh-1",
                ),
            )
            if flagged
            else ()
        )
        self.store.save_risk_assessment(
            school_id,
            RiskAssessment(
                id=f"ra-{visit_id}",
                visit_id=visit_id,
                completed_by=staff_ids[0],
                completed_at=T0 - timedelta(minutes=5),
                questionnaire=full_questionnaire(),
                flags=flags,
            ),
        )
        return made


def _settings() -> HubSettings:
    return HubSettings(
        load_plugins=BUILT_INS,
        schools={
            SCHOOL: SchoolSettings(name="St Michael's", policy_pack="st-michaels"),
            OTHER: SchoolSettings(name="Harrogate", policy_pack="harrogate"),
        },
    )


def build_hub(path: Path) -> Hub:
    """A hub over a SQLite file in ``path`` with every user of ``USERS``."""
    store = Store.open(f"sqlite:///{path / 'hub.db'}")
    store.save_school(School(id=SCHOOL, name="St Michael's", policy_pack="st-michaels"))
    store.save_school(School(id=OTHER, name="Harrogate", policy_pack="harrogate"))
    for school in (SCHOOL, OTHER):
        store.upsert_pupils([pupil("p-1", school_id=school)])
        store.save_staff(staff("s-1", school_id=school))
        store.save_staff(staff("s-2", school_id=school))
    users = UserStore(store.engine)
    tokens: dict[str, str] = {}
    for user_id, (staff_id, role, staff_roles) in USERS.items():
        if staff_id != "s-1":
            store.save_staff(staff(staff_id, roles=staff_roles))
        users.add_user(user_id, T0)
        users.grant(
            Membership(
                user_id=user_id, school_id=SCHOOL, staff_id=staff_id, roles=frozenset({role})
            )
        )
        token_id, token = new_token()
        users.add_token(user_id, token_id, token_hash(token), "tests", T0)
        tokens[user_id] = token
    users.set_pin_hashes("staff", hash_pin(PIN), hash_pin(DURESS_PIN))
    now = [T0]
    app = create_app(settings=_settings(), store=store, clock=lambda: now[0])
    return Hub(app=app, store=store, tokens=tokens, now=now)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    """A fresh hub for one test."""
    built = build_hub(tmp_path)
    yield built
    built.store.close()


@pytest.fixture
async def client(hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    """A client over ``hub``'s app."""
    async with hub.client() as found:
        yield found
