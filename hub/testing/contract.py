"""``adapter_contract``: one line gives an adapter the hub's whole contract suite.

In ``tests/adapters/<id>/test_contract.py``::

    from hub.adapters.wonde import WondeAdapter
    from hub.adapters.wonde import fake
    from hub.testing import adapter_contract

    TestWondeContract = adapter_contract(
        WondeAdapter, fake=fake, settings=lambda base_url: WondeSettings(...)
    )

- ``fake``: the adapter's ``fake.py`` module (``create_app`` and ``FakeState``) or any
  ``FakeBackend`` (``hub.testing.fakes``). Its state must offer ``page_size``,
  ``latency_s``, ``fail_next(status=, times=, retry_after=)`` (``times=0`` clears),
  ``personal_values()``, ``requests``, ``records`` and, ideally, ``pupil_ids()``.
- ``settings``: valid settings for the adapter, or a callable taking the fake's base
  URL and returning them (the kit points ``HttpSettings.base_url`` at the fake either
  way; use a callable when other URLs derive from it). Secrets must be ones the fake
  accepts.
- ``suite``: ``SuiteConfig`` opt-outs, each with a reason, and a few facts.

The adapter must take ``(settings, *, transport=None, sleep=asyncio.sleep)``, have
``async start()`` / ``async stop()`` (``stop`` closes its client and may run twice),
and a ``manifest: ClassVar[AdapterManifest]``. The kit builds it over a fresh fake
state per test with ``transport=`` the fake app and a recording ``sleep``.

Checks (``hub.testing.checks``), each a test ``test_<name>[<case>]``: registration
and manifest, roles ↔ hooks, settings (``extra="forbid"``, described, secrets are
``SecretStr``, the env path reaches each field, ``repr`` hides secrets), pulls (valid
models, every page with page size 1, unknown id), session marks (inside the window
asked for, for the school's pupils, known codes; spoiled answers an ``AdapterError``,
see ``hub.testing.marks``), pushes (receipt, idempotent, a
503 then success makes one record), resilience (429 + ``Retry-After: 2`` waits 2 s,
above the cap raises ``TransientError(retry_after)``, bounded 503s, 401 →
``AuthError`` without retry, 422 → ``RejectedError``, timeout → ``TransientError``),
privacy (no seeded personal value, pushed text or secret in any log event or error;
TLS verified; a link-local base URL refused), lifecycle (``stop()`` closes the
client; ``hub_health`` OK, a clear failure on 503s; "unavailable" and "recovered"
each logged once: use ``hub.adapter.Availability``). Every test runs under log
capture and fails if a log event holds a seeded personal value or a secret.

Tests are synchronous (each runs its coroutine with ``asyncio.run``), so a project
needs no asyncio plugin to run the kit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from pydantic import BaseModel

from hub.testing.check import Check
from hub.testing.checks import ALL_CHECKS
from hub.testing.config import SuiteConfig
from hub.testing.fakes import FakeBackend, as_backend
from hub.testing.harness import Subject
from hub.testing.logs import assert_no_personal_values, capture_redacted_logs


def adapter_contract(
    adapter_cls: type[Any],
    *,
    fake: FakeBackend | ModuleType,
    settings: Callable[[str], BaseModel] | BaseModel,
    suite: SuiteConfig | None = None,
) -> type:
    """A pytest test class running every contract check against ``adapter_cls``."""
    subject = Subject(adapter_cls, as_backend(fake), settings, suite or SuiteConfig())
    _refuse_unknown_skips(subject)
    attributes: dict[str, Any] = {
        "__doc__": f"The Doorstep adapter contract for '{subject.id}'.",
        "subject": subject,
    }
    for check in ALL_CHECKS:
        attributes[f"test_{check.name}"] = _test_for(subject, check)
    return type(f"{adapter_cls.__name__}Contract", (), attributes)


def _refuse_unknown_skips(subject: Subject) -> None:
    names = {check.name for check in ALL_CHECKS}
    unknown = sorted(key for key in subject.suite.skip if key.split("[", 1)[0] not in names)
    if unknown:
        raise ValueError(f"SuiteConfig.skip names no check: {', '.join(unknown)}")


def _test_for(subject: Subject, check: Check) -> Callable[..., None]:
    cases = check.cases(subject)
    skip = subject.suite.skip
    if cases is None:
        test = _single(subject, check)
        if check.name in skip:
            test = pytest.mark.skip(reason=skip[check.name])(test)
    elif not cases:
        test = _skipped(check.empty)
    else:
        params = [
            pytest.param(case, id=case, marks=_skip_marks(skip, check.name, case)) for case in cases
        ]
        test = pytest.mark.parametrize("case", params)(_per_case(subject, check))
    test.__name__ = test.__qualname__ = f"test_{check.name}"
    test.__doc__ = check.__doc__
    return test


def _single(subject: Subject, check: Check) -> Callable[..., None]:
    def test(self: object) -> None:
        _run(subject, check, None)

    return test


def _per_case(subject: Subject, check: Check) -> Callable[..., None]:
    def test(self: object, case: str) -> None:
        _run(subject, check, case)

    return test


def _skipped(reason: str) -> Callable[..., None]:
    def test(self: object) -> None:
        pytest.skip(reason)

    return test


def _skip_marks(skip: Any, name: str, case: str) -> list[pytest.MarkDecorator]:
    reason = skip.get(f"{name}[{case}]") or skip.get(name)
    return [pytest.mark.skip(reason=reason)] if reason else []


def _run(subject: Subject, check: Check, case: str | None) -> None:
    needles = subject.needles()

    async def body() -> None:
        with capture_redacted_logs() as events:
            await check.run(subject, case)
        assert_no_personal_values(events, needles)

    asyncio.run(body())
