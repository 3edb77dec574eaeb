"""The connection pool is the adapter's bulkhead: never more than max_connections."""

from __future__ import annotations

import asyncio

from hub.http import HttpClient, HttpSettings
from tests.hub.http.servers import SleepRecorder, answer, read_head, serve


async def test_no_more_connections_than_max_connections() -> None:
    open_now = 0
    most = 0
    two_open = asyncio.Event()
    release = asyncio.Event()

    async def held(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal open_now, most
        open_now += 1
        most = max(most, open_now)
        if open_now == 2:
            two_open.set()
        try:
            while True:
                await read_head(reader)
                await release.wait()
                writer.write(answer(200, {}, b"ok"))
                await writer.drain()
        finally:
            open_now -= 1

    async with serve(held) as port:
        settings = HttpSettings.model_validate(
            {
                "base_url": f"http://127.0.0.1:{port}/",
                "allow_private_cidrs": ["127.0.0.0/8"],
                "max_connections": 2,
            }
        )
        async with HttpClient("demo", settings, sleep=SleepRecorder()) as client:
            requests = [asyncio.create_task(client.request("GET", "/p")) for _ in range(5)]
            await asyncio.wait_for(two_open.wait(), timeout=5)
            for _ in range(20):  # give a third connection every chance to open
                await asyncio.sleep(0)
            assert open_now == 2
            release.set()
            responses = await asyncio.gather(*requests)
    assert [response.text for response in responses] == ["ok"] * 5
    assert most == 2
