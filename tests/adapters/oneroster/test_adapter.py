"""The OneRoster adapter through the hub's facade, against the fake service."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import pytest

from hub.adapters.oneroster import OneRosterAdapter
from hub.adapters.oneroster.fake import FakeState, create_app
from hub.errors import NotFoundError
from hub.hooks.manager import Hooks, build_hooks
from hub.hooks.registry import build_registry
from hub.logging import assert_no_personal_data, capture_redacted_logs
from hub.testing import RecordingSleep, samples
from tests.factories import T0, pack

from .conftest import settings_for
from .test_contract import settings as contract_settings


def hooks_for(adapter: OneRosterAdapter) -> Hooks:
    return build_hooks(
        samples.school(), pack=pack(), entry_points=False, extra=[("oneroster", adapter)]
    )


async def test_pull_pupil_with_birth_date_and_address(
    oneroster_adapter: OneRosterAdapter, fake_oneroster: FakeState
) -> None:
    pupil = await hooks_for(oneroster_adapter).pull_pupil(pupil_id="stu-00002")
    raw = fake_oneroster.users["stu-00002"]
    assert pupil.first_name == raw["givenName"]
    assert pupil.date_of_birth == date.fromisoformat(
        fake_oneroster.demographics["stu-00002"]["birthDate"]
    )
    assert pupil.address is not None
    assert pupil.address.line1 == raw["metadata"]["address"]["line1"]


async def test_pull_pupils_returns_the_active_roll_with_birth_dates(
    oneroster_adapter: OneRosterAdapter, fake_oneroster: FakeState
) -> None:
    pupils = await hooks_for(oneroster_adapter).pull_pupils(since=None)
    ids = {p.id for p in pupils}
    assert ids == {*fake_oneroster.pupil_ids(), "stu-00013"}  # another school's, unscoped
    assert "stu-00014" not in ids  # tobedeleted
    assert all(p.date_of_birth is not None for p in pupils)


async def test_pull_pupils_since_reads_only_changed_pupils(
    oneroster_adapter: OneRosterAdapter, fake_oneroster: FakeState
) -> None:
    cut = datetime(2027, 1, 1, tzinfo=UTC)
    fake_oneroster.touch(["stu-00003", "stu-00007"], datetime(2027, 2, 1, tzinfo=UTC))
    pupils = await hooks_for(oneroster_adapter).pull_pupils(since=cut)
    assert sorted(p.id for p in pupils) == ["stu-00003", "stu-00007"]
    assert all(p.date_of_birth is not None for p in pupils)
    demographics = [r for r in fake_oneroster.requests if "/demographics" in r.path]
    assert [r.query["filter"] for r in demographics] == [
        ["sourcedId='stu-00003' OR sourcedId='stu-00007'"]  # one filtered request for both
    ]


async def test_a_full_pull_reads_birth_dates_from_the_collection_not_per_pupil(
    fake_oneroster: FakeState,
) -> None:
    adapter = OneRosterAdapter(
        settings_for(fake_oneroster, page_size=5),
        transport=httpx.ASGITransport(app=create_app(fake_oneroster)),
        sleep=RecordingSleep(),
    )
    pupils = await hooks_for(adapter).pull_pupils(since=None)
    await adapter.stop()
    births = {p.id: p.date_of_birth for p in pupils}
    assert births["stu-00009"] == date.fromisoformat(
        fake_oneroster.demographics["stu-00009"]["birthDate"]
    )
    demographics = [r.path for r in fake_oneroster.requests if "/demographics" in r.path]
    assert set(demographics) == {"/ims/oneroster/rostering/v1p2/demographics"}
    assert len(demographics) == 3  # 14 records, five a page


async def test_an_incremental_pull_reads_birth_dates_page_by_page(
    fake_oneroster: FakeState,
) -> None:
    touched = [f"stu-{n:05d}" for n in range(1, 8)]
    fake_oneroster.touch(touched, datetime(2027, 2, 1, tzinfo=UTC))
    adapter = OneRosterAdapter(
        settings_for(fake_oneroster, page_size=4),
        transport=httpx.ASGITransport(app=create_app(fake_oneroster)),
        sleep=RecordingSleep(),
    )
    pupils = await hooks_for(adapter).pull_pupils(since=datetime(2027, 1, 1, tzinfo=UTC))
    await adapter.stop()
    assert [p.id for p in pupils] == touched
    assert all(p.date_of_birth is not None for p in pupils)
    filters = [r.query["filter"][0] for r in fake_oneroster.requests if "/demogr" in r.path]
    assert [f.count("sourcedId=") for f in filters] == [4, 3]  # one request per roll page


async def test_contacts_are_the_agents_with_parental_responsibility_marked(
    oneroster_adapter: OneRosterAdapter, fake_oneroster: FakeState
) -> None:
    hooks = hooks_for(oneroster_adapter)
    two = await hooks.pull_contacts(pupil_id="stu-00002")  # a parent and a relative
    one = await hooks.pull_contacts(pupil_id="stu-00003")  # a guardian
    assert [(c.id, c.relationship, c.parental_responsibility, c.priority) for c in two] == [
        ("usr-00002-1", "parent", True, 1),
        ("usr-00002-2", "relative", False, 2),
    ]
    assert [(c.relationship, c.parental_responsibility) for c in one] == [("guardian", True)]
    assert two[0].phone == fake_oneroster.users["usr-00002-1"]["phone"]


async def test_siblings_share_contacts_and_household(
    oneroster_adapter: OneRosterAdapter,
) -> None:
    hooks = hooks_for(oneroster_adapter)
    older, younger = [await hooks.pull_pupil(pupil_id=i) for i in ("stu-00003", "stu-00004")]
    assert older.address is not None
    assert younger.address is not None
    assert older.address.household_id == younger.address.household_id
    contacts = [await hooks.pull_contacts(pupil_id=i) for i in ("stu-00003", "stu-00004")]
    assert [c.id for c in contacts[0]] == [c.id for c in contacts[1]]


async def test_a_dangling_agent_is_skipped(
    oneroster_adapter: OneRosterAdapter, fake_oneroster: FakeState
) -> None:
    del fake_oneroster.users["usr-00002-2"]
    contacts = await hooks_for(oneroster_adapter).pull_contacts(pupil_id="stu-00002")
    assert [c.id for c in contacts] == ["usr-00002-1"]


@pytest.mark.parametrize("unknown", ["stu-99999", "usr-00002-1", "tea-00001"])
async def test_unknown_or_non_student_id_is_not_found(
    oneroster_adapter: OneRosterAdapter, unknown: str
) -> None:
    hooks = hooks_for(oneroster_adapter)
    with pytest.raises(NotFoundError) as caught:
        await hooks.pull_pupil(pupil_id=unknown)
    with pytest.raises(NotFoundError):
        await hooks.pull_contacts(pupil_id=unknown)
    assert unknown not in str(caught.value)


async def test_demographics_off_reads_no_demographics(fake_oneroster: FakeState) -> None:
    adapter = OneRosterAdapter(
        settings_for(fake_oneroster, demographics=False),
        transport=httpx.ASGITransport(app=create_app(fake_oneroster)),
        sleep=RecordingSleep(),
    )
    pupil = await hooks_for(adapter).pull_pupil(pupil_id="stu-00001")
    await adapter.stop()
    assert pupil.date_of_birth is None
    assert not [r for r in fake_oneroster.requests if "/demographics" in r.path]


async def test_health_names_the_fix_for_bad_credentials(fake_oneroster: FakeState) -> None:
    adapter = OneRosterAdapter(
        settings_for(fake_oneroster, client_secret="wrong"),
        transport=httpx.ASGITransport(app=create_app(fake_oneroster)),
        sleep=RecordingSleep(),
    )
    report = await adapter.hub_health(now=T0)
    await adapter.stop()
    assert not report.ok
    assert report.detail == (
        "AuthError (status 401): check client_id, client_secret, scope and token_url"
    )


async def test_the_hub_finds_the_adapter_by_its_entry_point() -> None:
    registry = build_registry()
    assert registry.settings_models()["oneroster"].__name__ == "OneRosterSettings"
    assert registry.mock_backends()["oneroster"].state_factory is FakeState


async def test_a_whole_sync_logs_nothing_personal(fake_oneroster: FakeState) -> None:
    settings = contract_settings("https://oneroster.fake.test/")
    adapter = OneRosterAdapter(
        settings,
        transport=httpx.ASGITransport(app=create_app(fake_oneroster)),
        sleep=RecordingSleep(),
    )
    hooks = hooks_for(adapter)
    with capture_redacted_logs() as events:
        fake_oneroster.fail_next(status=503, times=1, retry_after=1)
        pupils = await hooks.pull_pupils(since=None)
        fake_oneroster.revoke_tokens()
        for pupil in pupils[:3]:
            await hooks.pull_contacts(pupil_id=pupil.id)
    await adapter.stop()
    assert any(e["event"] == "http.retry" for e in events)
    assert_no_personal_data(events, fake_oneroster.personal_values())
