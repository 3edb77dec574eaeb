"""The web UI over the API test hub (a real SQLite store, the workflow and plugins), with
a password for every user. Clients talk to ``http://localhost`` so the cookies, Secure
everywhere else, travel over plain HTTP in tests."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from hub.auth.secrets import hash_password
from hub.store.users import UserStore
from hub.web.app import include_web
from tests.hub.api.conftest import USERS, Hub, build_hub

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class WebHub:
    """The API test hub with the web UI added."""

    hub: Hub

    def client(self, host: str = "localhost") -> httpx.AsyncClient:
        """A browser-like client (keeps cookies, does not follow redirects)."""
        transport = httpx.ASGITransport(app=self.hub.app, raise_app_exceptions=False)
        return httpx.AsyncClient(transport=transport, base_url=f"http://{host}")


def csrf_of(html: str) -> str:
    """The CSRF token in a page's forms."""
    found = CSRF.search(html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, user: str, password: str = PASSWORD) -> httpx.Response:
    """Sign ``user`` in through the sign-in form."""
    form = await client.get("/web/sign-in")
    return await client.post(
        "/web/sign-in",
        data={"csrf_token": csrf_of(form.text), "user_id": user, "password": password},
    )


async def post_form(
    client: httpx.AsyncClient, page: str, action: str, **fields: str
) -> httpx.Response:
    """Open ``page``, then submit a form to ``action`` with the page's CSRF token."""
    opened = await client.get(page)
    assert opened.status_code == 200, opened.text
    return await client.post(action, data={"csrf_token": csrf_of(opened.text), **fields})


@pytest.fixture
def web(tmp_path: Path) -> Iterator[WebHub]:
    """A fresh hub with the web UI for one test."""
    hub = build_hub(tmp_path)
    include_web(hub.app, session_key=b"k" * 32)
    users = UserStore(hub.store.engine)
    hashed = hash_password(PASSWORD)
    for user_id in USERS:
        users.set_password_hash(user_id, hashed)
    yield WebHub(hub)
    hub.store.close()


@pytest.fixture
async def browser(web: WebHub) -> AsyncIterator[httpx.AsyncClient]:
    """A client over the web hub, signed in as nobody."""
    async with web.client() as client:
        yield client
