"""One ASGI app mounting every registered fake under ``/fake/<adapter id>``.

Fakes are found through ``hub_register_mock_backends``: nothing here imports an
adapter. Routing is Starlette's ``Mount``; each fake sees its mount point as
``root_path`` and matches the rest of the path itself.

A fake whose real system is files, not HTTP (the ``csv`` MIS exports), offers
``use_folder(folder)``: it writes its files into a folder of the caller's choosing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast, runtime_checkable

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import ASGIApp

from hub.hooks.registry import build_registry
from hub.hooks.types import MockBackend

PREFIX = "/fake"


@runtime_checkable
class FileBackedFake(Protocol):
    """A fake whose outside system is a folder of files (an MIS export, an outbox)."""

    def use_folder(self, folder: Path) -> None:
        """Write the fake's files into ``folder`` and read what arrives there."""


def mount_path(adapter_id: str) -> str:
    """Where a fake is mounted: ``/fake/<adapter id>``."""
    return f"{PREFIX}/{adapter_id}"


@dataclass(frozen=True)
class FakeBackends:
    """The mounted app, each fake's state, and the folder of each file-backed fake."""

    app: Starlette
    states: Mapping[str, object]
    folders: Mapping[str, Path]

    def state(self, adapter_id: str) -> Any:
        """The state of one fake (a ``KeyError`` naming the id when it is not mounted)."""
        return self.states[adapter_id]


def build_fakes(
    *,
    folder: Path | None = None,
    only: Iterable[str] | None = None,
    backends: Mapping[str, MockBackend] | None = None,
    disabled: Iterable[str] = frozenset(),
) -> FakeBackends:
    """Build a fresh state for every fake and mount its app under ``/fake/<id>``.

    ``backends`` defaults to every installed adapter's (``build_registry()``); ``only``
    keeps those ids. A file-backed fake writes its files into ``folder/<id>`` (a
    ``ValueError`` when it is mounted and no ``folder`` is given).
    """
    found = dict(backends) if backends is not None else _registered(disabled)
    wanted = set(only) if only is not None else set(found)
    unknown = sorted(wanted - set(found))
    if unknown:
        raise ValueError(f"no installed adapter offers a fake for: {', '.join(unknown)}")
    states: dict[str, object] = {}
    folders: dict[str, Path] = {}
    routes: list[Mount] = []
    for adapter_id in sorted(wanted):
        backend = found[adapter_id]
        state = backend.state_factory()
        if isinstance(state, FileBackedFake):
            if folder is None:
                raise ValueError(f"the {adapter_id} fake writes files: give a folder")
            folders[adapter_id] = folder / adapter_id
            state.use_folder(folders[adapter_id])
        states[adapter_id] = state
        app = cast(ASGIApp, backend.create_app(state))
        routes.append(Mount(mount_path(adapter_id), app=app))
    return FakeBackends(app=Starlette(routes=routes), states=states, folders=folders)


def _registered(disabled: Iterable[str]) -> dict[str, MockBackend]:
    return build_registry(disabled=disabled).mock_backends()
