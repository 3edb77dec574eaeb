"""The egress guard at connect time: refused addresses never reach a dial.

Every test dials through ``RecordingBackend``, which records each dial and only
really connects to 127.0.0.1, or never dials at all; no non-loopback address is
contacted.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Sequence

import pytest
from pydantic import AnyHttpUrl, ValidationError

from hub.errors import AdapterConfigError, TransientError
from hub.http import EgressGuard, HttpClient, HttpSettings, build_transport
from tests.hub.http.servers import RecordingBackend, SleepRecorder, answer, read_head, serve

LOOPBACK = ["127.0.0.0/8"]


def resolver_for(table: dict[str, list[str]]):
    async def resolve(host: str, port: int) -> Sequence[str]:
        return table[host]

    return resolve


def guarded_client(
    base_url: str,
    backend: RecordingBackend,
    *,
    allow: list[str] | None = None,
    resolver=None,
    **settings: object,
) -> HttpClient:
    merged: dict[str, object] = {
        "base_url": "https://valid.test/",
        "allow_private_cidrs": allow or [],
        "max_attempts": 1,
        "connect_timeout_s": 1,
        **settings,
    }
    # base_url is set after validation, which already refuses literal never-reachable
    # addresses: this tests the second line of defence, at connect time.
    http = HttpSettings.model_validate(merged).model_copy(update={"base_url": AnyHttpUrl(base_url)})
    transport = build_transport("demo", http, backend=backend, resolver=resolver)
    return HttpClient("demo", http, transport=transport, sleep=SleepRecorder())


@pytest.mark.parametrize(
    "base_url",
    [
        "http://169.254.169.254/",
        "http://[fe80::1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://[fd00:ec2::254]/",
        "http://100.100.100.200/",
        "http://0.0.0.0/",
        "http://[::]/",
    ],
)
async def test_never_allowed_addresses_are_refused_before_any_dial(base_url: str) -> None:
    backend = RecordingBackend()
    everything_private = ["10.0.0.0/8", "100.64.0.0/10", "fc00::/7", "127.0.0.0/8"]
    async with guarded_client(base_url, backend, allow=everything_private) as client:
        with pytest.raises(AdapterConfigError, match="address not allowed") as caught:
            await client.request("GET", "/latest/meta-data?token=abc")
    assert backend.dialled == []
    assert caught.value.adapter == "demo"
    assert "token" not in str(caught.value)
    assert "meta-data" not in str(caught.value)


@pytest.mark.parametrize(
    ("base_url", "reason"),
    [
        ("http://169.254.169.254/", "cloud metadata"),
        ("http://[fe80::1]/", "link-local"),
        ("http://[::ffff:169.254.169.254]/", "cloud metadata"),
        ("http://[fd00:ec2::254]/", "cloud metadata"),
        ("http://0.0.0.0/", "unspecified"),
    ],
)
def test_never_reachable_literal_addresses_are_refused_in_the_settings(
    base_url: str, reason: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(f"never reachable ({reason})")):
        HttpSettings.model_validate({"base_url": base_url})


@pytest.mark.parametrize("base_url", ["http://2130706433/", "http://0x7f.1/", "http://10.0.0.5/"])
def test_loopback_and_private_literals_are_left_to_connect_time(base_url: str) -> None:
    assert HttpSettings.model_validate({"base_url": base_url}).base_url.host in {
        "127.0.0.1",
        "10.0.0.5",
    }


async def test_metadata_address_is_refused_by_the_default_transport() -> None:
    settings = HttpSettings.model_validate({"base_url": "https://valid.test/"}).model_copy(
        update={"base_url": AnyHttpUrl("http://169.254.169.254/")}
    )
    async with HttpClient("demo", settings, sleep=SleepRecorder()) as client:
        with pytest.raises(AdapterConfigError, match="cloud metadata"):
            await client.request("GET", "/latest")


async def test_a_name_resolving_to_link_local_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["169.254.10.20"]

    monkeypatch.setattr("hub.http.egress.resolve_host", resolve)
    settings = HttpSettings.model_validate({"base_url": "https://mis.school.test/"})
    async with HttpClient("demo", settings, sleep=SleepRecorder()) as client:
        with pytest.raises(AdapterConfigError, match="link-local"):
            await client.request("GET", "/pupils")
    assert asked == ["mis.school.test"]


async def test_a_name_with_any_refused_address_is_refused() -> None:
    backend = RecordingBackend()
    resolver = resolver_for({"mis.school.test": ["203.0.113.9", "93.184.216.34", "10.1.1.1"]})
    async with guarded_client("http://mis.school.test/", backend, resolver=resolver) as client:
        with pytest.raises(AdapterConfigError, match="private"):
            await client.request("GET", "/pupils")
    assert backend.dialled == []


async def test_private_address_refused_unless_its_cidr_is_allowed() -> None:
    backend = RecordingBackend()
    async with guarded_client("http://10.0.0.5/", backend) as client:
        with pytest.raises(AdapterConfigError, match=r"private 10\.0\.0\.5"):
            await client.request("GET", "/pupils")
    assert backend.dialled == []

    async with guarded_client("http://10.0.0.5/", backend, allow=["10.0.0.0/24"]) as client:
        with pytest.raises(TransientError):  # passed the guard; the test backend won't dial
            await client.request("GET", "/pupils")
    assert backend.dialled == [("10.0.0.5", 80)]


async def test_loopback_refused_unless_allowed() -> None:
    for url in ("http://127.0.0.1/", "http://[::1]/", "http://2130706433/", "http://localhost/"):
        backend = RecordingBackend()
        async with guarded_client(url, backend) as client:
            with pytest.raises(AdapterConfigError, match="loopback"):
                await client.request("GET", "/")
        assert backend.dialled == []


async def _hello(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    head = await read_head(reader)
    host = next(line for line in head.split(b"\r\n") if line.lower().startswith(b"host:"))
    writer.write(answer(200, {"content-type": "text/plain"}, host))
    await writer.drain()


async def test_allowed_loopback_dials_the_checked_ip_and_keeps_the_host_name() -> None:
    backend = RecordingBackend()
    async with serve(_hello) as port:
        resolver = resolver_for({"mis.school.test": ["127.0.0.1"]})
        base = f"http://mis.school.test:{port}/"
        async with guarded_client(base, backend, allow=LOOPBACK, resolver=resolver) as client:
            response = await client.request("GET", "/")
    assert backend.dialled == [("127.0.0.1", port)]
    assert response.content.decode().lower() == f"host: mis.school.test:{port}"


async def _redirect_to_metadata(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_head(reader)
    writer.write(answer(302, {"location": "http://169.254.169.254/latest/meta-data/"}))
    await writer.drain()


async def test_a_redirect_to_link_local_is_refused_even_when_following_redirects() -> None:
    backend = RecordingBackend()
    async with serve(_redirect_to_metadata) as port:
        base = f"http://127.0.0.1:{port}/"
        async with guarded_client(base, backend, allow=LOOPBACK, follow_redirects=True) as client:
            with pytest.raises(AdapterConfigError, match="cloud metadata"):
                await client.request("GET", "/pupils")
    assert backend.dialled == [("127.0.0.1", port)]


async def test_redirects_are_not_followed_by_default() -> None:
    backend = RecordingBackend()
    async with serve(_redirect_to_metadata) as port:
        client = guarded_client(f"http://127.0.0.1:{port}/", backend, allow=LOOPBACK)
        async with client:
            response = await client.request("GET", "/pupils")
    assert response.status_code == 302
    assert backend.dialled == [("127.0.0.1", port)]


async def test_a_name_that_does_not_resolve_is_transient() -> None:
    async def fail(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "not known")

    backend = RecordingBackend()
    async with guarded_client("http://nowhere.test/", backend, resolver=fail) as client:
        with pytest.raises(TransientError, match="ConnectError"):
            await client.request("GET", "/")
    assert backend.dialled == []


async def test_unix_sockets_are_refused() -> None:
    guard = EgressGuard("demo")
    with pytest.raises(AdapterConfigError, match="address not allowed"):
        await guard.connect_unix_socket("/run/docker.sock")


async def test_the_default_resolver_answers_ip_literals_without_dns() -> None:
    from hub.http import resolve_host

    assert await resolve_host("127.0.0.1", 80) == ["127.0.0.1"]
    assert await resolve_host("2130706433", 80) == ["127.0.0.1"]


async def test_when_one_checked_address_refuses_the_next_is_dialled() -> None:
    backend = RecordingBackend()
    async with serve(_hello) as port:  # listens on 127.0.0.1 only
        resolver = resolver_for({"mis.school.test": ["127.0.0.2", "127.0.0.1"]})
        base = f"http://mis.school.test:{port}/"
        async with guarded_client(base, backend, allow=LOOPBACK, resolver=resolver) as client:
            response = await client.request("GET", "/")
    assert response.status_code == 200
    assert backend.dialled == [("127.0.0.2", port), ("127.0.0.1", port)]


async def test_each_new_connection_is_resolved_and_checked_again() -> None:
    answers = iter([["127.0.0.1"], ["169.254.169.254"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    async def close_after_answer(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await read_head(reader)
        writer.write(answer(200, {"connection": "close"}, b"ok"))
        await writer.drain()

    backend = RecordingBackend()
    async with serve(close_after_answer) as port:
        base = f"http://mis.school.test:{port}/"
        async with guarded_client(base, backend, allow=LOOPBACK, resolver=rebinding) as client:
            assert (await client.request("GET", "/")).status_code == 200
            with pytest.raises(AdapterConfigError, match="cloud metadata"):
                await client.request("GET", "/")
    assert backend.dialled == [("127.0.0.1", port)]
