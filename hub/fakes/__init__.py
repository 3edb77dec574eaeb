"""Every adapter's fake outside system, served together under one ASGI app.

``build_fakes(...)`` mounts each registered mock backend under ``/fake/<adapter id>``
(Starlette ``Mount``); ``serve_fakes()`` runs that app under uvicorn in a background
thread and returns the bound URL with each fake's state, so a caller (``doorstep
demo``, the end-to-end tests) can point adapters at it and read what arrived.
``doorstep fakes serve`` runs it in the foreground.
"""

from hub.fakes.app import FakeBackends, FileBackedFake, build_fakes, mount_path
from hub.fakes.server import RunningFakes, serve_fakes

__all__ = [
    "FakeBackends",
    "FileBackedFake",
    "RunningFakes",
    "build_fakes",
    "mount_path",
    "serve_fakes",
]
