"""The rules every notification channel shares: minimal content, the directory,
remembered receipts, and routing by channel through a school's hooks."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hub.adapters.teams import TeamsAdapter
from hub.adapters.teams import fake as teams_fake
from hub.adapters.teams.settings import TeamsSettings
from hub.adapters.webhook import WebhookAdapter
from hub.adapters.webhook import fake as webhook_fake
from hub.adapters.webhook.settings import WebhookSettings
from hub.errors import RejectedError
from hub.hooks.manager import build_hooks
from hub.hooks.types import DeliveryReceipt, Notification
from hub.models import School, StaffRole
from hub.notify import (
    Directory,
    MessageSettings,
    SentKeys,
    compose,
)
from tests.factories import T0, fake, pack

SCHOOL = School(id="st-michaels", name="St Michael's", policy_pack="st-michaels")
PERSON = fake(81)
PUPIL_NAME, NOTE = PERSON.name(), PERSON.sentence(nb_words=7)
BOARD = MessageSettings(board_url="https://hub.example.test/board/{visit_id}")


def notification(**changes: Any) -> Notification:
    values: dict[str, Any] = {
        "id": "n-1",
        "school_id": "st-michaels",
        "visit_id": "v-42",
        "channel": "email",
        "subject": f"{PUPIL_NAME} is overdue",
        "body": NOTE,
        "roles": frozenset({StaffRole.OFFICE}),
    }
    return Notification.model_validate(values | changes)


@pytest.mark.parametrize(
    ("changes", "subject"),
    [
        ({"urgent": True}, "Action needed: home visit v-42"),
        ({"silent": True}, "DURESS ALARM: home visit v-42"),
        ({}, "Update: home visit v-42"),
        ({"visit_id": None}, "Doorstep: a message for St Michael's"),
    ],
)
def test_minimal_content_strips_the_free_text(changes: dict[str, Any], subject: str) -> None:
    message = compose(notification(**changes), SCHOOL, BOARD)
    assert message.subject == subject
    for personal in (PUPIL_NAME, NOTE):
        assert personal not in message.subject
        assert personal not in message.text


def test_a_duress_alarm_is_urgent_and_says_not_to_call_the_staff() -> None:
    message = compose(notification(silent=True), SCHOOL, BOARD)
    assert message.urgent
    assert "do not call the visiting staff" in message.text


def test_full_content_sends_the_text_as_given() -> None:
    message = compose(notification(), SCHOOL, MessageSettings(content="full"))
    assert message.subject == f"{PUPIL_NAME} is overdue"
    assert message.lines == (NOTE,)
    assert message.link is None


def test_the_board_link_escapes_the_visit_id() -> None:
    message = compose(notification(visit_id="v/1?x"), SCHOOL, BOARD)
    assert message.link == "https://hub.example.test/board/v%2F1%3Fx"
    assert message.text.endswith("Board: https://hub.example.test/board/v%2F1%3Fx")


def test_a_board_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="board_url"):
        MessageSettings(board_url="javascript:alert(1)")


def test_the_directory_resolves_roles_then_staff_each_address_once() -> None:
    directory = Directory(
        roles={StaffRole.DSL: ["dsl@x.test"], StaffRole.OFFICE: ["office@x.test"]},
        staff={"s-1": ["dsl@x.test", "s1@x.test"]},
    )
    wanted = notification(roles=frozenset({StaffRole.OFFICE, StaffRole.DSL}), staff_ids=("s-1",))
    assert directory.resolve(wanted, adapter="smtp") == ["dsl@x.test", "office@x.test", "s1@x.test"]
    assert directory.addresses() == ["dsl@x.test", "office@x.test", "s1@x.test"]


def test_contacts_alone_reach_nobody() -> None:
    only_family = notification(roles=frozenset(), contact_ids=("c-1",))
    with pytest.raises(RejectedError, match="1 family contacts"):
        Directory(roles={StaffRole.OFFICE: ["o@x.test"]}).resolve(only_family, adapter="smtp")


def test_sent_keys_forget_the_oldest_past_their_limit() -> None:
    sent = SentKeys(limit=2)
    for key in ("a", "b", "c"):
        sent.add(
            DeliveryReceipt(
                system="smtp", channel="email", external_id=key, idempotency_key=key, accepted_at=T0
            )
        )
    assert sent.get("a") is None
    assert sent.get("c") is not None


async def test_a_schools_hooks_reach_the_one_adapter_serving_each_channel() -> None:
    teams_state, hook_state = teams_fake.FakeState(), webhook_fake.FakeState()
    base = "https://teams.fake.test/"
    teams = TeamsAdapter(
        TeamsSettings(
            base_url=base,
            webhooks=teams_fake.webhook_urls(base),
            directory=Directory(roles={StaffRole.OFFICE: ["office"]}),
        ),
        transport=httpx.ASGITransport(app=teams_fake.create_app(teams_state)),
    )
    hook = WebhookAdapter(
        WebhookSettings(base_url="https://hooks.fake.test/", signing_secret=webhook_fake.SECRET),
        transport=httpx.ASGITransport(app=webhook_fake.create_app(hook_state)),
    )
    hooks = build_hooks(
        SCHOOL, pack=pack(), entry_points=False, extra=[("teams", teams), ("webhook", hook)]
    )
    on_teams = await hooks.send_notification(
        notification=notification(channel="teams"), idempotency_key="k-teams"
    )
    on_webhook = await hooks.send_notification(
        notification=notification(channel="webhook"), idempotency_key="k-hook"
    )
    assert (on_teams.system, on_webhook.system) == ("teams", "webhook")
    assert len(teams_state.records) == 1
    assert list(hook_state.records) == ["k-hook"]
