"""What the contract kit needs from an adapter's fake outside system.

Every adapter's ``fake.py`` exports ``FakeState`` and ``create_app(state)``; the kit
builds a fresh state per test and talks to the app through
``httpx.ASGITransport(app=create_app(state))``. These protocols say which members the
kit uses; ``missing_members`` names any a state lacks, so the kit can fail clearly.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class FakeBackendState(Protocol):
    """The in-memory state of a fake system, seeded with Faker ``en_GB`` and a fixed seed.

    - ``page_size``: items per page the fake serves; the kit sets it to 1 to check that
      every page is followed.
    - ``latency_s``: seconds added before every response (``asyncio.sleep``); the kit
      sets it above a small deadline to check timeouts.
    - ``fail_next(status=503, times=2, retry_after=1)``: the next ``times`` requests
      answer ``status`` (with ``Retry-After`` when given) before any work is done.
    - ``personal_values()``: every seeded personal value (names, addresses, phone
      numbers, e-mail addresses, note text); none may reach a log line or an error.
    - ``requests``: one entry per request received, e.g. ``(method, path)``.
    - ``records``: what pushes created (one entry per record, however often a push
      with the same idempotency key was repeated).
    - optional ``pupil_ids()``: ids of the seeded pupils, for pulls by id (without it
      the kit uses ``hub_pull_pupils`` or ``SuiteConfig.pupil_id``) and to check that
      session marks are of the school's own pupils.
    """

    page_size: int
    latency_s: float

    def fail_next(self, status: int = ..., times: int = ..., retry_after: int | None = ...) -> None:
        """Answer the next ``times`` requests with ``status`` (and ``Retry-After``)."""
        ...

    def personal_values(self) -> Iterable[str]:
        """Every seeded personal value."""
        ...

    @property
    def requests(self) -> Sequence[object]:
        """One entry per request received."""
        ...

    @property
    def records(self) -> Collection[object]:
        """What pushes created, one entry per record."""
        ...


class FakeBackend(Protocol):
    """A fake system: build a state, then an ASGI app over it.

    ``hub.hooks.types.MockBackend`` (what ``hub_register_mock_backends`` registers)
    satisfies it; so does ``Fake(create_app, FakeState)``.
    """

    @property
    def create_app(self) -> Callable[[Any], object]:
        """``create_app(state)`` → an ASGI app serving ``state``."""
        ...

    @property
    def state_factory(self) -> Callable[[], object]:
        """Builds a fresh, seeded state."""
        ...


@dataclass(frozen=True)
class Fake:
    """A ``FakeBackend`` from its two parts."""

    create_app: Callable[[Any], object]
    state_factory: Callable[[], object]


def as_backend(fake: FakeBackend | ModuleType) -> FakeBackend:
    """``fake`` as a backend; a ``fake.py`` module gives its ``create_app`` and ``FakeState``."""
    if isinstance(fake, ModuleType):
        create_app = getattr(fake, "create_app", None)
        state_class = getattr(fake, "FakeState", None)
        if not callable(create_app) or not callable(state_class):
            raise TypeError(f"module {fake.__name__} needs create_app and FakeState")
        return Fake(create_app, state_class)
    return fake


STATE_MEMBERS = ("page_size", "latency_s", "fail_next", "personal_values", "requests", "records")


def missing_members(state: object) -> list[str]:
    """The members of ``FakeBackendState`` that ``state`` lacks."""
    return [name for name in STATE_MEMBERS if not hasattr(state, name)]
