"""The fake OIDC provider mounts like the adapters' fakes and serves discovery there."""

from __future__ import annotations

import httpx

from hub.fakes import build_fakes
from hub.fakes.oidc import oidc_backend


async def test_the_fake_provider_mounts_under_fake_oidc() -> None:
    fakes = build_fakes(backends={"oidc": oidc_backend()})
    fake = fakes.state("oidc")
    fake.issuer = fake.base_url = "http://fakes.test/fake/oidc"
    transport = httpx.ASGITransport(app=fakes.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://fakes.test") as client:
        discovery = await client.get("/fake/oidc/.well-known/openid-configuration")
        keys = await client.get("/fake/oidc/jwks")
    assert discovery.json()["token_endpoint"] == "http://fakes.test/fake/oidc/token"
    assert [key["kty"] for key in keys.json()["keys"]] == ["RSA"]
