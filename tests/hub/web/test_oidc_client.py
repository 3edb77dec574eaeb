"""The OIDC client on its own: the egress guard on the way to the provider, discovery
documents it refuses (plain HTTP endpoints, another issuer), and how long it keeps one."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from pydantic import SecretStr

from hub.fakes.oidc import CLIENT_ID, CLIENT_SECRET, ISSUER, FakeOidcState, create_app
from hub.settings import OidcSettings
from hub.web.oidc_client import OidcClient, OidcRefusal
from tests.factories import T0


def settings(issuer: str) -> OidcSettings:
    return OidcSettings(
        issuer=issuer,
        client_id=CLIENT_ID,
        client_secret=SecretStr(CLIENT_SECRET),
        allowed_domains=frozenset({"stmichaels.example.org"}),
    )


@pytest.mark.parametrize(
    ("issuer", "reason"),
    [
        ("https://127.0.0.1:9/tenant/v2.0", "provider_unreachable"),  # loopback: guard refuses
        ("https://169.254.169.254/tenant/v2.0", "address_not_allowed"),  # metadata address
    ],
)
async def test_the_provider_is_reached_only_through_the_egress_guard(
    issuer: str, reason: str
) -> None:
    client = OidcClient(settings(issuer))
    with pytest.raises(OidcRefusal) as refused:
        await client.metadata(T0)
    assert refused.value.reason == reason
    assert refused.value.status == 502
    await client.aclose()


async def test_a_discovery_document_with_plain_http_endpoints_is_refused() -> None:
    fake = FakeOidcState(base_url="http://id.fake-oidc.example")
    client = OidcClient(settings(ISSUER), transport=httpx.ASGITransport(app=create_app(fake)))
    with pytest.raises(OidcRefusal) as refused:
        await client.metadata(T0)
    assert refused.value.reason == "endpoint_not_https"


async def test_a_discovery_document_for_another_issuer_is_refused() -> None:
    fake = FakeOidcState(issuer="https://someone-else.example")
    client = OidcClient(settings(ISSUER), transport=httpx.ASGITransport(app=create_app(fake)))
    with pytest.raises(OidcRefusal) as refused:
        await client.metadata(T0)
    assert refused.value.reason == "discovery_issuer_mismatch"


async def test_discovery_is_kept_for_an_hour() -> None:
    fake = FakeOidcState()
    calls: list[str] = []

    async def counting(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(200, json=fake.discovery())

    client = OidcClient(settings(ISSUER), transport=httpx.MockTransport(counting))
    first = await client.metadata(T0)
    assert await client.metadata(T0 + timedelta(minutes=59)) == first
    await client.metadata(T0 + timedelta(minutes=61))
    assert calls == ["/.well-known/openid-configuration"] * 2
