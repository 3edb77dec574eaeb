"""Errors and retry logs from hub.http hold no query string, body, token or name."""

from __future__ import annotations

import httpx
import pytest
from faker import Faker
from pydantic import ValidationError
from structlog.testing import capture_logs

from hub.errors import AdapterError, RejectedError, TransientError
from hub.http import HttpClient, HttpSettings
from hub.logging import assert_no_personal_data
from tests.hub.http.servers import Reply, ScriptedApp, SleepRecorder

TOKEN = "tok-7f3a9c2e51b04d"


@pytest.fixture
def name() -> str:
    fake = Faker("en_GB")
    fake.seed_instance(4)
    return str(fake.name())


def client_for(app: ScriptedApp) -> HttpClient:
    settings = HttpSettings.model_validate({"base_url": "https://mis.example.test/"})
    return HttpClient(
        "demo",
        settings,
        transport=httpx.ASGITransport(app=app),
        sleep=SleepRecorder(),
        headers={"Authorization": f"Bearer {TOKEN}"},
    )


def all_text(error: BaseException) -> str:
    return " ".join([str(error), repr(error), str(error.args)])


async def test_a_rejected_write_names_only_method_template_status_and_request_id(
    name: str,
) -> None:
    body = f'{{"error": "pupil {name} is invalid", "token": "{TOKEN}"}}'.encode()
    app = ScriptedApp(Reply(422, {"request-id": "r-9"}, body))
    async with client_for(app) as client:
        with pytest.raises(RejectedError) as caught:
            await client.request(
                "POST",
                "/pupils/{id}/notes",
                path_params={"id": "p-1"},
                params={"surname": name, "access_token": TOKEN},
                json={"text": f"{name} was seen at home"},
            )
    text = all_text(caught.value)
    assert text.startswith("demo: POST /pupils/{id}/notes answered 422 (request id r-9)")
    for secret in (name, TOKEN, "surname", "p-1", "invalid"):
        assert secret not in text
    assert app.seen[0].query  # the query was really sent


async def test_retry_logs_and_the_final_error_hold_no_personal_value(name: str) -> None:
    app = ScriptedApp(Reply(503, body=name.encode()))
    with capture_logs() as events:
        async with client_for(app) as client:
            with pytest.raises(TransientError) as caught:
                await client.get_json("/search", params={"q": name, "token": TOKEN})
    retries = [event for event in events if event["event"] == "http.retry"]
    assert [event["attempt"] for event in retries] == [1, 2, 3]
    assert {event["path"] for event in retries} == {"/search"}
    assert {event["status"] for event in retries} == {503}
    assert all(event["adapter"] == "demo" for event in retries)
    assert_no_personal_data([*events, {"error": all_text(caught.value)}], [name, TOKEN, "q="])


async def test_a_request_id_that_does_not_look_like_an_id_is_left_out(name: str) -> None:
    app = ScriptedApp(Reply(404, {"x-request-id": f"{name}\n{TOKEN} and more"}))
    async with client_for(app) as client:
        with pytest.raises(AdapterError) as caught:
            await client.request("GET", "/pupils/{id}", path_params={"id": "p-2"})
    assert caught.value.request_id is None
    assert str(caught.value) == "demo: GET /pupils/{id} answered 404"


async def test_settings_errors_do_not_echo_the_input() -> None:
    with pytest.raises(ValidationError) as caught:
        HttpSettings.model_validate({"base_url": f"not a url {TOKEN}"})
    assert TOKEN not in str(caught.value)
