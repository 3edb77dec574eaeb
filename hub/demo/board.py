"""The live demo's web UI: the same app ``doorstep serve`` runs, served in-process.

``serve_web`` runs uvicorn on the demo's own event loop (the app calls the demo's
engine), on a socket it binds first, so port 0 picks a free port and the URL is
known before the server starts. Signals are left to the demo (``until_stopped``).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import AsyncIterator, Iterator

import uvicorn
from fastapi import FastAPI

from hub.errors import UserError
from hub.fakes.server import listening_socket

START_TIMEOUT_S = 10.0
"""How long uvicorn has to start accepting connections."""
STOP_TIMEOUT_S = 3
"""How long requests in flight (a board refresh) get to finish when the demo stops."""


class _Server(uvicorn.Server):
    """uvicorn, leaving SIGINT/SIGTERM to the demo."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def serve_web(app: FastAPI, *, host: str, port: int) -> AsyncIterator[str]:
    """Serve ``app`` on ``host:port`` (0: a free port) until the block ends; its URL."""
    try:
        sock = listening_socket(host, port)
    except OSError:
        raise UserError(f"cannot listen on {host}:{port} (in use or not allowed)") from None
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=STOP_TIMEOUT_S,
    )
    server = _Server(config)
    running = asyncio.create_task(server.serve(sockets=[sock]), name="doorstep-demo-web")
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT_S
        while not server.started:
            if running.done() or loop.time() > deadline:
                raise UserError(f"the demo's web server did not start on {host}:{port}")
            await asyncio.sleep(0.02)
        bound_host, bound_port = sock.getsockname()[:2]
        yield f"http://{bound_host}:{bound_port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception, SystemExit):
            await running
        sock.close()


async def until_stopped() -> None:
    """Wait for Ctrl-C or SIGTERM (then return, so the demo stops cleanly)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    for number in signals:
        loop.add_signal_handler(number, stop.set)
    try:
        await stop.wait()
    finally:
        for number in signals:
            loop.remove_signal_handler(number)


async def until_enter() -> None:
    """Wait for Enter on standard input (Ctrl-C interrupts as usual)."""
    loop = asyncio.get_running_loop()
    pressed = asyncio.Event()
    fd = sys.stdin.fileno()
    loop.add_reader(fd, pressed.set)
    try:
        await pressed.wait()
    finally:
        loop.remove_reader(fd)
    sys.stdin.readline()
