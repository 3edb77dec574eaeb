"""Talking to an OpenID Connect provider: discovery, the code exchange, the ID token.

``OidcClient`` reads ``<issuer>/.well-known/openid-configuration`` and the JWKS
through the hub's ``HttpClient`` (timeouts, retries, the egress guard), one per
origin, and keeps both for an hour; an ID token signed with a key it has not seen
fetches the JWKS again, so the provider's key rotation just works (the token comes
from the token endpoint over TLS, never from the browser, so nobody else can make the
hub fetch). PyJWT's ``PyJWKClient`` is not used because it fetches with ``urllib``,
outside the egress guard and the test transport; PyJWT's ``PyJWKSet`` parses the keys.

``verify`` checks the signature (RS256), ``iss``, ``aud`` (and ``azp`` when there are
several audiences), ``exp``/``iat`` (60 s leeway, PyJWT's clock) and ``nonce``.
Microsoft's multi-tenant issuers (``.../organizations/v2.0``, ``.../common/v2.0``)
publish ``https://login.microsoftonline.com/{tenantid}/v2.0`` as their issuer: the
token's ``tid`` must be one of ``allowed_tenants`` and is put in its place.

Every failure is an ``OidcRefusal`` carrying plain words for the page and a short
reason for the log, never a claim's value.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote_plus, urlencode, urlsplit

import httpx
import jwt
from pydantic import BaseModel, ConfigDict, ValidationError

from hub.auth.secrets import same
from hub.errors import AdapterError
from hub.http import HttpClient, HttpSettings
from hub.settings import OidcSettings, https_or_localhost

ADAPTER_ID = "oidc"
DISCOVERY_PATH = "/.well-known/openid-configuration"
ALGORITHMS = ("RS256",)
LEEWAY_S = 60
CACHE_FOR = timedelta(hours=1)
TENANT_PLACEHOLDER = "{tenantid}"
SCOPE = "openid email profile"
FORM = "application/x-www-form-urlencoded"
DEADLINE_S = 10.0
"""A person is waiting on the sign-in page: give up sooner than an adapter would."""
MAX_ATTEMPTS = 2

UNREACHABLE = "The sign-in service could not be reached. Try again, or sign in with your password."
NOT_ACCEPTED = "The sign-in service's answer could not be accepted. Start again."


class OidcRefusal(Exception):  # noqa: N818 - a refusal, as the page says
    """A sign-in that cannot go on: ``message`` for the page, ``reason`` for the log."""

    def __init__(self, reason: str, message: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message
        self.status = status


class ProviderMetadata(BaseModel):
    """The parts of a discovery document the hub uses."""

    model_config = ConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    token_endpoint_auth_methods_supported: list[str] = ["client_secret_basic"]


@dataclass(frozen=True)
class Cached:
    """A value fetched from the provider, and when."""

    value: Any
    fetched_at: datetime


def s256(verifier: str) -> str:
    """The PKCE ``S256`` code challenge of ``verifier`` (RFC 7636)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def _same_issuer(configured: str, published: str) -> bool:
    return configured.rstrip("/") == published.rstrip("/")


class OidcClient:
    """One provider, as ``OidcSettings`` describe it (complete: ``missing()`` is empty).

    ``transport`` is the test seam (``httpx.ASGITransport(app=fake)``); None dials
    through the egress guard.
    """

    def __init__(
        self, settings: OidcSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        if settings.issuer is None or settings.client_id is None:
            raise ValueError("OidcClient needs complete settings")
        self.settings = settings
        self.issuer = settings.issuer
        self.client_id = settings.client_id
        self._transport = transport
        self._clients: dict[tuple[str, bool], HttpClient] = {}
        self._metadata: Cached | None = None
        self._keys: Cached | None = None

    async def aclose(self) -> None:
        """Close every pooled connection."""
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()

    async def authorize_url(
        self, now: datetime, *, redirect_uri: str, state: str, nonce: str, verifier: str
    ) -> str:
        """Where to send the browser to sign in."""
        metadata = await self.metadata(now)
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "scope": SCOPE,
                "state": state,
                "nonce": nonce,
                "code_challenge": s256(verifier),
                "code_challenge_method": "S256",
            }
        )
        separator = "&" if "?" in metadata.authorization_endpoint else "?"
        return f"{metadata.authorization_endpoint}{separator}{query}"

    async def exchange(self, now: datetime, *, code: str, verifier: str, redirect_uri: str) -> str:
        """Redeem an authorization code; the ID token it buys."""
        metadata = await self.metadata(now)
        secret = self.settings.client_secret
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        auth: httpx.Auth | None = None
        if "client_secret_post" in metadata.token_endpoint_auth_methods_supported:
            form |= {"client_id": self.client_id, "client_secret": _secret(secret)}
        else:
            # RFC 6749 2.3.1: id and secret are form-encoded before Basic encoding.
            auth = httpx.BasicAuth(_form_encoded(self.client_id), _form_encoded(_secret(secret)))
        body = await self._post_form(metadata.token_endpoint, form, auth)
        token = body.get("id_token") if isinstance(body, Mapping) else None
        if not isinstance(token, str):
            raise OidcRefusal("no_id_token", NOT_ACCEPTED, 502)
        return token

    async def verify(self, now: datetime, token: str, *, nonce: str) -> dict[str, Any]:
        """The ID token's claims, once signature, issuer, audience, times and nonce hold."""
        metadata = await self.metadata(now)
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise OidcRefusal("malformed_id_token", NOT_ACCEPTED) from None
        issuer = self._expected_issuer(metadata.issuer, unverified)
        key = await self._signing_key(now, header.get("kid"))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=list(ALGORITHMS),
                audience=self.client_id,
                issuer=issuer,
                leeway=LEEWAY_S,
                options={"require": ["iss", "aud", "exp", "iat", "sub", "nonce"]},
            )
        except jwt.ExpiredSignatureError:
            raise OidcRefusal("expired_id_token", NOT_ACCEPTED) from None
        except jwt.InvalidAudienceError:
            raise OidcRefusal("wrong_audience", NOT_ACCEPTED) from None
        except jwt.InvalidIssuerError:
            raise OidcRefusal("wrong_issuer", NOT_ACCEPTED) from None
        except jwt.PyJWTError:
            raise OidcRefusal("invalid_id_token", NOT_ACCEPTED) from None
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.client_id:
            raise OidcRefusal("wrong_authorized_party", NOT_ACCEPTED)
        if not isinstance(claims["nonce"], str) or not same(claims["nonce"], nonce):
            raise OidcRefusal("wrong_nonce", NOT_ACCEPTED)
        return claims

    async def metadata(self, now: datetime) -> ProviderMetadata:
        """The discovery document, fetched at most once an hour."""
        if self._metadata is not None and now - self._metadata.fetched_at < CACHE_FOR:
            found: ProviderMetadata = self._metadata.value
            return found
        url = self.issuer.rstrip("/") + DISCOVERY_PATH
        try:
            metadata = ProviderMetadata.model_validate(await self._get_json(url))
        except ValidationError:
            raise OidcRefusal("bad_discovery", UNREACHABLE, 502) from None
        endpoints = (metadata.authorization_endpoint, metadata.token_endpoint, metadata.jwks_uri)
        if not all(https_or_localhost(url) for url in endpoints):
            raise OidcRefusal("endpoint_not_https", UNREACHABLE, 502)
        published = metadata.issuer
        if not _same_issuer(self.issuer, published) and TENANT_PLACEHOLDER not in published:
            raise OidcRefusal("discovery_issuer_mismatch", UNREACHABLE, 502)
        self._metadata = Cached(metadata, now)
        return metadata

    def _expected_issuer(self, published: str, unverified: Mapping[str, Any]) -> str:
        tenants = self.settings.allowed_tenants
        tenant = unverified.get("tid")
        if tenants and (not isinstance(tenant, str) or tenant.lower() not in tenants):
            raise OidcRefusal(
                "tenant_not_allowed",
                "Your organisation's accounts cannot sign in to this Doorstep.",
                403,
            )
        if TENANT_PLACEHOLDER not in published:
            return published
        if not tenants or not isinstance(tenant, str):
            raise OidcRefusal("multi_tenant_without_allowed_tenants", NOT_ACCEPTED, 403)
        return published.replace(TENANT_PLACEHOLDER, tenant)

    async def _signing_key(self, now: datetime, kid: object) -> jwt.PyJWK:
        found = _key_for(await self._key_set(now, refresh=False), kid)
        if found is None:  # the provider rotated its keys: read them again, once
            found = _key_for(await self._key_set(now, refresh=True), kid)
        if found is None:
            raise OidcRefusal("unknown_signing_key", NOT_ACCEPTED)
        return found

    async def _key_set(self, now: datetime, *, refresh: bool) -> jwt.PyJWKSet:
        fresh = self._keys is not None and now - self._keys.fetched_at < CACHE_FOR
        if self._keys is not None and fresh and not refresh:
            keys: jwt.PyJWKSet = self._keys.value
            return keys
        metadata = await self.metadata(now)
        try:
            keys = jwt.PyJWKSet.from_dict(await self._get_json(metadata.jwks_uri))
        except (jwt.PyJWKSetError, jwt.InvalidKeyError, TypeError, KeyError):
            raise OidcRefusal("bad_jwks", UNREACHABLE, 502) from None
        self._keys = Cached(keys, now)
        return keys

    async def _get_json(self, url: str) -> Any:
        try:
            return await self._client_for(url).get_json(url)
        except AdapterError:
            raise OidcRefusal("provider_unreachable", UNREACHABLE, 502) from None

    async def _post_form(self, url: str, form: dict[str, str], auth: httpx.Auth | None) -> Any:
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        try:
            response = await self._client_for(url, auth).request(
                "POST", url, content=urlencode(form), headers=headers
            )
            return response.json()
        except AdapterError:
            raise OidcRefusal("code_refused", NOT_ACCEPTED, 502) from None
        except ValueError:
            raise OidcRefusal("token_not_json", NOT_ACCEPTED, 502) from None

    def _client_for(self, url: str, auth: httpx.Auth | None = None) -> HttpClient:
        """The client for ``url``'s origin (a separate one when it carries the client secret)."""
        key = (_origin(url), auth is not None)
        client = self._clients.get(key)
        if client is None:
            try:
                settings = HttpSettings.model_validate(
                    {"base_url": key[0], "deadline_s": DEADLINE_S, "max_attempts": MAX_ATTEMPTS}
                )
            except ValidationError:  # an address never reachable (link-local, metadata)
                raise OidcRefusal("address_not_allowed", UNREACHABLE, 502) from None
            client = HttpClient(ADAPTER_ID, settings, transport=self._transport, auth=auth)
            self._clients[key] = client
        return client


def _form_encoded(value: str) -> str:
    """``value`` as ``application/x-www-form-urlencoded`` writes it (RFC 6749 2.3.1)."""
    return quote_plus(value, safe="")


def _secret(secret: Any) -> str:
    value: str = secret.get_secret_value() if secret is not None else ""
    return value


def _key_for(keys: jwt.PyJWKSet, kid: object) -> jwt.PyJWK | None:
    usable = [
        key for key in keys.keys if key.key_id == kid or (kid is None and len(keys.keys) == 1)
    ]
    return usable[0] if usable else None
