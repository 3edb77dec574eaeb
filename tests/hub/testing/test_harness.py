"""The harness: settings pointed at the fake, HttpSettings found and changed, requests
counted, waits recorded, hooks called with the arguments they take."""

from __future__ import annotations

import httpx
import pytest
from pydantic import BaseModel, ConfigDict, Field

from hub.http import HttpSettings
from hub.testing import samples
from hub.testing.harness import (
    CountingTransport,
    RecordingSleep,
    call_hook,
    http_settings,
    open_harness,
    probe_hook,
    sample_arguments,
    secret_values,
    with_http,
)
from tests.hub.testing import example


class Holder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    http: HttpSettings = Field(description="HTTP")
    folder: str = Field(default="x", description="A folder")


def test_http_settings_are_found_as_the_model_or_a_field() -> None:
    own = example.settings("https://example.fake.test/")
    held = Holder(http=HttpSettings(base_url="https://a.test/"))
    assert http_settings(own) is own
    assert http_settings(held) is held.http
    assert http_settings(HttpSettings.model_validate({"base_url": "https://b.test/"})) is not None


def test_with_http_changes_a_validated_copy() -> None:
    held = Holder(http=HttpSettings(base_url="https://a.test/"))
    changed = with_http(held, deadline_s=0.5, base_url="https://b.test/")
    assert isinstance(changed, Holder)
    assert changed.http.deadline_s == 0.5
    assert str(changed.http.base_url) == "https://b.test/"
    assert held.http.deadline_s == 30
    with pytest.raises(ValueError, match="greater than 0"):
        with_http(held, deadline_s=0)
    with pytest.raises(LookupError, match="holds no HttpSettings"):
        with_http(HttpHolderless(), deadline_s=1)


class HttpHolderless(BaseModel):
    name: str = "x"


def test_secret_values_walk_nested_models() -> None:
    settings = example.settings("https://example.fake.test/")
    assert list(secret_values(settings)) == [example.fake.TOKEN]


async def test_recording_sleep_never_waits() -> None:
    sleep = RecordingSleep()
    await sleep(30)
    await sleep(0.5)
    assert sleep.calls == [30, 0.5]


async def test_counting_transport_counts_and_closes() -> None:
    state = example.fake.FakeState()
    transport = CountingTransport(httpx.ASGITransport(app=example.fake.create_app(state)))
    async with httpx.AsyncClient(transport=transport, base_url="https://x.test") as client:
        response = await client.get("/health")
    assert response.status_code == 401  # no token
    assert transport.requests == [("GET", "/health")]
    assert transport.closed


async def test_a_harness_points_the_adapter_at_a_fresh_fake() -> None:
    subject = example.subject()
    async with open_harness(subject) as h:
        assert subject.fake_url == "https://example.fake.test/"
        assert await h.pupil_id() == "pupil-1"
        pupil = await h.run("hub_pull_pupil")
        assert pupil.id == "pupil-1"
        assert h.requests == 1
    assert h.transport.closed


async def test_call_hook_passes_only_the_arguments_a_method_takes() -> None:
    async with open_harness(example.subject()) as h:
        report = await call_hook(h.adapter, "hub_health", now=samples.NOW, unused="ignored")
    assert report.ok
    assert report.checked_at == samples.NOW


def test_sample_arguments_give_each_push_a_fresh_key() -> None:
    first = sample_arguments("hub_push_visit_note", pupil_id="p-1", channel="email")
    second = sample_arguments("hub_push_visit_note", pupil_id="p-1", channel="email")
    assert first["idempotency_key"] != second["idempotency_key"]
    assert first["note"].discussion == samples.NOTE_TEXT
    notification = sample_arguments("hub_send_notification", pupil_id="", channel="sms")
    assert notification["notification"].channel == "sms"


def test_the_probe_is_the_first_pull_else_a_push() -> None:
    assert probe_hook(frozenset({"hub_push_visit_note", "hub_pull_contacts"})) == (
        "hub_pull_contacts"
    )
    assert probe_hook(frozenset({"hub_send_notification"})) == "hub_send_notification"
    with pytest.raises(AssertionError, match="no pull or push hook"):
        probe_hook(frozenset({"hub_health"}))


async def test_a_fake_state_missing_members_is_named() -> None:
    class Bare:
        page_size = 1

    subject = example.subject()
    broken = type(subject)(subject.adapter_cls, _BareBackend(Bare), example.settings)
    with pytest.raises(AssertionError, match="lacks latency_s, fail_next, personal_values"):
        async with open_harness(broken):
            pass


class _BareBackend:
    def __init__(self, state_class: type) -> None:
        self.create_app = example.fake.create_app
        self.state_factory = state_class
