"""WondeAdapter through the hooks facade: pupils, households, contacts, attendance, health."""

from __future__ import annotations

from datetime import UTC, date, datetime
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from pydantic import ValidationError
from structlog.testing import capture_logs

import hub.adapters.wonde as wonde_package
from hub.adapters.wonde import WondeAdapter
from hub.adapters.wonde.fake import FakeState
from hub.adapters.wonde.settings import WondeSettings
from hub.errors import NotFoundError
from hub.hooks.manager import Hooks
from hub.hooks.registry import build_registry
from hub.logging import redact_personal_data
from tests.adapters.wonde.helpers import adapter_for, settings_for
from tests.factories import SCHOOL, T0


async def test_a_pupil_is_pulled_with_address_and_household(
    hooks: Hooks, fake_wonde: FakeState
) -> None:
    student_id = sorted(fake_wonde.students)[0]
    pupil = await hooks.pull_pupil(pupil_id=student_id)
    assert pupil.id == student_id
    assert pupil.school_id == SCHOOL
    assert pupil.date_of_birth is not None
    assert pupil.address is not None
    assert pupil.address.household_id is not None


async def test_the_whole_roll_is_pulled(hooks: Hooks, fake_wonde: FakeState) -> None:
    fake_wonde.page_size = 1
    pupils = await hooks.pull_pupils()
    assert sorted(p.id for p in pupils) == sorted(fake_wonde.students)


async def test_siblings_share_a_household_and_others_do_not(
    hooks: Hooks, fake_wonde: FakeState
) -> None:
    pupils = {p.id: p for p in await hooks.pull_pupils()}
    households = fake_wonde.households()
    assert any(len(group) > 1 for group in households)  # the seed has siblings
    ids: dict[str, str | None] = {
        pid: (p.address.household_id if p.address else None) for pid, p in pupils.items()
    }
    for group in households:
        assert len({ids[pid] for pid in group}) == 1, "siblings typed differently still match"
    assert len({ids[group[0]] for group in households}) == len(households)


async def test_an_incremental_pull_returns_only_changed_pupils(
    hooks: Hooks, fake_wonde: FakeState
) -> None:
    since = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
    changed = sorted(fake_wonde.students)[5:7]
    fake_wonde.touch(changed, at=T0)
    pupils = await hooks.pull_pupils(since=since)
    assert sorted(p.id for p in pupils) == changed
    assert fake_wonde.requests[-1].params["updated_after"] == "2026-11-20 16:00:00"


async def test_contacts_carry_parental_responsibility_in_priority_order(
    hooks: Hooks, fake_wonde: FakeState
) -> None:
    student_id = sorted(fake_wonde.students)[0]
    contacts = await hooks.pull_contacts(pupil_id=student_id)
    assert [c.priority for c in contacts] == [1, 2]
    mother, second = contacts
    assert mother.relationship == "mother"
    assert mother.parental_responsibility is True
    assert mother.phone is not None
    expected = {"father": True, "grandmother": False, "aunt": False}[second.relationship]
    assert second.parental_responsibility is expected
    assert all(c.pupil_id == student_id for c in contacts)


async def test_an_unknown_pupil_is_not_found(hooks: Hooks) -> None:
    with pytest.raises(NotFoundError):
        await hooks.pull_pupil(pupil_id="A000000000")
    with pytest.raises(NotFoundError):
        await hooks.pull_contacts(pupil_id="A000000000")


async def test_attendance_over_a_window(hooks: Hooks, fake_wonde: FakeState) -> None:
    student_id = sorted(fake_wonde.students)[0]
    since, until = date(2026, 9, 1), date(2026, 11, 30)
    summary = await hooks.pull_attendance(pupil_id=student_id, since=since, until=until)
    assert summary is not None
    assert (summary.pupil_id, summary.since, summary.until) == (student_id, since, until)
    marks = fake_wonde.attendance_marks(student_id, since, until)
    assert summary.possible_sessions == marks["possible"] > 0
    assert summary.attended_sessions == marks["present"]


async def test_attendance_of_an_unknown_pupil_is_not_known(hooks: Hooks) -> None:
    summary = await hooks.pull_attendance(
        pupil_id="A000000000", since=date(2026, 9, 1), until=date(2026, 9, 30)
    )
    assert summary is None


async def test_health_is_ok_against_the_fake(hooks: Hooks) -> None:
    (report,) = await hooks.health(now=T0)
    assert report.component == "wonde"
    assert report.ok is True
    assert report.checked_at == T0


async def test_health_reports_a_refused_token_with_the_fix(fake_wonde: FakeState) -> None:
    adapter = adapter_for(fake_wonde, token="wrong-token-123")
    report = await adapter.hub_health(now=T0)
    await adapter.stop()
    assert report.ok is False
    assert "AuthError (401)" in report.detail
    assert "token" in report.detail
    assert "wrong-token-123" not in report.detail


async def test_unavailable_is_logged_once_and_recovered_once(
    wonde: WondeAdapter, fake_wonde: FakeState
) -> None:
    with capture_logs() as logs:
        fake_wonde.fail_next(status=503, times=8)
        first = await wonde.hub_health(now=T0)
        second = await wonde.hub_health(now=T0)
        third = await wonde.hub_health(now=T0)
        fourth = await wonde.hub_health(now=T0)
    assert [first.ok, second.ok, third.ok, fourth.ok] == [False, False, True, True]
    events = [e["event"] for e in logs if e["event"].startswith("adapter.")]
    assert events == ["adapter.unavailable", "adapter.recovered"]


async def test_stop_closes_the_client(fake_wonde: FakeState) -> None:
    adapter = adapter_for(fake_wonde)
    await adapter.start()
    await adapter.stop()
    assert adapter._client.is_closed


async def test_no_seeded_personal_value_or_token_reaches_logs_or_errors(
    hooks: Hooks, fake_wonde: FakeState
) -> None:
    texts: list[str] = []
    with capture_logs(processors=[redact_personal_data]) as logs:
        pupils = await hooks.pull_pupils()
        for pupil in pupils[:5]:
            await hooks.pull_contacts(pupil_id=pupil.id)
        for pupil_id in ("A000000000", "A000000001"):
            try:
                await hooks.pull_pupil(pupil_id=pupil_id)
            except NotFoundError as exc:
                texts.append(str(exc))
        fake_wonde.fail_next(status=429, times=1, retry_after=1)
        await hooks.health(now=T0)
    texts += [repr(event) for event in logs]
    texts += [repr(p) for p in pupils]
    haystack = "\n".join(texts)
    assert texts
    for value in [*fake_wonde.personal_values(), fake_wonde.token]:
        assert value not in haystack


# --- registration and settings -------------------------------------------------------


def test_the_adapter_registers_its_settings_and_fake() -> None:
    registry = build_registry(entry_points=False, extra=[("wonde", WondeAdapter)])
    assert registry.settings_models()["wonde"] is WondeSettings
    backend = registry.mock_backends()["wonde"]
    assert isinstance(backend.state_factory(), FakeState)


def test_the_installed_entry_point_is_this_adapter() -> None:
    (found,) = [e for e in entry_points(group="doorstep.adapters") if e.name == "wonde"]
    assert found.load() is WondeAdapter
    assert WondeAdapter.manifest.id == "wonde"
    assert WondeAdapter.manifest.roles == frozenset({"mis"})


@pytest.mark.parametrize(
    ("region", "base_url"),
    [("uk", "https://api.wonde.com/v1.0/"), ("anz", "https://api-ap-southeast-2.wonde.com/v1.0/")],
)
def test_the_region_sets_the_base_url(region: str, base_url: str) -> None:
    settings = WondeSettings.model_validate(
        {"token": "t0k3n-value", "school_id": "A1930499544", "region": region}
    )
    assert str(settings.base_url) == base_url


def test_a_given_base_url_wins_over_the_region(fake_wonde: FakeState) -> None:
    settings = settings_for(fake_wonde, base_url="http://127.0.0.1:8765/fake/wonde/v1.0/")
    assert str(settings.base_url) == "http://127.0.0.1:8765/fake/wonde/v1.0/"


def test_the_token_stays_secret_and_bad_values_are_refused_quietly() -> None:
    settings = WondeSettings.model_validate({"token": "t0k3n-value", "school_id": "A1"})
    assert "t0k3n-value" not in repr(settings)
    with pytest.raises(ValidationError) as caught:
        WondeSettings.model_validate({"token": "t0k3n-value", "school_id": "A1/../x"})
    assert "A1/../x" not in str(caught.value)
    with pytest.raises(ValidationError):
        WondeSettings.model_validate({"token": "x", "school_id": "A1", "surprise": 1})


def test_the_readme_table_lists_every_setting() -> None:
    readme = Path(wonde_package.__file__).with_name("README.md").read_text()
    rows = {line.split("`")[1] for line in readme.splitlines() if line.startswith("| `")}
    assert rows == set(WondeSettings.model_fields)
