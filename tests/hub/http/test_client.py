"""HttpClient against a scripted ASGI app: retries, waits, status mapping, URLs."""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from hub.errors import (
    AdapterConfigError,
    AdapterError,
    AuthError,
    NotFoundError,
    RejectedError,
    TransientError,
)
from hub.http import HttpClient, HttpSettings
from tests.factories import T0
from tests.hub.http.servers import Reply, ScriptedApp, SleepRecorder

BASE = "https://mis.example.test/api/v1/"


def client_for(app: ScriptedApp, sleep: SleepRecorder, **settings: object) -> HttpClient:
    merged: dict[str, object] = {"base_url": BASE, **settings}
    return HttpClient(
        "demo",
        HttpSettings.model_validate(merged),
        transport=httpx.ASGITransport(app=app),
        sleep=sleep,
    )


async def test_429_with_retry_after_seconds_waits_then_succeeds() -> None:
    app = ScriptedApp(Reply(429, {"retry-after": "2"}), Reply(200))
    sleep = SleepRecorder()
    async with client_for(app, sleep) as client:
        assert await client.get_json("/pupils") == {"ok": True}
    assert sleep.waits == [2.0]
    assert len(app.seen) == 2


async def test_retry_after_http_date_is_measured_from_the_server_date() -> None:
    retry_at = format_datetime(T0.replace(second=7), usegmt=True)
    served_at = format_datetime(T0.replace(second=4), usegmt=True)
    app = ScriptedApp(Reply(503, {"retry-after": retry_at, "date": served_at}), Reply(200))
    sleep = SleepRecorder()
    async with client_for(app, sleep) as client:
        await client.request("GET", "/pupils")
    assert sleep.waits == [3.0]


async def test_retry_after_above_the_cap_fails_at_once_with_the_hint() -> None:
    app = ScriptedApp(Reply(429, {"retry-after": "86400"}))
    sleep = SleepRecorder()
    async with client_for(app, sleep, retry_after_cap_s=30) as client:
        with pytest.raises(TransientError) as caught:
            await client.request("GET", "/pupils")
    assert caught.value.retry_after == 86400
    assert caught.value.status == 429
    assert sleep.waits == []
    assert len(app.seen) == 1


async def test_repeated_5xx_stops_after_max_attempts_with_bounded_backoff() -> None:
    app = ScriptedApp(Reply(500))
    sleep = SleepRecorder()
    async with client_for(app, sleep, max_attempts=3) as client:
        with pytest.raises(TransientError) as caught:
            await client.request("GET", "/pupils")
    assert len(app.seen) == 3
    assert len(sleep.waits) == 2
    assert all(0 <= wait <= 8 for wait in sleep.waits)
    assert caught.value.status == 500


async def test_backoff_never_exceeds_a_small_cap() -> None:
    app = ScriptedApp(Reply(502))
    sleep = SleepRecorder()
    async with client_for(app, sleep, max_attempts=6, retry_after_cap_s=1) as client:
        with pytest.raises(TransientError):
            await client.request("GET", "/pupils")
    assert len(sleep.waits) == 5
    assert max(sleep.waits) <= 1


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, AuthError),
        (403, AuthError),
        (404, NotFoundError),
        (410, NotFoundError),
        (400, RejectedError),
        (409, RejectedError),
        (422, RejectedError),
        (501, TransientError),
    ],
)
async def test_statuses_that_are_not_retried_map_to_one_error(
    status: int, error: type[AdapterError]
) -> None:
    app = ScriptedApp(Reply(status, {"x-request-id": "req-42"}))
    sleep = SleepRecorder()
    async with client_for(app, sleep) as client:
        with pytest.raises(error) as caught:
            await client.request("GET", "/pupils/{id}", path_params={"id": "p-1"})
    assert type(caught.value) is error
    assert len(app.seen) == 1
    assert sleep.waits == []
    assert caught.value.status == status
    assert caught.value.request_id == "req-42"
    assert caught.value.adapter == "demo"
    assert str(caught.value) == f"demo: GET /pupils/{{id}} answered {status} (request id req-42)"


@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503, 504])
async def test_each_transient_status_is_retried(status: int) -> None:
    app = ScriptedApp(Reply(status), Reply(200))
    sleep = SleepRecorder()
    async with client_for(app, sleep) as client:
        response = await client.request("GET", "/pupils")
    assert response.status_code == 200
    assert len(app.seen) == 2


async def test_post_is_not_retried_unless_idempotent() -> None:
    app = ScriptedApp(Reply(503), Reply(201))
    sleep = SleepRecorder()
    async with client_for(app, sleep) as client:
        with pytest.raises(TransientError):
            await client.request("POST", "/notes", json={"n": 1})
        assert len(app.seen) == 1
        response = await client.request("POST", "/notes", json={"n": 1}, idempotent=True)
    assert response.status_code == 201
    assert len(app.seen) == 2


async def test_get_marked_not_idempotent_is_tried_once() -> None:
    app = ScriptedApp(Reply(503), Reply(200))
    async with client_for(app, SleepRecorder()) as client:
        with pytest.raises(TransientError):
            await client.request("GET", "/export", idempotent=False)
    assert len(app.seen) == 1


async def test_put_and_delete_are_retried_by_default() -> None:
    app = ScriptedApp(Reply(503), Reply(200), Reply(503), Reply(204, body=b""))
    async with client_for(app, SleepRecorder()) as client:
        assert (await client.request("PUT", "/agreements/a-1", json={})).status_code == 200
        assert (await client.request("DELETE", "/agreements/a-1")).status_code == 204
    assert [seen.method for seen in app.seen] == ["PUT", "PUT", "DELETE", "DELETE"]


async def test_path_params_are_encoded_and_cannot_add_segments_or_queries() -> None:
    app = ScriptedApp()
    async with client_for(app, SleepRecorder()) as client:
        await client.request("GET", "/pupils/{id}/contacts", path_params={"id": "a/b?c=1"})
    assert app.seen[0].raw_path == b"/api/v1/pupils/a%2Fb%3Fc%3D1/contacts"
    assert app.seen[0].query == b""


async def test_a_template_missing_a_parameter_is_a_programming_error() -> None:
    async with client_for(ScriptedApp(), SleepRecorder()) as client:
        with pytest.raises(ValueError, match=r"/pupils/\{id\}"):
            await client.request("GET", "/pupils/{id}", path_params={"other": "x"})


async def test_absolute_next_link_on_the_same_origin_is_followed() -> None:
    app = ScriptedApp()
    async with client_for(app, SleepRecorder()) as client:
        await client.request("GET", "https://mis.example.test/api/v1/pupils?cursor=abc")
    assert app.seen[0].path == "/api/v1/pupils"
    assert app.seen[0].query == b"cursor=abc"


async def test_absolute_link_to_another_origin_is_refused_before_sending() -> None:
    app = ScriptedApp()
    async with client_for(app, SleepRecorder()) as client:
        with pytest.raises(AdapterConfigError, match="another origin"):
            await client.request("GET", "https://elsewhere.test/api/v1/pupils?cursor=abc")
    assert app.seen == []


async def test_user_agent_and_extra_headers_are_sent() -> None:
    app = ScriptedApp()
    settings = HttpSettings.model_validate({"base_url": BASE})
    transport = httpx.ASGITransport(app=app)
    async with HttpClient("demo", settings, transport=transport, headers={"x-school": "s1"}) as c:
        await c.request("GET", "/pupils", headers={"x-extra": "1"})
    headers = app.seen[0].headers
    assert headers["user-agent"].startswith("doorstep/")
    assert headers["user-agent"].endswith("(demo)")
    assert headers["x-school"] == "s1"
    assert headers["x-extra"] == "1"


async def test_get_json_refuses_a_body_that_is_not_json() -> None:
    app = ScriptedApp(Reply(200, {"content-type": "text/html"}, b"<html>hello</html>"))
    async with client_for(app, SleepRecorder()) as client:
        with pytest.raises(AdapterError, match="without JSON") as caught:
            await client.get_json("/pupils")
    assert "hello" not in str(caught.value)


async def test_aclose_closes_the_client() -> None:
    client = client_for(ScriptedApp(), SleepRecorder())
    assert not client.is_closed
    await client.aclose()
    assert client.is_closed


async def test_a_wait_that_would_pass_the_deadline_is_not_taken() -> None:
    app = ScriptedApp(Reply(429, {"retry-after": "5"}), Reply(200))
    sleep = SleepRecorder()
    async with client_for(app, sleep, deadline_s=2, retry_after_cap_s=30) as client:
        with pytest.raises(TransientError) as caught:
            await client.request("GET", "/pupils")
    assert caught.value.retry_after == 5
    assert sleep.waits == []
    assert len(app.seen) == 1


async def test_concurrent_requests_retry_independently() -> None:
    class FailsFirstPerPath(ScriptedApp):
        async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
            first = scope["path"] not in {seen.path for seen in self.seen}
            self.replies = [Reply(503, {"retry-after": "1"})] if first else [Reply(200)]
            await super().__call__(scope, receive, send)

    app = FailsFirstPerPath()
    sleep = SleepRecorder()
    async with client_for(app, sleep) as client:
        responses = await asyncio.gather(
            *(client.request("GET", "/pupils/{id}", path_params={"id": i}) for i in range(20))
        )
    assert [response.status_code for response in responses] == [200] * 20
    assert len(app.seen) == 40
    assert sleep.waits == [1.0] * 20
