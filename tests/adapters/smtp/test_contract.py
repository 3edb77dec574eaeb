"""The hub's adapter contract, run against the smtp adapter and a real SMTP server.

One ``aiosmtpd`` server on 127.0.0.1 serves the whole module; each test's fresh fake
state is attached to it when the kit builds the test's app, so e-mails land in the
state the checks look at. The checks about HTTP (status codes, Retry-After, TLS of an
HTTP client, the egress guard on a base URL, counting HTTP requests) do not apply;
``test_adapter.py`` covers their SMTP counterparts (STARTTLS, 421/535/550, timeouts).
"""

from __future__ import annotations

import atexit
from functools import cache
from typing import Any

from hub.adapters.smtp import SmtpAdapter
from hub.adapters.smtp.fake import FakeSmtpServer, FakeState, create_app, seeded_staff
from hub.adapters.smtp.settings import SmtpSettings
from hub.testing import Fake, SuiteConfig, adapter_contract

NO_HTTP = "smtp speaks SMTP, not HTTP"


@cache
def server() -> FakeSmtpServer:
    running = FakeSmtpServer(FakeState()).start()
    atexit.register(running.stop)
    return running


def attach(state: FakeState) -> Any:
    server().state = state
    return create_app(state)


def settings(base_url: str) -> SmtpSettings:
    staff = seeded_staff()
    return SmtpSettings(
        host="127.0.0.1",
        port=server().port,
        security="none",
        sender="doorstep@school.example.test",
        directory={"staff": {"kit-staff-1": [staff["staff-1"]["email"]]}},
    )


TestSmtpContract = adapter_contract(
    SmtpAdapter,
    fake=Fake(attach, FakeState),
    settings=settings,
    suite=SuiteConfig(
        notification_channel="email",
        pupil_id="kit-pupil",
        skip={
            "retry_after_is_honoured": f"{NO_HTTP}: no Retry-After; each send is one try",
            "retry_after_above_cap_raises": f"{NO_HTTP}: no Retry-After",
            "server_errors_are_bounded": f"{NO_HTTP}: one try per send (test_adapter: 421)",
            "auth_failure_is_not_retried": f"{NO_HTTP}: the kit counts HTTP requests "
            "(test_adapter: 535 is AuthError after one transaction)",
            "rejection_is_not_retried": f"{NO_HTTP}: the kit counts HTTP requests "
            "(test_adapter: 550/554 are RejectedError)",
            "timeout_is_transient": f"{NO_HTTP}: no HttpSettings (test_adapter: a slow server)",
            "tls_verification_on": f"{NO_HTTP}: STARTTLS is tested in test_adapter",
            "link_local_base_url_refused": f"{NO_HTTP}: no base URL; settings refuse "
            "link-local hosts (test_adapter)",
            "stop_closes_client": "each e-mail opens and closes its own connection",
        },
    ),
)
