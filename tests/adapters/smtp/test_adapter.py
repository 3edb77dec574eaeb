"""The smtp adapter against a real SMTP server (aiosmtpd) on 127.0.0.1: STARTTLS with a
private CA, login, recipients from the directory, minimal content, idempotency, and
each SMTP failure as the right hub error."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
import trustme

from hub.adapters.smtp import SmtpAdapter
from hub.adapters.smtp.fake import FakeSmtpServer, FakeState, seeded_staff
from hub.adapters.smtp.models import message_id
from hub.adapters.smtp.settings import SmtpSettings
from hub.errors import AdapterConfigError, AuthError, RejectedError, TransientError
from hub.hooks.types import Notification
from hub.models import School, StaffRole
from tests.factories import T0, fake

SCHOOL = School(id="st-michaels", name="St Michael's", policy_pack="st-michaels")
STAFF = seeded_staff()
PUPIL = fake(80)
PUPIL_NAME, NOTE = PUPIL.name(), PUPIL.sentence(nb_words=8)
LOGIN, PASSWORD = "doorstep", "fake-relay-password-8812"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_server(ca: trustme.CA) -> Iterator[FakeSmtpServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    server = FakeSmtpServer(FakeState(), tls_context=context, logins={LOGIN: PASSWORD}).start()
    yield server
    server.stop()


@pytest.fixture
def plain_server() -> Iterator[FakeSmtpServer]:
    server = FakeSmtpServer(FakeState()).start()
    yield server
    server.stop()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def settings(port: int, **changes: Any) -> SmtpSettings:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "sender": "doorstep@stmichaels.example.test",
        "directory": {
            "roles": {
                "dsl": [STAFF["staff-1"]["email"]],
                "duty_senior_leader": [STAFF["staff-2"]["email"]],
            },
            "staff": {"s-3": [STAFF["staff-3"]["email"]], "s-1": [STAFF["staff-1"]["email"]]},
        },
        "message": {"board_url": "https://hub.example.test/board/{visit_id}"},
        "timeout_s": 5.0,
    }
    return SmtpSettings.model_validate(values | changes)


def escalation(**changes: Any) -> Notification:
    """An escalation whose free text carries a pupil's name and note text."""
    values: dict[str, Any] = {
        "id": "escalate:v-42:rung-2:email",
        "school_id": "st-michaels",
        "visit_id": "v-42",
        "channel": "email",
        "roles": frozenset({StaffRole.DSL, StaffRole.DUTY_SENIOR_LEADER}),
        "staff_ids": ("s-3", "s-1"),
        "subject": f"{PUPIL_NAME}: home visit overdue",
        "body": f"{NOTE} Call the duty senior leader now.",
        "urgent": True,
    }
    return Notification.model_validate(values | changes)


def tls_settings(server: FakeSmtpServer, ca_file: Path, **changes: Any) -> SmtpSettings:
    values = {"security": "starttls", "ca_file": ca_file, "username": LOGIN, "password": PASSWORD}
    return settings(server.port, **(values | changes))


async def test_an_escalation_arrives_over_starttls_with_the_right_recipients_and_nothing_personal(
    tls_server: FakeSmtpServer, ca_file: Path
) -> None:
    adapter = SmtpAdapter(tls_settings(tls_server, ca_file), clock=lambda: T0)
    receipt = await adapter.hub_send_notification(SCHOOL, escalation(), "escalate:k-7:email")

    [(key, email)] = tls_server.state.records.items()
    expected = sorted(STAFF[s]["email"] for s in ("staff-1", "staff-2", "staff-3"))
    assert sorted(tls_server.state.envelopes[key]) == expected
    assert sorted(a.strip() for a in str(email["To"]).split(",")) == expected
    subject, body = str(email["Subject"]), email.get_content()
    assert subject == "Action needed: home visit v-42"
    assert "https://hub.example.test/board/v-42" in body
    for personal in (PUPIL_NAME, NOTE, *PUPIL_NAME.split()):
        assert personal not in subject
        assert personal not in body
    assert email["Message-ID"] == message_id(
        "escalate:k-7:email", "doorstep@stmichaels.example.test"
    )
    assert email["Importance"] == "high"
    assert receipt is not None
    assert receipt.external_id == email["Message-ID"]
    assert receipt.accepted_at == T0


async def test_full_content_sends_the_text_when_the_school_allows_it(
    plain_server: FakeSmtpServer,
) -> None:
    adapter = SmtpAdapter(settings(plain_server.port, message={"content": "full"}))
    await adapter.hub_send_notification(SCHOOL, escalation(), "k-1")
    [email] = plain_server.state.records.values()
    assert PUPIL_NAME in str(email["Subject"])
    assert NOTE in email.get_content()


async def test_the_same_key_sends_once_and_gives_the_same_receipt(
    plain_server: FakeSmtpServer,
) -> None:
    adapter = SmtpAdapter(settings(plain_server.port))
    first = await adapter.hub_send_notification(SCHOOL, escalation(), "k-1")
    second = await adapter.hub_send_notification(SCHOOL, escalation(), "k-1")
    assert first == second
    assert len(plain_server.state.records) == 1


async def test_a_wrong_password_is_an_auth_error(tls_server: FakeSmtpServer, ca_file: Path) -> None:
    adapter = SmtpAdapter(tls_settings(tls_server, ca_file, password="wrong-password-1"))
    with pytest.raises(AuthError, match="535"):
        await adapter.hub_send_notification(SCHOOL, escalation(), "k-1")
    assert tls_server.state.records == {}


async def test_an_untrusted_certificate_is_a_config_error(tls_server: FakeSmtpServer) -> None:
    adapter = SmtpAdapter(settings(tls_server.port, security="starttls"))
    with pytest.raises(AdapterConfigError, match="certificate"):
        await adapter.hub_send_notification(SCHOOL, escalation(), "k-1")


async def test_starttls_is_required_when_the_settings_ask(plain_server: FakeSmtpServer) -> None:
    adapter = SmtpAdapter(settings(plain_server.port, security="starttls"))
    with pytest.raises(AdapterConfigError, match="STARTTLS"):
        await adapter.hub_send_notification(SCHOOL, escalation(), "k-1")
    assert plain_server.state.records == {}


@pytest.mark.parametrize(
    ("status", "error", "code"),
    [
        (503, TransientError, "421"),
        (401, AuthError, "535"),
        (404, RejectedError, "550"),
        (422, RejectedError, "554"),
    ],
)
async def test_smtp_answers_map_to_hub_errors_after_one_transaction(
    plain_server: FakeSmtpServer, status: int, error: type[Exception], code: str
) -> None:
    state = plain_server.state
    state.fail_next(status=status, times=5)
    with structlog.testing.capture_logs() as events, pytest.raises(error, match=code) as caught:
        await SmtpAdapter(settings(plain_server.port)).hub_send_notification(
            SCHOOL, escalation(), "k-1"
        )
    assert state.requests == [("MAIL", "")]
    shown = str(caught.value) + repr(events)
    assert not [e for e in STAFF["staff-1"].values() if e in shown]


async def test_a_server_slower_than_the_timeout_is_transient(plain_server: FakeSmtpServer) -> None:
    plain_server.state.latency_s = 1.0
    adapter = SmtpAdapter(settings(plain_server.port, timeout_s=0.2))
    with pytest.raises(TransientError):
        await adapter.hub_send_notification(SCHOOL, escalation(), "k-1")


async def test_nobody_to_reach_is_refused_before_connecting(plain_server: FakeSmtpServer) -> None:
    lonely = escalation(roles=frozenset({StaffRole.HEADTEACHER}), staff_ids=())
    with pytest.raises(RejectedError, match="no recipient"):
        await SmtpAdapter(settings(plain_server.port)).hub_send_notification(SCHOOL, lonely, "k")
    assert plain_server.state.requests == []


async def test_health_is_ok_then_reports_an_outage(
    tls_server: FakeSmtpServer, ca_file: Path
) -> None:
    adapter = SmtpAdapter(tls_settings(tls_server, ca_file))
    assert (await adapter.hub_health(T0)).ok
    tls_server.state.fail_next(status=503, times=1)
    report = await adapter.hub_health(T0)
    assert not report.ok
    assert "421" in report.detail


async def test_a_closed_port_is_transient() -> None:
    port = FakeSmtpServer(FakeState()).port
    with pytest.raises(TransientError):
        await SmtpAdapter(settings(port)).hub_send_notification(SCHOOL, escalation(), "k-1")


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"host": "smtp.example.test", "security": "none"}, "only allowed for a relay"),
        ({"host": "169.254.169.254"}, "never reachable"),
        ({"password": "x-secret-x"}, "needs a username"),
    ],
)
def test_settings_refuse_unsafe_connections(changes: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem) as caught:
        settings(25, **changes)
    assert "x-secret-x" not in str(caught.value)
