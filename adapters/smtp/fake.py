"""A fake mail server: a real SMTP server (``aiosmtpd``) on 127.0.0.1 over a state.

``FakeSmtpServer(state, tls_context=..., logins={...})`` runs in its own thread, offers
STARTTLS when given a TLS context (and then requires it), checks logins, and keeps each
e-mail it accepted in ``state.records`` (Message-ID → e-mail). Injected trouble maps
HTTP-style statuses to SMTP answers: ``state.fail_next(status=503)`` answers
``421``, 401 → ``535``, 404 → ``550``, 400/422 → ``554``; ``state.latency_s`` delays
each transaction. ``create_app(state)`` is a read-only JSON view of what arrived, for
``doorstep demo``. ``aiosmtpd`` is a test dependency, imported only when a server starts.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from faker import Faker

from hub.adapters.webhook.fake import Answer, ASGIApp, FakeHttpState, Request, serve

REPLIES = {
    401: "535 5.7.8 Authentication credentials invalid",
    403: "535 5.7.8 Authentication credentials invalid",
    404: "550 5.1.1 Mailbox unavailable",
    400: "554 5.6.0 Message rejected",
    422: "554 5.6.0 Message rejected",
}
BUSY = "421 4.3.2 Service not available, try again later"


def seeded_staff(seed: int = 2525, count: int = 3) -> dict[str, dict[str, str]]:
    """Staff id → name and e-mail address, generated (Faker en_GB, fixed seed)."""
    faker = Faker("en_GB")
    faker.seed_instance(seed)
    return {
        f"staff-{n}": {"name": faker.name(), "email": faker.email()} for n in range(1, count + 1)
    }


@dataclass
class FakeState(FakeHttpState):
    """What the fake server received: ``records`` maps Message-ID → the parsed e-mail;
    ``envelopes`` maps Message-ID → the SMTP envelope recipients."""

    seed: int = 2525
    staff: dict[str, dict[str, str]] = field(default_factory=dict)
    envelopes: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.staff = seeded_staff(self.seed)

    def personal_values(self) -> list[str]:
        """Every seeded name and e-mail address."""
        return [value for person in self.staff.values() for value in person.values()]

    def reply(self) -> str | None:
        """The injected SMTP answer for this command, if any."""
        failure = self.take_failure()
        if failure is None:
            return None
        return REPLIES.get(failure[0], BUSY)


class Handler:
    """aiosmtpd handler hooks over a ``FakeState`` (which may be swapped between tests)."""

    def __init__(self, state: FakeState) -> None:
        self.state = state

    async def handle_NOOP(self, server: Any, session: Any, envelope: Any, arg: str) -> str:  # noqa: N802
        """Health checks: an injected failure, else 250."""
        self.state.requests.append(("NOOP", ""))
        return self.state.reply() or "250 OK"

    async def handle_MAIL(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        """A transaction starts: latency, then an injected failure or 250."""
        self.state.requests.append(("MAIL", ""))
        if self.state.latency_s:
            await asyncio.sleep(self.state.latency_s)
        refused = self.state.reply()
        if refused:
            return refused
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Keep the e-mail under its Message-ID."""
        email = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(email, EmailMessage)
        key = str(email["Message-ID"])
        self.state.records[key] = email
        self.state.envelopes[key] = list(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


class FakeSmtpServer:
    """A real SMTP server on 127.0.0.1 in a thread: ``start()``, ``port``, ``stop()``."""

    def __init__(
        self,
        state: FakeState,
        *,
        tls_context: ssl.SSLContext | None = None,
        logins: dict[str, str] | None = None,
    ) -> None:
        self.handler = Handler(state)
        self.port = _free_port()
        self._tls = tls_context
        self._logins = logins
        self._controller: Any = None

    @property
    def state(self) -> FakeState:
        """The state e-mails are recorded into."""
        return self.handler.state

    @state.setter
    def state(self, state: FakeState) -> None:
        self.handler.state = state

    def start(self) -> FakeSmtpServer:
        """Start serving; returns self."""
        from aiosmtpd.controller import Controller

        options: dict[str, Any] = {}
        if self._tls is not None:
            options |= {"tls_context": self._tls, "require_starttls": True}
        if self._logins is not None:
            options |= {
                "authenticator": self._authenticate,
                "auth_require_tls": self._tls is not None,
            }
        self._controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            server_hostname="localhost",
            **options,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = (
            isinstance(data, LoginPassword)
            and self._logins is not None
            and (self._logins.get(data.login.decode()) == data.password.decode())
        )
        return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def create_app(state: FakeState) -> ASGIApp:
    """A read-only JSON view of the e-mails that arrived: ``GET /messages``."""

    def handle(request: Request) -> Answer:
        if request.method != "GET" or request.path.rstrip("/") != "/messages":
            return 404, {"error": "not found"}, {}
        listed = [
            {
                "message_id": key,
                "to": state.envelopes.get(key, []),
                "subject": str(email["Subject"]),
            }
            for key, email in state.records.items()
        ]
        return 200, {"messages": listed}, {}

    return serve(state, handle)
