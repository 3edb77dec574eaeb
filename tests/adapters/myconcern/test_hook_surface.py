"""One hook surface, two safeguarding systems: CPOMS and MyConcern answer the same calls.

Also what both packages share: the entry point and the README's settings table.

The same facade calls (household risk flags before a visit, the visit note pushed
twice with one key afterwards) run against each adapter over its own fake.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import timedelta
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from hub.adapters.cpoms import CpomsAdapter
from hub.adapters.cpoms import fake as cpoms_fake
from hub.adapters.cpoms.settings import CpomsSettings
from hub.adapters.myconcern import MyConcernAdapter
from hub.adapters.myconcern import fake as myconcern_fake
from hub.adapters.myconcern.settings import MyConcernSettings
from hub.hooks.manager import Hooks, build_hooks
from hub.models import School, VisitNote
from tests.factories import SCHOOL, T0, pack, visit


def cpoms() -> tuple[Any, object]:
    state = cpoms_fake.FakeState()
    settings = CpomsSettings(base_url="https://x.cpoms.test/api/v1/", api_key=cpoms_fake.API_KEY)
    transport = httpx.ASGITransport(app=cpoms_fake.create_app(state))
    return state, CpomsAdapter(settings, transport=transport)


def myconcern() -> tuple[Any, object]:
    state = myconcern_fake.FakeState()
    settings = MyConcernSettings(
        base_url="https://api.myconcern.test/v1/",
        api_key=myconcern_fake.API_KEY,
        organisation_id=myconcern_fake.ORGANISATION_ID,
    )
    transport = httpx.ASGITransport(app=myconcern_fake.create_app(state))
    return state, MyConcernAdapter(settings, transport=transport)


SYSTEMS: dict[str, Callable[[], tuple[Any, object]]] = {"cpoms": cpoms, "myconcern": myconcern}


def hooks_with(adapter_id: str, adapter: object) -> Hooks:
    school = School(id=SCHOOL, name="St Michael's", policy_pack=SCHOOL)
    return build_hooks(school, pack=pack(), entry_points=False, extra=[(adapter_id, adapter)])


@pytest.mark.parametrize("adapter_id", sorted(SYSTEMS))
async def test_hook_hub_pull_risk_flags_finds_a_siblings_risk_on_either_system(
    adapter_id: str,
) -> None:
    _, adapter = SYSTEMS[adapter_id]()
    hooks = hooks_with(adapter_id, adapter)
    flags = await hooks.pull_risk_flags(pupil_id="pupil-1", household_id=None)
    await hooks.aclose()
    assert flags
    assert {f.source for f in flags} == {adapter_id}
    assert {f.applies_to for f in flags} == {"household"}
    assert all(f.pupil_id is None and f.household_id for f in flags)


@pytest.mark.parametrize("adapter_id", sorted(SYSTEMS))
async def test_hook_hub_push_visit_note_makes_one_record_per_key_on_either_system(
    adapter_id: str,
) -> None:
    state, adapter = SYSTEMS[adapter_id]()
    hooks = hooks_with(adapter_id, adapter)
    the_visit = visit(pupil_id="pupil-2")
    note = VisitNote(
        id="n-1",
        visit_id=the_visit.id,
        pupil_id="pupil-2",
        written_by="staff-1",
        written_at=T0 + timedelta(hours=3),
        discussion="Spoke about getting to school on time.",
        safeguarding_concern=True,
    )
    first = await hooks.push_visit_note(visit=the_visit, note=note, idempotency_key="same")
    again = await hooks.push_visit_note(visit=the_visit, note=note, idempotency_key="same")
    await hooks.aclose()
    assert len(state.records) == 1
    assert (first.system, first.created, again.created) == (adapter_id, True, False)
    assert again.external_id == first.external_id


PACKAGES: dict[str, tuple[type, type[BaseModel]]] = {
    "cpoms": (CpomsAdapter, CpomsSettings),
    "myconcern": (MyConcernAdapter, MyConcernSettings),
}


@pytest.mark.parametrize("adapter_id", sorted(PACKAGES))
def test_each_is_installed_as_a_safeguarding_adapter(adapter_id: str) -> None:
    adapter_cls, _ = PACKAGES[adapter_id]
    (found,) = [e for e in entry_points(group="doorstep.adapters") if e.name == adapter_id]
    assert found.load() is adapter_cls
    assert adapter_cls.manifest.id == adapter_id
    assert adapter_cls.manifest.roles == frozenset({"safeguarding"})


@pytest.mark.parametrize("adapter_id", sorted(PACKAGES))
def test_each_readme_settings_table_lists_every_setting(adapter_id: str) -> None:
    adapter_cls, settings_cls = PACKAGES[adapter_id]
    readme = Path(inspect.getfile(adapter_cls)).with_name("README.md").read_text()
    table = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    rows = {line.split("`")[1] for line in table.splitlines() if line.startswith("| `")}
    assert rows == set(settings_cls.model_fields)
