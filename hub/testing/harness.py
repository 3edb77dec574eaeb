"""An adapter under test: built with its settings over a fresh fake, started, stopped.

The adapter gets ``transport=`` a ``CountingTransport`` over
``httpx.ASGITransport(app=create_app(state))`` and ``sleep=`` a ``RecordingSleep``,
so nothing leaves the process and nothing really waits.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from importlib.metadata import entry_points
from typing import Any, cast

import httpx
from pydantic import BaseModel, SecretStr

from hub.adapter import AdapterManifest
from hub.hooks import NAME
from hub.models import School, VisitEvent
from hub.policy import PolicyPack
from hub.testing import samples
from hub.testing.config import SuiteConfig
from hub.testing.fakes import FakeBackend, missing_members

HTTP_FIELDS = frozenset({"base_url", "deadline_s", "max_attempts", "retry_after_cap_s"})
"""Fields that mark a model as ``hub.http.HttpSettings`` (or a subclass)."""

PULL_BY_ID = ("hub_pull_pupil", "hub_pull_contacts", "hub_pull_attendance", "hub_pull_risk_flags")
PULLS = ("hub_pull_pupil", "hub_pull_contacts", "hub_pull_risk_flags", "hub_pull_attendance")
PULL_LISTS = ("hub_pull_pupils", "hub_pull_contacts", "hub_pull_risk_flags")
PUSHES = (
    "hub_push_visit_note",
    "hub_push_agreement",
    "hub_push_calendar_event",
    "hub_send_notification",
)
SPOILED_HEADERS = frozenset({"content-length", "content-encoding", "transfer-encoding"})
"""Headers a spoiled answer does not keep: they described the body it replaced."""
PROBES = (*PULLS, "hub_pull_pupils", *PUSHES)
"""Hooks tried, in order, to exercise the adapter's HTTP path in resilience checks."""


class RecordingSleep:
    """An injected ``sleep`` that records each wait and returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        """Record ``seconds``; do not wait."""
        self.calls.append(seconds)


class CountingTransport(httpx.AsyncBaseTransport):
    """A transport that records every request (method and path) and whether it closed.

    ``spoil``, when set, rewrites the body of every successful answer (the kit's way of
    sending an adapter bad data: not JSON, cut short, another shape).
    """

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[tuple[str, str]] = []
        self.closed = False
        self.spoil: Callable[[bytes], bytes] | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Record the request, then hand it to the inner transport."""
        self.requests.append((request.method, request.url.path))
        response = await self.inner.handle_async_request(request)
        if self.spoil is None or not response.is_success:
            return response
        body = self.spoil(await response.aread())
        await response.aclose()
        kept = [(k, v) for k, v in response.headers.items() if k not in SPOILED_HEADERS]
        return httpx.Response(response.status_code, headers=kept, content=body, request=request)

    async def aclose(self) -> None:
        """Mark closed and close the inner transport."""
        self.closed = True
        await self.inner.aclose()


class MemoryRecorder:
    """A visit-event log in a list, shaped like the store's ``append_event``."""

    def __init__(self) -> None:
        self.events: list[VisitEvent] = []

    def append_event(self, event: VisitEvent) -> int:
        """Append ``event``; return its sequence number (from 1)."""
        self.events.append(event)
        return len(self.events)


def builtin_plugins() -> list[tuple[str, object]]:
    """Doorstep's own plugin modules (``doorstep.plugins`` of the doorstep distribution)."""
    points = entry_points(group="doorstep.plugins")
    return [(p.name, p.load()) for p in points if p.dist is None or p.dist.name == "doorstep"]


def is_http_settings(value: object) -> bool:
    """Whether ``value`` is an ``HttpSettings`` (by its fields)."""
    return isinstance(value, BaseModel) and set(type(value).model_fields) >= HTTP_FIELDS


def http_settings(settings: BaseModel) -> BaseModel | None:
    """The ``HttpSettings`` inside an adapter's settings: itself, or one of its fields."""
    if is_http_settings(settings):
        return settings
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if is_http_settings(value):
            return cast(BaseModel, value)
    return None


def with_http(settings: BaseModel, **changes: Any) -> BaseModel:
    """A copy of ``settings`` with ``changes`` made to its ``HttpSettings``, validated."""
    if is_http_settings(settings):
        return type(settings).model_validate({**_dump(settings), **changes})
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if is_http_settings(value):
            http = type(value).model_validate({**_dump(value), **changes})
            return settings.model_copy(update={name: http})
    raise LookupError(f"{type(settings).__name__} holds no HttpSettings")


def _dump(model: BaseModel) -> dict[str, Any]:
    return {name: getattr(model, name) for name in type(model).model_fields}


def secret_values(model: BaseModel) -> Iterator[str]:
    """Every ``SecretStr`` value in ``model``, nested models included."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, SecretStr):
            yield value.get_secret_value()
        elif isinstance(value, BaseModel):
            yield from secret_values(value)


def hook_methods(adapter: object) -> dict[str, Callable[..., Any]]:
    """Each hook the adapter implements, with the method implementing it."""
    methods: dict[str, Callable[..., Any]] = {}
    for attr in dir(adapter):
        if attr.startswith("__"):
            continue
        function = getattr(adapter, attr, None)
        opts = getattr(function, f"{NAME}_impl", None)
        if callable(function) and isinstance(opts, dict):
            methods[opts.get("specname") or attr] = function
    return methods


async def call_hook(adapter: object, hook: str, **kwargs: Any) -> Any:
    """Call ``adapter``'s implementation of ``hook`` with the arguments it takes (the
    kit's school, pack and ``now`` included), awaiting it if it is async."""
    method = hook_methods(adapter)[hook]
    given = {"school": samples.school(), "pack": samples.pack(), "now": samples.NOW, **kwargs}
    accepted = inspect.signature(method).parameters
    value = method(**{name: v for name, v in given.items() if name in accepted})
    return await value if inspect.isawaitable(value) else value


def sample_arguments(hook: str, *, pupil_id: str, channel: str) -> dict[str, Any]:
    """Arguments for one call of ``hook`` about ``pupil_id``; a fresh idempotency key."""
    key = f"kit-key-{uuid.uuid4().hex[:12]}"
    today = samples.NOW.date()
    visit = samples.visit(pupil_id or "kit-pupil")
    arguments: dict[str, dict[str, Any]] = {
        "hub_pull_pupil": {"pupil_id": pupil_id},
        "hub_pull_pupils": {"since": None},
        "hub_pull_contacts": {"pupil_id": pupil_id},
        "hub_pull_attendance": {
            "pupil_id": pupil_id,
            "since": today - timedelta(days=90),
            "until": today,
        },
        "hub_pull_risk_flags": {"pupil_id": pupil_id, "household_id": None},
        "hub_push_visit_note": {
            "visit": visit,
            "note": samples.note(visit.pupil_id),
            "idempotency_key": key,
        },
        "hub_push_agreement": {
            "visit": visit,
            "agreement": samples.agreement(visit.pupil_id),
            "idempotency_key": key,
        },
        "hub_push_calendar_event": {
            "visit": visit,
            "event": samples.calendar_event(),
            "idempotency_key": key,
        },
        "hub_send_notification": {
            "notification": samples.notification(channel),
            "idempotency_key": key,
        },
    }
    return arguments[hook]


def probe_hook(hooks: frozenset[str]) -> str:
    """The hook resilience checks exercise: the first pull, else the first push."""
    for hook in PROBES:
        if hook in hooks:
            return hook
    raise AssertionError("the adapter implements no pull or push hook to probe")


@dataclass(frozen=True)
class Subject:
    """What a contract suite tests: the adapter class, its fake, its settings, its config."""

    adapter_cls: type[Any]
    backend: FakeBackend
    settings: Callable[[str], BaseModel] | BaseModel
    suite: SuiteConfig = field(default_factory=SuiteConfig)

    @property
    def manifest(self) -> AdapterManifest:
        """The adapter's manifest (a TypeError if it has none)."""
        manifest = getattr(self.adapter_cls, "manifest", None)
        if not isinstance(manifest, AdapterManifest):
            raise TypeError(f"{self.adapter_cls.__name__}.manifest is not an AdapterManifest")
        return manifest

    @property
    def id(self) -> str:
        """The adapter id, from the manifest."""
        return self.manifest.id

    @property
    def fake_url(self) -> str:
        """The base URL the adapter is given in tests; the transport never resolves it."""
        return f"https://{self.id.replace('_', '-')}.fake.test/"

    @cached_property
    def hooks(self) -> frozenset[str]:
        """The hooks the adapter class implements."""
        return frozenset(hook_methods(self.adapter_cls))

    def make_settings(self, base_url: str | None = None) -> BaseModel:
        """The adapter's settings pointing at ``base_url`` (default: the fake)."""
        url = base_url or self.fake_url
        if isinstance(self.settings, BaseModel):
            has_http = http_settings(self.settings) is not None
            return with_http(self.settings, base_url=url) if has_http else self.settings
        return self.settings(url)

    def needles(self) -> list[str]:
        """Values that must never be logged: seeded personal data, secrets, pushed text."""
        state = self.backend.state_factory()
        seeded = list(getattr(state, "personal_values", list)())
        return [*seeded, *secret_values(self.make_settings()), *samples.PERSONAL_TEXTS]


@dataclass
class Harness:
    """One started adapter over one fake state, with the school it serves."""

    subject: Subject
    adapter: Any
    settings: BaseModel
    state: Any
    transport: CountingTransport
    sleep: RecordingSleep
    school: School
    pack: PolicyPack
    _pupil_id: str | None = None

    @property
    def requests(self) -> int:
        """Requests sent so far."""
        return len(self.transport.requests)

    @property
    def http(self) -> BaseModel | None:
        """The adapter's ``HttpSettings``, if it has one."""
        return http_settings(self.settings)

    async def call(self, hook: str, **kwargs: Any) -> Any:
        """Call the adapter's implementation of ``hook`` with the arguments it takes."""
        return await call_hook(self.adapter, hook, **kwargs)

    async def pupil_id(self) -> str:
        """A seeded pupil's id (see ``SuiteConfig.pupil_id``)."""
        if self._pupil_id is None:
            self._pupil_id = await self._find_pupil_id()
        return self._pupil_id

    async def _find_pupil_id(self) -> str:
        if self.subject.suite.pupil_id is not None:
            return self.subject.suite.pupil_id
        known = getattr(self.state, "pupil_ids", None)
        if callable(known) and known():
            return str(next(iter(known())))
        if "hub_pull_pupils" in self.subject.hooks:
            pupils = await self.call("hub_pull_pupils", since=None)
            if pupils:
                return str(pupils[0].id)
        raise AssertionError(
            "no seeded pupil id: give the fake state pupil_ids() or SuiteConfig(pupil_id=...)"
        )

    async def arguments(self, hook: str, *, pupil_id: str | None = None) -> dict[str, Any]:
        """Arguments for one call of ``hook``; pushes get a fresh idempotency key."""
        if pupil_id is None and hook != "hub_pull_pupils":
            pupil_id = await self.pupil_id()
        channel = self.subject.suite.notification_channel or self.subject.id
        return sample_arguments(hook, pupil_id=pupil_id or "", channel=channel)

    async def run(self, hook: str, **overrides: Any) -> Any:
        """Call ``hook`` with sample arguments (``overrides`` win)."""
        return await self.call(hook, **{**await self.arguments(hook), **overrides})

    @property
    def probe_hook(self) -> str:
        """The hook resilience checks exercise (see ``probe_hook()``)."""
        return probe_hook(self.subject.hooks)

    async def probe(self) -> Any:
        """One call of ``probe_hook``, with fresh sample arguments."""
        return await self.run(self.probe_hook)


@asynccontextmanager
async def open_harness(
    subject: Subject, *, http: Mapping[str, Any] | None = None
) -> AsyncIterator[Harness]:
    """Start the adapter over a fresh fake state; stop it afterwards.

    ``http`` changes the adapter's ``HttpSettings`` (a small deadline, one attempt).
    """
    state = subject.backend.state_factory()
    missing = missing_members(state)
    if missing:
        raise AssertionError(f"the fake state lacks {', '.join(missing)} (see hub.testing.fakes)")
    settings = subject.make_settings()
    if http:
        settings = with_http(settings, **http)
    app = subject.backend.create_app(state)
    transport = CountingTransport(httpx.ASGITransport(app=cast(Any, app)))
    sleep = RecordingSleep()
    adapter = subject.adapter_cls(settings, transport=transport, sleep=sleep)
    harness = Harness(
        subject, adapter, settings, state, transport, sleep, samples.school(), samples.pack()
    )
    await adapter.start()
    try:
        yield harness
    finally:
        await adapter.stop()
