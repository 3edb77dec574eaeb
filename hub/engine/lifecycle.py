"""Running the engine in the foreground until SIGTERM or SIGINT, then stopping cleanly."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable

from hub.engine.service import Engine

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


async def run_until_signalled(
    engine: Engine,
    *,
    on_ready: Callable[[], Awaitable[None] | None] | None = None,
    stop: asyncio.Event | None = None,
    on_stop: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Start ``engine``, call ``on_ready``, wait for SIGTERM/SIGINT (or ``stop``), stop it.

    ``on_stop`` runs first when stopping, while the engine still runs (``doorstep serve``
    stops its HTTP server there, so no request meets a stopped engine).

    Stopping cancels running workflows between or inside steps; they stay pending and
    resume at the next start, so a stop never loses a timer or a delivery.
    """
    stopping = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stopping.set)
    try:
        await engine.start()
        try:
            if on_ready is not None:
                ready = on_ready()
                if ready is not None:
                    await ready
            await stopping.wait()
        finally:
            try:
                if on_stop is not None:
                    await on_stop()
            finally:
                await engine.stop()
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)
