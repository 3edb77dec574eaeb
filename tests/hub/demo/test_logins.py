"""The live demo's logins: one per role, each signs in with the run's password and lands
on that role's page at the demo school."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hub.auth.roles import Role
from hub.demo.logins import add_demo_users, demo_logins, new_demo_password
from hub.demo.roster import DemoRoster
from hub.demo.settings import DEMO_PACK, DEMO_SCHOOL
from hub.schools import school_and_pack
from hub.settings import HubSettings, SchoolSettings
from hub.store import Store
from hub.store.users import UserStore
from hub.web.app import create_web_app
from tests.factories import T0
from tests.hub.api.conftest import BUILT_INS

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LANDS_ON = {
    Role.OFFICE: "board",
    Role.SENIOR_LEADER: "board",
    Role.DSL: "queue",
    Role.STAFF: "mine",
    Role.ADMIN: "mine",
}


@pytest.fixture
def demo_hub(tmp_path: Path) -> Iterator[tuple[httpx.AsyncClient, str]]:
    """The web app over a store holding the demo school, its staff and the demo users."""
    settings = HubSettings(
        load_plugins=BUILT_INS,
        schools={DEMO_SCHOOL: SchoolSettings(name="Demo", policy_pack=str(DEMO_PACK))},
    )
    store = Store.open(f"sqlite:///{tmp_path / 'demo.db'}")
    store.save_school(school_and_pack(settings, DEMO_SCHOOL)[0])
    roster = DemoRoster.generate(DEMO_SCHOOL)
    for member in roster.staff:
        store.save_staff(member)
    password = new_demo_password()
    add_demo_users(UserStore(store.engine), DEMO_SCHOOL, demo_logins(roster), password, T0)
    app = create_web_app(settings=settings, store=store, session_key=b"k" * 32)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    yield httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1"), password
    store.close()


async def _sign_in(client: httpx.AsyncClient, user: str, password: str) -> httpx.Response:
    form = await client.get("/web/sign-in")
    found = CSRF.search(form.text)
    assert found is not None
    return await client.post(
        "/web/sign-in",
        data={"csrf_token": found.group(1), "user_id": user, "password": password},
    )


def test_one_login_per_role_each_a_different_member_of_the_demo_staff() -> None:
    logins = demo_logins(DemoRoster.generate(DEMO_SCHOOL))
    assert {login.role for login in logins} == set(Role)
    assert len({login.user_id for login in logins}) == len(Role)
    assert len({login.staff_id for login in logins}) == len(Role)
    staff = next(login for login in logins if login.role is Role.STAFF)
    assert staff.staff_id == "staff-1"  # the lead on the demo's visit: it is theirs to see


def test_each_run_has_its_own_password() -> None:
    assert new_demo_password() != new_demo_password()
    assert len(new_demo_password()) >= 12


@pytest.mark.parametrize("role", list(Role))
async def test_every_login_signs_in_and_lands_on_its_page(
    demo_hub: tuple[httpx.AsyncClient, str], role: Role
) -> None:
    client, password = demo_hub
    user = f"demo-{role.value.replace('_', '-')}"
    async with client:
        signed_in = await _sign_in(client, user, password)
        assert signed_in.status_code == 303
        landing = await client.get("/web/")
        assert landing.status_code == 303
        assert landing.headers["location"] == f"/web/schools/{DEMO_SCHOOL}/{LANDS_ON[role]}"
        if LANDS_ON[role] == "board":
            board = await client.get(landing.headers["location"])
            assert board.status_code == 200
            assert "Today's visits" in board.text


async def test_a_wrong_password_does_not_sign_in(demo_hub: tuple[httpx.AsyncClient, str]) -> None:
    client, password = demo_hub
    async with client:
        refused = await _sign_in(client, "demo-office", password + "x")
        assert refused.status_code == 401
