"""Timeouts on real loopback sockets: the overall deadline beats a trickling server
(httpx read timeouts are per chunk), and a silent server times out and is retried."""

from __future__ import annotations

import asyncio
import time

import pytest

from hub.errors import TransientError
from hub.http import HttpClient, HttpSettings
from tests.hub.http.servers import SleepRecorder, read_head, serve


def loopback_client(port: int, sleep: SleepRecorder, **settings: object) -> HttpClient:
    merged: dict[str, object] = {
        "base_url": f"http://127.0.0.1:{port}/",
        "allow_private_cidrs": ["127.0.0.0/8"],
        **settings,
    }
    return HttpClient("demo", HttpSettings.model_validate(merged), sleep=sleep)


async def test_a_trickling_body_is_cut_off_by_the_overall_deadline() -> None:
    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n")
        for _ in range(100):  # one byte every 20 ms: each chunk beats the read timeout
            writer.write(b"x")
            await writer.drain()
            await asyncio.sleep(0.02)

    sleep = SleepRecorder()
    async with serve(trickle) as port:
        client = loopback_client(port, sleep, timeout_s=0.2, deadline_s=0.3)
        started = time.monotonic()
        async with client:
            with pytest.raises(TransientError, match="deadline") as caught:
                await client.request("GET", "/pupils")
        elapsed = time.monotonic() - started
    assert 0.25 <= elapsed < 1.0
    assert sleep.waits == []  # the budget is spent: no retry after the deadline
    assert caught.value.status is None


async def test_a_silent_server_times_out_and_is_retried_then_transient() -> None:
    connections = 0

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await read_head(reader)
        await asyncio.Event().wait()

    sleep = SleepRecorder()
    async with serve(silent) as port:
        client = loopback_client(port, sleep, timeout_s=0.05, max_attempts=2)
        async with client:
            with pytest.raises(TransientError, match="ReadTimeout"):
                await client.request("GET", "/pupils")
    assert connections == 2
    assert len(sleep.waits) == 1


async def test_a_refused_connection_is_transient() -> None:
    async def nothing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        return None

    async with serve(nothing) as port:
        pass  # the port is closed again: nothing listens there now
    client = loopback_client(port, SleepRecorder(), max_attempts=1)
    async with client:
        with pytest.raises(TransientError, match="ConnectError"):
            await client.request("GET", "/pupils")
