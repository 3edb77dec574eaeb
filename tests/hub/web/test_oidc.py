"""Sign-in with Microsoft 365 / Google Workspace (OIDC) against the fake provider.

The whole flow runs through the app: the sign-in page's button, the provider's
authorize redirect, the callback, the code exchange, the ID token's checks and the
mapping of a verified e-mail address to an existing Doorstep user. Each refusal shows
the sign-in page with plain words, starts no session and logs nothing personal.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from faker import Faker
from pydantic import SecretStr

from hub.api.context import ApiContext
from hub.auth.roles import Membership, Role
from hub.fakes.oidc import CLIENT_ID, CLIENT_SECRET, ISSUER, FakeOidcState, create_app
from hub.logging import assert_no_personal_data, capture_redacted_logs
from hub.settings import OidcSettings
from hub.store.users import UserStore
from hub.web.oidc import FLOW_COOKIE, GOOGLE_ISSUER, use_oidc_transport
from hub.web.oidc_client import s256
from tests.factories import SCHOOL, T0
from tests.hub.web.conftest import WebHub, csrf_of, sign_in

DOMAIN = "stmichaels.example.org"
TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"


@dataclass
class Person:
    """A member of staff with a work account at the provider."""

    name: str
    email: str

    def claims(self) -> dict[str, Any]:
        """Their ID token claims, as Google Workspace sends them."""
        return {"sub": "subject-1", "name": self.name, "email": self.email, "email_verified": True}


@dataclass
class OidcHub:
    """The web hub with OIDC configured, the fake provider and a staff member."""

    web: WebHub
    provider: FakeOidcState
    person: Person

    @property
    def ctx(self) -> ApiContext:
        ctx: ApiContext = self.web.hub.app.state.ctx
        return ctx

    def configure(self, **changes: Any) -> None:
        """Replace the hub's OIDC settings (complete by default)."""
        values: dict[str, Any] = {
            "issuer": ISSUER,
            "provider_name": "Google",
            "client_id": CLIENT_ID,
            "client_secret": SecretStr(CLIENT_SECRET),
            "allowed_domains": DOMAIN,
            **changes,
        }
        oidc = OidcSettings.model_validate(values)
        self.ctx.settings = self.ctx.settings.model_copy(update={"oidc": oidc})

    def provider_client(self) -> httpx.AsyncClient:
        """The browser's view of the provider."""
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(self.provider)))


def person(seed: int = 6) -> Person:
    faker = Faker("en_GB")
    faker.seed_instance(seed)
    first, last = faker.first_name(), faker.last_name()
    return Person(f"{first} {last}", f"{first}.{last}@{DOMAIN}".lower().replace(" ", ""))


@pytest.fixture(scope="module")
def provider_key() -> rsa.RSAPrivateKey:
    """One RSA key for the module's fake providers (making one takes a while)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def oidc(web: WebHub, provider_key: rsa.RSAPrivateKey) -> OidcHub:
    staff = person()
    provider = FakeOidcState(identity=staff.claims(), key=provider_key)
    users = UserStore(web.hub.store.engine)
    users.add_user(staff.email, T0)
    users.grant(
        Membership(
            user_id=staff.email,
            school_id=SCHOOL,
            staff_id="s-office",
            roles=frozenset({Role.OFFICE}),
        )
    )
    use_oidc_transport(web.hub.app, httpx.ASGITransport(app=create_app(provider)))
    found = OidcHub(web, provider, staff)
    found.configure()
    return found


async def start(browser: httpx.AsyncClient) -> httpx.Response:
    """Press "Sign in with ..." on the sign-in page."""
    form = await browser.get("/web/sign-in")
    return await browser.post("/web/sign-in/oidc", data={"csrf_token": csrf_of(form.text)})


async def authorize(oidc: OidcHub, browser: httpx.AsyncClient) -> str:
    """Start, and follow the provider's authorize redirect: the callback URL it gives."""
    started = await start(browser)
    assert started.status_code == 303, started.text
    async with oidc.provider_client() as provider:
        answer = await provider.get(started.headers["location"])
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


async def sign_in_via_provider(oidc: OidcHub, browser: httpx.AsyncClient) -> httpx.Response:
    """The whole flow up to the callback's answer."""
    return await browser.get(await authorize(oidc, browser))


def signed_in(response: httpx.Response) -> bool:
    return "doorstep_session=" in response.headers.get("set-cookie", "")


async def test_a_known_verified_user_signs_in_and_lands_on_their_roles_page(
    oidc: OidcHub, browser: httpx.AsyncClient
) -> None:
    with capture_redacted_logs() as events:
        answer = await sign_in_via_provider(oidc, browser)
    assert answer.status_code == 200, answer.text
    assert signed_in(answer)
    assert '<meta http-equiv="refresh" content="0; url=/web/">' in answer.text
    landing = await browser.get("/web/")
    assert landing.headers["location"] == f"/web/schools/{SCHOOL}/board"
    board = await browser.get(landing.headers["location"])
    assert board.status_code == 200
    assert oidc.person.email in board.text  # "Sign out <user id>"
    assert [event["event"] for event in events] == ["web.oidc_signed_in"]
    assert_no_personal_data(events, [oidc.person.name, oidc.person.email])


async def test_the_authorize_request_carries_pkce_state_and_nonce_and_the_flow_cookie_is_lax(
    oidc: OidcHub, browser: httpx.AsyncClient
) -> None:
    started = await start(browser)
    query = parse_qs(urlsplit(started.headers["location"]).query)
    assert started.headers["location"].startswith(f"{ISSUER}/authorize?")
    assert query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"]
    assert query["scope"] == ["openid email profile"]
    assert query["redirect_uri"] == ["http://localhost/web/sign-in/oidc/callback"]
    assert len(query["state"][0]) >= 32
    assert len(query["nonce"][0]) >= 32
    assert len(query["code_challenge"][0]) == 43  # base64url SHA-256, not the verifier
    cookie = started.headers["set-cookie"].lower()
    assert f"{FLOW_COOKIE}=" in cookie
    assert "samesite=lax" in cookie
    assert "httponly" in cookie
    assert "path=/web/sign-in/oidc" in cookie
    assert s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == (
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"  # RFC 7636 appendix B
    )


async def test_the_button_shows_only_when_oidc_is_configured(
    oidc: OidcHub, browser: httpx.AsyncClient
) -> None:
    configured = await browser.get("/web/sign-in")
    assert "Sign in with Google" in configured.text
    oidc.configure(issuer=None)
    off = await browser.get("/web/sign-in")
    assert "Sign in with" not in off.text
    assert 'name="password"' in off.text
    off_start = await start(browser)
    assert off_start.status_code == 404
    assert "not set up here" in off_start.text
    oidc.configure(client_secret=None)
    incomplete = await browser.get("/web/sign-in")
    assert "Sign in with" not in incomplete.text


async def test_an_incomplete_configuration_refuses_to_start_and_names_the_missing_key(
    oidc: OidcHub, browser: httpx.AsyncClient
) -> None:
    oidc.configure(client_secret=None)
    with capture_redacted_logs() as events:
        answer = await start(browser)
    assert answer.status_code == 503
    assert "not set up completely" in answer.text
    assert {"event": "web.oidc_incomplete", "missing": "oidc.client_secret"}.items() <= (
        events[0].items()
    )
    assert oidc.provider.authorize_requests == []


Setup = Callable[[OidcHub], None]


def _identity(**claims: Any) -> Setup:
    def setup(oidc: OidcHub) -> None:
        oidc.provider.identity = {**oidc.provider.identity, **claims}

    return setup


def _override(**claims: Any) -> Setup:
    def setup(oidc: OidcHub) -> None:
        oidc.provider.overrides = claims

    return setup


def _expired(oidc: OidcHub) -> None:
    oidc.provider.clock = lambda: time.time() - 7200


def _disabled(oidc: OidcHub) -> None:
    UserStore(oidc.web.hub.store.engine).disable_user(oidc.person.email, T0)


@pytest.mark.parametrize(
    ("setup", "status", "words", "reason"),
    [
        (_override(nonce="another-nonce"), 400, "could not be accepted", "wrong_nonce"),
        (_override(aud="someone-else"), 400, "could not be accepted", "wrong_audience"),
        (_override(iss="https://evil.example"), 400, "could not be accepted", "wrong_issuer"),
        (_expired, 400, "could not be accepted", "expired_id_token"),
        (_identity(email_verified=False), 403, "is not verified", "unverified_email"),
        (_identity(email_verified=None), 403, "is not verified", "unverified_email"),
        (_identity(email="jo.bloggs@elsewhere.example.org"), 403, "domain", "domain_not_allowed"),
        (_identity(email=f"nobody@{DOMAIN}"), 403, "No Doorstep user", "unknown_user"),
        (_identity(email=None), 403, "did not give an e-mail", "no_email"),
        (_disabled, 403, "No Doorstep user", "unknown_user"),
    ],
    ids=[
        "bad nonce",
        "wrong audience",
        "wrong issuer",
        "expired token",
        "unverified email",
        "no email_verified claim",
        "domain not allowed",
        "unknown user",
        "no email",
        "disabled user",
    ],
)
async def test_a_refused_sign_in_says_why_starts_no_session_and_logs_nothing_personal(
    oidc: OidcHub,
    browser: httpx.AsyncClient,
    setup: Setup,
    status: int,
    words: str,
    reason: str,
) -> None:
    setup(oidc)
    with capture_redacted_logs() as events:
        answer = await sign_in_via_provider(oidc, browser)
    assert answer.status_code == status
    assert words in answer.text
    assert "Sign in with Google" in answer.text  # the sign-in page, to try again
    assert not signed_in(answer)
    assert (await browser.get(f"/web/schools/{SCHOOL}/board")).status_code == 303
    assert [(e["event"], e.get("reason")) for e in events] == [("web.oidc_refused", reason)]
    assert_no_personal_data(events, [oidc.person.name, oidc.person.email, "elsewhere"])
    assert oidc.person.email not in answer.text


async def test_a_callback_whose_state_does_not_match_the_cookie_is_refused(
    oidc: OidcHub, browser: httpx.AsyncClient
) -> None:
    callback = await authorize(oidc, browser)
    parts = urlsplit(callback)
    code = parse_qs(parts.query)["code"][0]
    answer = await browser.get(parts.path, params={"code": code, "state": "forged-state"})
    assert answer.status_code == 400
    assert "expired or did not start here" in answer.text
    assert not signed_in(answer)
    assert oidc.provider.token_requests == 0  # the code was never redeemed


async def test_a_callback_without_the_flow_cookie_is_refused(
    oidc: OidcHub, browser: httpx.AsyncClient
) -> None:
    callback = await authorize(oidc, browser)
    async with oidc.web.client() as stranger:  # another browser: login CSRF
        answer = await stranger.get(callback)
    assert answer.status_code == 400
    assert not signed_in(answer)


async def test_a_callback_is_good_once(oidc: OidcHub, browser: httpx.AsyncClient) -> None:
    callback = await authorize(oidc, browser)
    first = await browser.get(callback)
    assert signed_in(first)
    again = await browser.get(callback)
    assert again.status_code == 400
    assert not signed_in(again)


async def test_a_flow_older_than_ten_minutes_is_refused(
    oidc: OidcHub, browser: httpx.AsyncClient
) -> None:
    callback = await authorize(oidc, browser)
    oidc.web.hub.now[0] = T0 + timedelta(minutes=11)
    answer = await browser.get(callback)
    assert answer.status_code == 400
    assert not signed_in(answer)


async def test_a_cancelled_sign_in_at_the_provider_is_refused_plainly(
    oidc: OidcHub, browser: httpx.AsyncClient
) -> None:
    started = await start(browser)
    state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
    answer = await browser.get(
        "/web/sign-in/oidc/callback", params={"error": "access_denied", "state": state}
    )
    assert answer.status_code == 401
    assert "Sign-in with Google was cancelled or refused." in answer.text
    assert f"{FLOW_COOKIE}=" in answer.headers["set-cookie"]  # this flow is over


async def test_another_sites_error_link_does_not_end_a_sign_in_under_way(
    oidc: OidcHub, browser: httpx.AsyncClient
) -> None:
    callback = await authorize(oidc, browser)
    for params in ({"error": "access_denied"}, {"error": "access_denied", "state": "x"}):
        forged = await browser.get("/web/sign-in/oidc/callback", params=params)
        assert forged.status_code == 400
        assert f"{FLOW_COOKIE}=" not in forged.headers.get("set-cookie", "")  # left alone
    answer = await browser.get(callback)
    assert answer.status_code == 200, answer.text
    assert signed_in(answer)


async def test_signing_in_with_the_provider_ends_the_session_already_there(
    oidc: OidcHub, browser: httpx.AsyncClient
) -> None:
    await sign_in(browser, "office")
    before = browser.cookies.get("doorstep_session")
    assert before is not None
    assert (await browser.get("/web/")).status_code == 303
    started = await start(browser)
    assert started.status_code == 303
    async with oidc.web.client() as stale:
        stale.cookies.set("doorstep_session", before)
        assert (await stale.get("/web/")).headers["location"].startswith("/web/sign-in")
    async with oidc.provider_client() as provider:
        back = await provider.get(started.headers["location"])
    answer = await browser.get(back.headers["location"])
    assert signed_in(answer)


async def test_a_basic_auth_only_provider_gets_the_id_and_secret_form_encoded(
    oidc: OidcHub, browser: httpx.AsyncClient
) -> None:
    secret = "s3cr+t:with %25 and &"
    oidc.provider.auth_methods = ("client_secret_basic",)
    oidc.provider.client_secret = secret
    oidc.configure(client_secret=SecretStr(secret))
    answer = await sign_in_via_provider(oidc, browser)
    assert answer.status_code == 200, answer.text
    assert signed_in(answer)


async def test_a_wrong_client_secret_is_refused_by_the_provider(
    oidc: OidcHub, browser: httpx.AsyncClient
) -> None:
    oidc.configure(client_secret=SecretStr("not-the-secret"))
    answer = await sign_in_via_provider(oidc, browser)
    assert answer.status_code == 502
    assert "could not be accepted" in answer.text
    assert not signed_in(answer)


async def test_starting_without_the_forms_csrf_token_is_refused(
    oidc: OidcHub, browser: httpx.AsyncClient
) -> None:
    await browser.get("/web/sign-in")
    answer = await browser.post("/web/sign-in/oidc", data={"csrf_token": "forged"})
    assert answer.status_code == 403
    assert oidc.provider.authorize_requests == []


@pytest.fixture
def microsoft(oidc: OidcHub) -> OidcHub:
    """The fake as Microsoft's multi-tenant endpoint: the issuer holds ``{tenantid}``."""
    base = "https://login.fake-microsoft.example"
    oidc.provider.issuer = f"{base}/{{tenantid}}/v2.0"
    oidc.provider.base_url = base
    oidc.provider.identity = {
        "sub": "subject-2",
        "tid": TENANT,
        "email": oidc.person.email,
        "xms_edov": True,
    }
    oidc.configure(
        issuer=f"{base}/organizations/v2.0", provider_name="Microsoft", allowed_tenants=TENANT
    )
    return oidc


async def test_microsofts_multi_tenant_issuer_accepts_an_allowed_tenant(
    microsoft: OidcHub, browser: httpx.AsyncClient
) -> None:
    answer = await sign_in_via_provider(microsoft, browser)
    assert answer.status_code == 200, answer.text
    assert signed_in(answer)


async def test_microsofts_multi_tenant_issuer_refuses_another_tenant(
    microsoft: OidcHub, browser: httpx.AsyncClient
) -> None:
    microsoft.provider.identity["tid"] = "00000000-0000-0000-0000-000000000000"
    answer = await sign_in_via_provider(microsoft, browser)
    assert answer.status_code == 403
    assert "accounts cannot sign in to this Doorstep" in answer.text
    assert not signed_in(answer)


async def test_microsofts_multi_tenant_issuer_needs_allowed_tenants(
    microsoft: OidcHub, browser: httpx.AsyncClient
) -> None:
    microsoft.configure(
        issuer="https://login.fake-microsoft.example/organizations/v2.0", allowed_tenants=""
    )
    answer = await sign_in_via_provider(microsoft, browser)
    assert answer.status_code == 403
    assert not signed_in(answer)


async def test_a_rotated_provider_key_is_fetched_again(
    oidc: OidcHub, browser: httpx.AsyncClient
) -> None:
    assert signed_in(await sign_in_via_provider(oidc, browser))
    oidc.provider.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    oidc.provider.kid = "fake-oidc-key-2"
    async with oidc.web.client() as second:
        answer = await sign_in_via_provider(oidc, second)
    assert answer.status_code == 200, answer.text
    assert signed_in(answer)


@pytest.fixture
def google(oidc: OidcHub) -> OidcHub:
    """The fake as Google: ``accounts.google.com`` issues the tokens."""
    oidc.provider.issuer = oidc.provider.base_url = GOOGLE_ISSUER
    oidc.configure(issuer=GOOGLE_ISSUER)
    return oidc


async def test_google_accepts_a_workspace_account_of_an_allowed_domain(
    google: OidcHub, browser: httpx.AsyncClient
) -> None:
    google.provider.identity["hd"] = DOMAIN
    answer = await sign_in_via_provider(google, browser)
    assert answer.status_code == 200, answer.text
    assert signed_in(answer)


@pytest.mark.parametrize("hosted", [None, "elsewhere.example.org"])
async def test_google_refuses_a_personal_account_with_a_school_address(
    google: OidcHub, browser: httpx.AsyncClient, hosted: str | None
) -> None:
    google.provider.identity["hd"] = hosted
    answer = await sign_in_via_provider(google, browser)
    assert answer.status_code == 403
    assert "Google Workspace account" in answer.text
    assert not signed_in(answer)
