"""Signing in: session cookies (HttpOnly, SameSite=Strict, Secure off localhost), CSRF,
signing out, and the security headers on every page."""

from __future__ import annotations

import httpx

from hub.web.headers import CSP
from tests.factories import SCHOOL
from tests.hub.web.conftest import PASSWORD, WebHub, csrf_of, sign_in


async def test_a_right_password_starts_a_session_with_safe_cookie_flags(
    browser: httpx.AsyncClient,
) -> None:
    response = await sign_in(browser, "office")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "doorstep_session=" in cookie
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "secure" not in cookie  # localhost only
    landing = await browser.get("/web/")
    assert landing.headers["location"] == f"/web/schools/{SCHOOL}/board"
    board = await browser.get(landing.headers["location"])
    assert board.status_code == 200
    assert "Today's visits" in board.text


async def test_cookies_are_secure_anywhere_but_localhost(web: WebHub) -> None:
    async with web.client(host="hub.example.org") as client:
        form = await client.get("/web/sign-in")
        assert "secure" in form.headers["set-cookie"].lower()


async def test_a_wrong_password_is_refused_without_saying_why(
    browser: httpx.AsyncClient,
) -> None:
    wrong = await sign_in(browser, "office", "not the password")
    unknown = await sign_in(browser, "nobody", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert "did not match" in wrong.text
    assert "did not match" in unknown.text
    assert "doorstep_session" not in wrong.headers.get("set-cookie", "")
    assert (await browser.get(f"/web/schools/{SCHOOL}/board")).status_code == 303


async def test_sign_in_without_the_forms_csrf_token_is_refused(
    browser: httpx.AsyncClient,
) -> None:
    await browser.get("/web/sign-in")
    response = await browser.post(
        "/web/sign-in", data={"csrf_token": "forged", "user_id": "office", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "doorstep_session" not in response.headers.get("set-cookie", "")


async def test_a_form_from_another_site_is_refused(browser: httpx.AsyncClient) -> None:
    form = await browser.get("/web/sign-in")
    response = await browser.post(
        "/web/sign-in",
        data={"csrf_token": csrf_of(form.text), "user_id": "office", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403


async def test_signing_out_ends_the_session_on_the_server(browser: httpx.AsyncClient) -> None:
    await sign_in(browser, "office")
    board = await browser.get(f"/web/schools/{SCHOOL}/board")
    stolen = browser.cookies.get("doorstep_session", path="/web")
    out = await browser.post("/web/sign-out", data={"csrf_token": csrf_of(board.text)})
    assert out.status_code == 303
    assert stolen is not None
    browser.cookies.set("doorstep_session", stolen, domain="localhost", path="/web")
    again = await browser.get(f"/web/schools/{SCHOOL}/board")
    assert again.status_code == 303
    assert again.headers["location"] == "/web/sign-in"


async def test_a_tampered_session_cookie_is_ignored(browser: httpx.AsyncClient) -> None:
    await sign_in(browser, "office")
    cookie = browser.cookies.get("doorstep_session", path="/web")
    assert cookie is not None
    session_id, _, _mac = cookie.rpartition(".")
    browser.cookies.clear()
    browser.cookies.set("doorstep_session", f"{session_id}.forged", domain="localhost", path="/web")
    assert (await browser.get(f"/web/schools/{SCHOOL}/board")).status_code == 303


async def test_every_page_has_the_security_headers(browser: httpx.AsyncClient) -> None:
    page = await browser.get("/web/sign-in")
    assert page.headers["content-security-policy"] == CSP
    assert "script-src 'self'" in CSP
    assert "unsafe-inline" not in CSP
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"


async def test_a_school_where_the_user_has_no_role_is_not_found(
    browser: httpx.AsyncClient,
) -> None:
    await sign_in(browser, "office")
    response = await browser.get("/web/schools/harrogate/board")
    assert response.status_code == 404
    assert "There is nothing here" in response.text


def test_session_secret_setting_signs_cookies_across_app_instances(tmp_path):
    from pydantic import SecretStr

    from hub.settings import load_settings
    from hub.store import Store
    from hub.web.app import create_web_app

    settings = load_settings(session_secret=SecretStr("x" * 40))
    with Store.open(f"sqlite:///{tmp_path / 'web.db'}") as store:
        first = create_web_app(settings=settings, store=store)
        second = create_web_app(settings=settings, store=store)
        assert first.state.web_keys == second.state.web_keys
        assert "x" * 40 not in repr(settings)
