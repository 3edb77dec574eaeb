"""The teams adapter: Adaptive Cards the Workflows fake accepts, routing by the
directory, minimal content, retries that do not repost, and the sig kept secret."""

from __future__ import annotations

import httpx
import pytest
import structlog

from hub.adapters.teams import TeamsAdapter
from hub.adapters.teams.fake import WEBHOOKS, FakeState, create_app, envelope_problem, webhook_urls
from hub.adapters.teams.models import envelope
from hub.adapters.teams.settings import TeamsSettings
from hub.errors import AuthError, RejectedError, TransientError
from hub.hooks.types import Notification
from hub.models import School, StaffRole
from hub.notify import Message
from tests.factories import fake

BASE = "https://prod-12.uksouth.logic.azure.test/"
SCHOOL = School(id="st-michaels", name="St Michael's", policy_pack="st-michaels")
PUPIL_NAME = fake(78).name()
SIGS = [sig for _, sig in WEBHOOKS.values()]


def settings(**changes: object) -> TeamsSettings:
    values: dict[str, object] = {
        "base_url": BASE,
        "webhooks": webhook_urls(BASE),
        "directory": {
            "roles": {"office": ["office"], "dsl": ["dsl"], "duty_senior_leader": ["senior"]},
            "staff": {"s-1": ["office"]},
        },
        "message": {"board_url": "https://hub.example.test/board/{visit_id}"},
    }
    return TeamsSettings.model_validate(values | changes)


def notification(**changes: object) -> Notification:
    values: dict[str, object] = {
        "id": "n-1",
        "school_id": "st-michaels",
        "visit_id": "v-42",
        "channel": "teams",
        "roles": frozenset({StaffRole.DSL, StaffRole.DUTY_SENIOR_LEADER}),
        "staff_ids": ("s-1",),
        "subject": f"{PUPIL_NAME} is overdue",
        "body": f"Concern noted about {PUPIL_NAME}",
        "urgent": True,
    }
    return Notification.model_validate(values | changes)


def adapter(state: FakeState, **changes: object) -> TeamsAdapter:
    return TeamsAdapter(settings(**changes), transport=httpx.ASGITransport(app=create_app(state)))


async def test_a_card_reaches_every_webhook_the_roles_and_staff_map_to_once() -> None:
    state = FakeState()
    receipt = await adapter(state).hub_send_notification(SCHOOL, notification(), "k-1")
    assert sorted(name for name, _ in state.records.values()) == ["dsl", "office", "senior"]
    assert receipt is not None
    assert receipt.external_id == "run-1"
    assert receipt.channel == "teams"


async def test_the_card_is_a_valid_envelope_with_no_personal_text() -> None:
    state = FakeState()
    await adapter(state).hub_send_notification(SCHOOL, notification(), "k-1")
    _, body = state.records["card-1"]
    assert envelope_problem(body) is None
    card = body["attachments"][0]["content"]
    assert card["body"][0]["text"] == "Action needed: home visit v-42"
    assert card["actions"][0]["url"] == "https://hub.example.test/board/v-42"
    assert PUPIL_NAME not in repr(body)


async def test_full_content_sends_the_notification_text_when_the_school_allows_it() -> None:
    state = FakeState()
    full = adapter(state, message={"content": "full"})
    await full.hub_send_notification(SCHOOL, notification(), "k-1")
    assert PUPIL_NAME in repr(state.records["card-1"])


async def test_a_retry_after_a_partial_failure_does_not_repost() -> None:
    state = FakeState()
    teams = adapter(state, max_attempts=1)
    state.fail_next(status=503, times=1)
    with pytest.raises(TransientError):
        await teams.hub_send_notification(SCHOOL, notification(staff_ids=()), "k-1")
    await teams.hub_send_notification(SCHOOL, notification(staff_ids=()), "k-1")
    await teams.hub_send_notification(SCHOOL, notification(staff_ids=()), "k-1")
    assert sorted(name for name, _ in state.records.values()) == ["dsl", "senior"]


async def test_nobody_in_the_directory_is_refused_without_naming_anyone() -> None:
    lonely = notification(roles=frozenset({StaffRole.HEADTEACHER}), staff_ids=("s-9",))
    with (
        structlog.testing.capture_logs() as events,
        pytest.raises(RejectedError, match="no recipient") as caught,
    ):
        await adapter(FakeState()).hub_send_notification(SCHOOL, lonely, "k-1")
    assert "s-9" not in str(caught.value)
    assert events[0]["roles"] == ["headteacher"]
    assert events[0]["staff_count"] == 1


async def test_a_wrong_sig_is_an_auth_error_that_never_shows_a_sig() -> None:
    urls = {name: url.replace("sig=", "sig=x") for name, url in webhook_urls(BASE).items()}
    with structlog.testing.capture_logs() as events, pytest.raises(AuthError) as caught:
        await adapter(FakeState(), webhooks=urls).hub_send_notification(
            SCHOOL, notification(), "k-1"
        )
    shown = str(caught.value) + repr(events)
    assert not [sig for sig in SIGS if sig in shown]
    assert "sig=" not in shown


def test_settings_refuse_a_webhook_on_another_host_without_echoing_it() -> None:
    other = {"office": "https://evil.example.test/workflows/x?sig=topsecret"}
    with pytest.raises(ValueError, match="'office' is not on base_url") as caught:
        settings(webhooks=other, directory={})
    assert "topsecret" not in str(caught.value)


def test_settings_refuse_a_directory_naming_an_unknown_webhook() -> None:
    with pytest.raises(ValueError, match="not configured: lost"):
        settings(directory={"roles": {"office": ["lost"]}})


def test_settings_never_show_a_webhook_url() -> None:
    shown = repr(settings()) + settings().model_dump_json()
    assert not [sig for sig in SIGS if sig in shown]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"type": "card"}, "type must be 'message'"),
        ({"type": "message", "attachments": []}, "non-empty"),
        ({"type": "message", "attachments": [{"contentType": "text/html"}]}, "contentType"),
    ],
)
def test_the_fake_refuses_a_bad_envelope(body: object, problem: str) -> None:
    assert problem in (envelope_problem(body) or "")


def test_a_card_without_a_link_has_no_actions() -> None:
    content = envelope(Message("Update", ("line",), None, False))["attachments"][0]["content"]
    assert "actions" not in content
    assert content["version"] == "1.4"
