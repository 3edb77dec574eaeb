"""Run the mounted fakes under uvicorn in a background thread.

``serve_fakes()`` binds the socket itself (port 0 picks a free port), so the URL is
known before the server starts; it returns once uvicorn accepts connections. Use it
as a context manager, or call ``stop()``::

    with serve_fakes(folder=scratch) as fakes:
        fakes.url_for("cpoms")          # http://127.0.0.1:PORT/fake/cpoms/
        fakes.state("cpoms").records    # what arrived
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import uvicorn

from hub.fakes.app import FakeBackends, build_fakes, mount_path
from hub.hooks.types import MockBackend

START_TIMEOUT_S = 10.0
"""How long uvicorn has to start accepting connections."""


class RunningFakes:
    """The fakes being served: their URL, their states, and how to stop them."""

    def __init__(self, backends: FakeBackends, server: uvicorn.Server, sock: socket.socket) -> None:
        self.backends = backends
        self._server = server
        self._socket = sock
        host, port = sock.getsockname()[:2]
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="doorstep-fakes", daemon=True
        )

    @property
    def states(self) -> Mapping[str, object]:
        """Each fake's state, by adapter id."""
        return self.backends.states

    @property
    def folders(self) -> Mapping[str, Path]:
        """The folder of each file-backed fake, by adapter id."""
        return self.backends.folders

    def state(self, adapter_id: str) -> Any:
        """One fake's state."""
        return self.backends.state(adapter_id)

    def url_for(self, adapter_id: str) -> str:
        """The base URL of one fake, ending in ``/`` (a ``KeyError`` when not mounted)."""
        if adapter_id not in self.backends.states:
            raise KeyError(adapter_id)
        return f"{self.url}{mount_path(adapter_id)}/"

    def start(self) -> None:
        """Start serving; returns once connections are accepted."""
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the fake server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop serving and wait for the server thread (at most a few seconds)."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._socket.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve_fakes(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    folder: Path | None = None,
    only: Iterable[str] | None = None,
    backends: Mapping[str, MockBackend] | None = None,
    disabled: Iterable[str] = frozenset(),
) -> RunningFakes:
    """Serve every fake (or ``only`` these) on ``host:port`` in a background thread.

    Returns the running server, already accepting connections: ``url``, ``url_for(id)``
    and each fake's ``state``. File-backed fakes write into ``folder/<id>``.
    """
    fakes = build_fakes(folder=folder, only=only, backends=backends, disabled=disabled)
    config = uvicorn.Config(
        fakes.app, log_config=None, access_log=False, lifespan="off", log_level="warning"
    )
    running = RunningFakes(fakes, uvicorn.Server(config), listening_socket(host, port))
    running.start()
    return running


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (0: a free port) for uvicorn to serve on;
    ``OSError`` when the address is in use or not allowed (the socket is closed)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock
