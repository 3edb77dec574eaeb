"""A fake OpenID Connect provider (Microsoft 365 or Google Workspace), an ASGI app.

It serves discovery (under any issuer path), an authorize endpoint that signs in
``state.identity`` at once (no login page) and redirects back with a code, a token
endpoint that checks the client secret, the code (single use, 5 minutes), the
redirect URI and the PKCE verifier, and a JWKS with the RSA key it made at start.
ID tokens are RS256 with the ``nonce`` the hub sent (and the ``tid`` claim in place
of ``{tenantid}`` in a Microsoft-style multi-tenant issuer); ``state.overrides`` is
laid over their claims so a test can send a wrong audience, an expired token or
another nonce. ``state.clock`` is its clock. Use it through
``httpx.ASGITransport(app=create_app(state))``, or mount it like the adapters' fakes
with ``build_fakes(backends={"oidc": oidc_backend()})`` (then set ``issuer`` and
``base_url`` to where it is served).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from hub.hooks.types import MockBackend

ISSUER = "https://id.fake-oidc.example"
CLIENT_ID = "doorstep-web"
CLIENT_SECRET = "fake-oidc-client-secret"  # noqa: S105 - the fake's own secret
KID = "fake-oidc-key-1"
CODE_LIFETIME_S = 300
TOKEN_LIFETIME_S = 3600


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class _Grant:
    """What an authorization code stands for until it is redeemed."""

    redirect_uri: str
    nonce: str
    challenge: str
    claims: dict[str, Any]
    issued_at: float


@dataclass
class FakeOidcState:
    """The fake provider: its client, its key, who signs in next, what it was asked."""

    issuer: str = ISSUER
    """The published issuer; Microsoft's multi-tenant form holds ``{tenantid}``."""
    base_url: str = ISSUER
    """Where the endpoints are (the issuer's origin and path for a normal provider)."""
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    identity: dict[str, Any] = field(default_factory=dict)
    """The claims of whoever signs in next (``sub``, ``email``, ``email_verified``...)."""
    overrides: dict[str, Any] = field(default_factory=dict)
    """Laid over the ID token's claims last: ``{"aud": "someone-else"}``."""
    clock: Callable[[], float] = time.time
    key: rsa.RSAPrivateKey = field(default_factory=_new_key, repr=False)
    kid: str = KID
    """The key's id in the JWKS and in each token's header (change it with the key)."""
    codes: dict[str, _Grant] = field(default_factory=dict, repr=False)
    auth_methods: tuple[str, ...] = ("client_secret_post", "client_secret_basic")
    """How the token endpoint lets the client authenticate (``client_secret_basic`` alone:
    the id and secret must come form-encoded in a Basic header)."""
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: int = 0

    def discovery(self) -> dict[str, Any]:
        """The discovery document."""
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.base_url}/authorize",
            "token_endpoint": f"{self.base_url}/token",
            "jwks_uri": f"{self.base_url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": list(self.auth_methods),
        }

    def jwks(self) -> dict[str, Any]:
        """The public key set."""
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def id_token(self, grant: _Grant) -> str:
        """An RS256 ID token for a redeemed grant, ``overrides`` applied."""
        now = int(self.clock())
        tenant = str(grant.claims.get("tid", ""))
        claims = {
            "iss": self.issuer.replace("{tenantid}", tenant),
            "aud": self.client_id,
            "iat": now,
            "exp": now + TOKEN_LIFETIME_S,
            "nonce": grant.nonce,
            **grant.claims,
            **self.overrides,
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _oauth_error(error: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status)


def create_app(state: FakeOidcState) -> Starlette:
    """The fake provider's ASGI app over ``state``."""

    async def discovery(request: Request) -> Response:
        return JSONResponse(state.discovery())

    async def jwks(request: Request) -> Response:
        return JSONResponse(state.jwks())

    async def authorize(request: Request) -> Response:
        query = dict(request.query_params)
        state.authorize_requests.append(query)
        wanted = {
            "response_type": "code",
            "client_id": state.client_id,
            "code_challenge_method": "S256",
        }
        if any(query.get(key) != value for key, value in wanted.items()):
            return PlainTextResponse("bad authorization request", status_code=400)
        if "openid" not in query.get("scope", "").split():
            return PlainTextResponse("the openid scope is missing", status_code=400)
        if not all(query.get(key) for key in ("redirect_uri", "state", "nonce", "code_challenge")):
            return PlainTextResponse("bad authorization request", status_code=400)
        code = secrets.token_urlsafe(24)
        state.codes[code] = _Grant(
            redirect_uri=query["redirect_uri"],
            nonce=query["nonce"],
            challenge=query["code_challenge"],
            claims=dict(state.identity),
            issued_at=state.clock(),
        )
        back = urlencode({"code": code, "state": query["state"]})
        return RedirectResponse(f"{query['redirect_uri']}?{back}", status_code=302)

    async def token(request: Request) -> Response:
        state.token_requests += 1
        form = {key: values[0] for key, values in parse_qs((await request.body()).decode()).items()}
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        basic = request.headers.get("authorization", "")
        if basic.startswith("Basic "):
            decoded = base64.b64decode(basic.removeprefix("Basic ")).decode()
            encoded_id, _, encoded_secret = decoded.partition(":")  # RFC 6749 2.3.1
            client_id, client_secret = unquote_plus(encoded_id), unquote_plus(encoded_secret)
        if client_id != state.client_id or client_secret != state.client_secret:
            return _oauth_error("invalid_client", 401)
        grant = state.codes.pop(form.get("code", ""), None)
        if grant is None or state.clock() - grant.issued_at > CODE_LIFETIME_S:
            return _oauth_error("invalid_grant")
        if form.get("grant_type") != "authorization_code":
            return _oauth_error("unsupported_grant_type")
        if form.get("redirect_uri") != grant.redirect_uri:
            return _oauth_error("invalid_grant")
        if _s256(form.get("code_verifier", "")) != grant.challenge:
            return _oauth_error("invalid_grant")
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(24),
                "token_type": "Bearer",
                "expires_in": TOKEN_LIFETIME_S,
                "id_token": state.id_token(grant),
            }
        )

    return Starlette(
        routes=[
            Route("/.well-known/openid-configuration", discovery),
            Route("/{issuer_path:path}/.well-known/openid-configuration", discovery),
            Route("/jwks", jwks),
            Route("/authorize", authorize),
            Route("/token", token, methods=["POST"]),
        ]
    )


def oidc_backend() -> MockBackend:
    """The fake provider as a mock backend, for ``build_fakes(backends=...)``."""
    return MockBackend("oidc", create_app, FakeOidcState)
