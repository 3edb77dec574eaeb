"""The contract checks: one small class per check, each with a ``name``.

A check's ``cases(subject)`` says what it is parametrised over (hooks, roles), ``None``
for a single test; ``run(subject, case)`` opens its own harness and asserts. The test
id is ``test_<name>[<case>]``, e.g. ``test_push_is_idempotent[hub_push_visit_note]``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, get_args

from pydantic import BaseModel, SecretStr

from hub.adapter import ROLE_HOOKS, AdapterManifest
from hub.errors import AdapterError, AuthError, NotFoundError, RejectedError, TransientError
from hub.hooks.manager import build_hooks
from hub.hooks.registry import build_registry
from hub.hooks.types import AttendanceSummary, DeliveryReceipt, HealthReport, PushReceipt
from hub.models import Contact, Pupil, RiskFlag
from hub.settings import ENV_PREFIX, adapter_settings, env_var_for, load_settings
from hub.testing import samples
from hub.testing.check import Check
from hub.testing.check import expect_error as _expect
from hub.testing.check import implemented as _implemented
from hub.testing.harness import (
    PULL_BY_ID,
    PULL_LISTS,
    PULLS,
    PUSHES,
    MemoryRecorder,
    RecordingSleep,
    Subject,
    builtin_plugins,
    call_hook,
    http_settings,
    open_harness,
    probe_hook,
    sample_arguments,
    secret_values,
    with_http,
)
from hub.testing.logs import (
    assert_error_is_safe,
    assert_no_personal_values,
    capture_redacted_logs,
    count_events,
)
from hub.testing.marks import SESSION_MARK_CHECKS

UNKNOWN_PUPIL = "kit-no-such-pupil"
LINK_LOCAL_URL = "http://169.254.169.254/"
SECRET_WORDS = frozenset({"token", "password", "secret", "key"})
SECRET_NAMES = frozenset({"api_key", "client_secret"})
RESULT_TYPES: dict[str, type] = {
    "hub_pull_pupil": Pupil,
    "hub_pull_pupils": Pupil,
    "hub_pull_contacts": Contact,
    "hub_pull_risk_flags": RiskFlag,
    "hub_pull_attendance": AttendanceSummary,
}


# --- 1. registration ------------------------------------------------------------------


class Registers(Check):
    """The instance registers, beside the built-in plugins, into a fresh school manager:
    every ``hub_*`` method is marked and names a real hook with valid arguments."""

    name = "registers"

    async def run(self, subject: Subject, case: str | None) -> None:
        async with open_harness(subject) as h:
            hooks = build_hooks(
                h.school,
                pack=h.pack,
                entry_points=False,
                extra=[*builtin_plugins(), (subject.id, h.adapter)],
                recorder=MemoryRecorder(),
            )
            assert hooks.plugins().get(subject.id) == "adapter"


class ManifestIsValid(Check):
    """``manifest`` is an ``AdapterManifest`` that validates and declares a role."""

    name = "manifest_is_valid"

    async def run(self, subject: Subject, case: str | None) -> None:
        manifest = subject.manifest
        AdapterManifest.model_validate(manifest.model_dump())
        assert manifest.roles, f"adapter '{manifest.id}' declares no role"


class RolesMatchHooks(Check):
    """Each declared role's hooks are implemented (``mis`` → pull_pupil, pull_contacts)."""

    name = "roles_match_hooks"
    empty = "the manifest declares no role"

    def cases(self, subject: Subject) -> list[str] | None:
        return sorted(subject.manifest.roles)

    async def run(self, subject: Subject, case: str | None) -> None:
        missing = sorted(ROLE_HOOKS[str(case)] - subject.hooks)
        assert not missing, f"role '{case}' needs {', '.join(missing)}"


class RegistersSettingsAndFake(Check):
    """The class registers its settings model and its fake under the manifest's id."""

    name = "registers_settings_and_fake"

    async def run(self, subject: Subject, case: str | None) -> None:
        registry = build_registry(entry_points=False, extra=[(subject.id, subject.adapter_cls)])
        model = registry.settings_models().get(subject.id)
        assert model is type(subject.make_settings()), (
            f"hub_register_settings must register '{subject.id}' with the settings model"
        )
        assert subject.id in registry.mock_backends(), (
            f"hub_register_mock_backends must register '{subject.id}'"
        )


# --- 2. settings ------------------------------------------------------------------------


def _fields(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, Any, type[BaseModel]]]:
    """Every field of ``model`` and nested models: dotted name, field info, owner."""
    for name, info in model.model_fields.items():
        yield f"{prefix}{name}", info, model
        for inner in (info.annotation, *get_args(info.annotation)):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                yield from _fields(inner, f"{prefix}{name}.")


def _is_secret_name(name: str) -> bool:
    leaf = name.rsplit(".", 1)[-1]
    return leaf in SECRET_NAMES or leaf.rsplit("_", 1)[-1] in SECRET_WORDS


def _is_secret_type(annotation: Any) -> bool:
    return annotation is SecretStr or SecretStr in get_args(annotation)


class SettingsForbidUnknownKeys(Check):
    """The settings model (and every model in it) refuses unknown keys."""

    name = "settings_forbid_unknown_keys"

    async def run(self, subject: Subject, case: str | None) -> None:
        model = type(subject.make_settings())
        owners = {model} | {owner for _, _, owner in _fields(model)}
        lax = sorted(m.__name__ for m in owners if m.model_config.get("extra") != "forbid")
        assert not lax, f"settings models without extra='forbid': {', '.join(lax)}"


class SettingsFieldsDescribed(Check):
    """Every settings field has a description (``doorstep config schema`` prints it)."""

    name = "settings_fields_described"

    async def run(self, subject: Subject, case: str | None) -> None:
        model = type(subject.make_settings())
        bare = [name for name, info, _ in _fields(model) if not info.description]
        assert not bare, f"settings fields without a description: {', '.join(bare)}"


class SettingsSecretsAreSecretStr(Check):
    """Fields named like secrets (token, password, secret, api_key, key) are ``SecretStr``."""

    name = "settings_secrets_are_secretstr"

    async def run(self, subject: Subject, case: str | None) -> None:
        model = type(subject.make_settings())
        plain = [
            name
            for name, info, _ in _fields(model)
            if _is_secret_name(name) and not _is_secret_type(info.annotation)
        ]
        assert not plain, f"secret-looking settings that are not SecretStr: {', '.join(plain)}"


def _leaves(value: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    """Env-var text for every leaf of a settings value (None and empty lists skipped)."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _leaves(getattr(value, name), (*path, name))
    elif isinstance(value, SecretStr):
        yield path, value.get_secret_value()
    elif isinstance(value, bool):
        yield path, str(value).lower()
    elif value is None or value == [] or isinstance(value, dict | list | tuple | set):
        return
    else:
        yield path, str(value)


@contextmanager
def _only_env(values: dict[str, str]) -> Iterator[None]:
    saved = {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIX)}
    for name in saved:
        del os.environ[name]
    os.environ.update(values)
    try:
        yield
    finally:
        for name in values:
            os.environ.pop(name, None)
        os.environ.update(saved)


def _value_at(model: Any, path: tuple[str, ...]) -> str:
    for part in path:
        model = getattr(model, part)
    return next(iter(_leaves(model, ())))[1]


class SettingsEnvReachesEveryField(Check):
    """``DOORSTEP_SCHOOLS__<S>__ADAPTERS__<ID>__<FIELD>`` sets each field, through
    ``hub.settings.adapter_settings``."""

    name = "settings_env_reaches_every_field"

    async def run(self, subject: Subject, case: str | None) -> None:
        sample = subject.make_settings()
        base = ("schools", "kit", "adapters", subject.id)
        leaves = dict(_leaves(sample, ()))
        env = {env_var_for([*base, *path]): text for path, text in leaves.items()}
        env |= {env_var_for(["schools", "kit", "name"]): "Kit School"}
        env |= {env_var_for(["schools", "kit", "policy_pack"]): samples.PACK_ID}
        with _only_env(env):
            loaded = adapter_settings(load_settings(None), "kit", subject.id, type(sample))
        wrong = [".".join(p) for p, text in leaves.items() if _value_at(loaded, p) != text]
        assert not wrong, f"env vars did not reach: {', '.join(wrong)}"


class SettingsReprHidesSecrets(Check):
    """``repr()``, ``str()`` and the JSON dump of the settings show no secret value."""

    name = "settings_repr_hides_secrets"

    async def run(self, subject: Subject, case: str | None) -> None:
        settings = subject.make_settings()
        shown = f"{settings!r} {settings!s} {settings.model_dump_json()}"
        for position, secret in enumerate(secret_values(settings)):
            assert secret not in shown, f"secret #{position} is shown by the settings"


# --- 3. pull ----------------------------------------------------------------------------


class PullReturnsModels(Check):
    """Each pull hook returns valid hub models for a seeded pupil."""

    name = "pull_returns_models"
    empty = "the adapter implements no pull hook"

    def cases(self, subject: Subject) -> list[str] | None:
        return _implemented(subject, (*PULLS, "hub_pull_pupils"))

    async def run(self, subject: Subject, case: str | None) -> None:
        hook = str(case)
        async with open_harness(subject) as h:
            result = await h.run(hook)
            items = result if isinstance(result, list) else [result]
            if hook in ("hub_pull_pupil", "hub_pull_pupils"):
                assert items, f"{hook} returned nothing for a seeded pupil"
                assert None not in items, f"{hook} returned nothing for a seeded pupil"
            for item in (i for i in items if i is not None):
                kind = RESULT_TYPES[hook]
                assert isinstance(item, kind), f"{hook} returned {type(item).__name__}"
                kind.model_validate(item.model_dump())  # type: ignore[attr-defined]
            if hook == "hub_pull_pupil":
                assert items[0].id == await h.pupil_id()
                assert items[0].school_id == h.school.id


def _ids(result: Any) -> list[str]:
    return sorted(str(item.id) for item in result or [])


class PullFollowsEveryPage(Check):
    """With the fake's page size set to 1, list pulls return the same records."""

    name = "pull_follows_every_page"
    empty = "the adapter implements no list pull"

    def cases(self, subject: Subject) -> list[str] | None:
        return _implemented(subject, PULL_LISTS)

    async def run(self, subject: Subject, case: str | None) -> None:
        async with open_harness(subject) as h:
            arguments = await h.arguments(str(case))
            whole = _ids(await h.call(str(case), **arguments))
            h.state.page_size = 1
            before = h.requests
            paged = _ids(await h.call(str(case), **arguments))
            assert paged == whole, f"{case}: {len(paged)} records one per page, {len(whole)}"
            assert h.requests - before >= len(whole), f"{case}: fewer requests than pages"


class PullUnknownId(Check):
    """An unknown pupil gives None, an empty list or ``NotFoundError``."""

    name = "pull_unknown_id"
    empty = "the adapter implements no pull by id"

    def cases(self, subject: Subject) -> list[str] | None:
        return _implemented(subject, PULL_BY_ID)

    async def run(self, subject: Subject, case: str | None) -> None:
        async with open_harness(subject) as h:
            arguments = await h.arguments(str(case), pupil_id=UNKNOWN_PUPIL)
            try:
                result = await h.call(str(case), **arguments)
            except NotFoundError as exc:
                assert_error_is_safe(exc, subject.needles())
                return
            assert result in (None, []), f"{case} answered an unknown pupil"


# --- 4. push ----------------------------------------------------------------------------


def _check_receipt(subject: Subject, hook: str, receipt: Any, key: str) -> None:
    kind = DeliveryReceipt if hook == "hub_send_notification" else PushReceipt
    assert isinstance(receipt, kind), f"{hook} returned {type(receipt).__name__}"
    assert receipt.idempotency_key == key, f"{hook}: the receipt has another key"
    assert receipt.system == subject.id, f"{hook}: receipt.system is not '{subject.id}'"


class _PushCheck(Check):
    empty = "the adapter implements no push or send hook"

    def cases(self, subject: Subject) -> list[str] | None:
        return _implemented(subject, PUSHES)


class PushReturnsReceipt(_PushCheck):
    """A push returns a receipt carrying its idempotency key, and makes one record."""

    name = "push_returns_receipt"

    async def run(self, subject: Subject, case: str | None) -> None:
        async with open_harness(subject) as h:
            arguments = await h.arguments(str(case))
            before = len(h.state.records)
            receipt = await h.call(str(case), **arguments)
            _check_receipt(subject, str(case), receipt, arguments["idempotency_key"])
            assert len(h.state.records) == before + 1, f"{case} made no record at the fake"


class PushIsIdempotent(_PushCheck):
    """The same idempotency key twice makes one record and the same receipt."""

    name = "push_is_idempotent"

    async def run(self, subject: Subject, case: str | None) -> None:
        async with open_harness(subject) as h:
            arguments = await h.arguments(str(case))
            before = len(h.state.records)
            first = await h.call(str(case), **arguments)
            second = await h.call(str(case), **arguments)
            assert len(h.state.records) == before + 1, f"{case} twice made two records"
            assert second.external_id == first.external_id, f"{case}: another receipt"


class PushRetryDoesNotDuplicate(_PushCheck):
    """A 503 and then success (retried in-process, or by the engine with the same key)
    makes exactly one record."""

    name = "push_retry_does_not_duplicate"

    async def run(self, subject: Subject, case: str | None) -> None:
        async with open_harness(subject) as h:
            arguments = await h.arguments(str(case))
            before = len(h.state.records)
            h.state.fail_next(status=503, times=1)
            try:
                receipt = await h.call(str(case), **arguments)
            except TransientError as exc:
                assert_error_is_safe(exc, subject.needles())
                receipt = await h.call(str(case), **arguments)
            _check_receipt(subject, str(case), receipt, arguments["idempotency_key"])
            assert len(h.state.records) == before + 1, f"{case}: one push, two records"


# --- 5. resilience ----------------------------------------------------------------------


def _cap(settings: BaseModel | None) -> float:
    return float(getattr(settings, "retry_after_cap_s", 30.0))


class RetryAfterIsHonoured(Check):
    """A 429 with ``Retry-After: 2`` waits 2 s on the injected sleep, then succeeds."""

    name = "retry_after_is_honoured"

    async def run(self, subject: Subject, case: str | None) -> None:
        async with open_harness(subject) as h:
            await h.probe()
            h.state.fail_next(status=429, times=1, retry_after=2)
            await h.probe()
            assert any(abs(s - 2) < 0.01 for s in h.sleep.calls), f"slept {h.sleep.calls}"


class RetryAfterAboveCapRaises(Check):
    """A ``Retry-After`` above the cap raises ``TransientError(retry_after)`` at once."""

    name = "retry_after_above_cap_raises"

    async def run(self, subject: Subject, case: str | None) -> None:
        async with open_harness(subject) as h:
            await h.probe()
            hint = int(_cap(h.http)) + 1
            h.state.fail_next(status=429, times=1, retry_after=hint)
            before = h.requests
            error = await _expect(TransientError, subject, h.probe())
            assert getattr(error, "retry_after", None) == hint, "retry_after not carried"
            assert h.requests - before == 1, "a Retry-After above the cap was waited for"
            assert all(s < hint for s in h.sleep.calls), f"slept {h.sleep.calls}"


class ServerErrorsAreBounded(Check):
    """Repeated 503s stop after ``max_attempts`` with ``TransientError``."""

    name = "server_errors_are_bounded"

    async def run(self, subject: Subject, case: str | None) -> None:
        async with open_harness(subject) as h:
            await h.probe()
            attempts = int(getattr(h.http, "max_attempts", 4))
            h.state.fail_next(status=503, times=attempts * 3)
            before = h.requests
            await _expect(TransientError, subject, h.probe())
            made = h.requests - before
            if h.probe_hook in PUSHES:
                assert 1 <= made <= attempts, f"{made} attempts, more than {attempts}"
            else:
                assert made == attempts, f"{made} attempts of a read; expected {attempts}"


class AuthFailureIsNotRetried(Check):
    """A 401 raises ``AuthError`` without a retry loop."""

    name = "auth_failure_is_not_retried"

    async def run(self, subject: Subject, case: str | None) -> None:
        async with open_harness(subject) as h:
            await h.probe()
            h.state.fail_next(status=401, times=10)
            before = h.requests
            await _expect(AuthError, subject, h.probe())
            expected = subject.suite.auth_failure_requests
            assert h.requests - before == expected, f"{h.requests - before} requests on a 401"


class RejectionIsNotRetried(Check):
    """A 422 raises ``RejectedError`` after one request."""

    name = "rejection_is_not_retried"

    async def run(self, subject: Subject, case: str | None) -> None:
        async with open_harness(subject) as h:
            await h.probe()
            h.state.fail_next(status=422, times=10)
            before = h.requests
            await _expect(RejectedError, subject, h.probe())
            assert h.requests - before == 1, f"{h.requests - before} requests on a 422"


class TimeoutIsTransient(Check):
    """A server slower than the deadline gives ``TransientError``."""

    name = "timeout_is_transient"

    async def run(self, subject: Subject, case: str | None) -> None:
        fast = {"deadline_s": 0.2, "timeout_s": 0.2, "max_attempts": 2}
        async with open_harness(subject, http=fast) as h:
            await h.pupil_id()
            h.state.latency_s = 1.0
            await _expect(TransientError, subject, h.probe())


# --- 6. privacy -------------------------------------------------------------------------


class NoPersonalDataInLogsOrErrors(Check):
    """Every pull and push, and failures (404, 503, 401), log and raise nothing personal."""

    name = "no_personal_data_in_logs_or_errors"

    async def run(self, subject: Subject, case: str | None) -> None:
        needles = subject.needles()
        with capture_redacted_logs() as events:
            async with open_harness(subject) as h:
                for hook in sorted(subject.hooks & {*PULLS, "hub_pull_pupils", *PUSHES}):
                    await h.run(hook)
                for status in (404, 503, 401):
                    h.state.fail_next(status=status, times=20)
                    try:
                        await h.probe()
                    except AdapterError as exc:
                        assert_error_is_safe(exc, needles)
                    h.state.fail_next(status=status, times=0)
        assert_no_personal_values(events, needles)


class TlsVerificationOn(Check):
    """The adapter's ``HttpSettings`` verify TLS, by default and in the sample settings."""

    name = "tls_verification_on"

    async def run(self, subject: Subject, case: str | None) -> None:
        http = http_settings(subject.make_settings())
        assert http is not None, "the settings hold no HttpSettings"
        assert getattr(http, "verify_tls", None) is True, "verify_tls is off"
        assert type(http).model_fields["verify_tls"].default is True, "verify_tls defaults off"


class LinkLocalBaseUrlRefused(Check):
    """A link-local ``base_url`` (169.254.169.254) is refused by the real transport,
    not tried: no ``TransientError``."""

    name = "link_local_base_url_refused"

    async def run(self, subject: Subject, case: str | None) -> None:
        try:
            settings = subject.make_settings(LINK_LOCAL_URL)
            settings = with_http(settings, max_attempts=1, deadline_s=3, connect_timeout_s=2)
        except ValueError:
            return  # refused when the settings are validated
        adapter = subject.adapter_cls(settings, transport=None, sleep=RecordingSleep())
        await adapter.start()
        try:
            hook = probe_hook(subject.hooks)
            arguments = sample_arguments(hook, pupil_id="kit-pupil", channel=subject.id)
            error = await _expect(AdapterError, subject, call_hook(adapter, hook, **arguments))
            assert not isinstance(error, TransientError), (
                "a link-local address failed as transient: was a connection attempted?"
            )
        finally:
            await adapter.stop()


# --- 7. lifecycle and health ------------------------------------------------------------


class StopClosesClient(Check):
    """``stop()`` closes the HTTP client (and its transport); a second ``stop()`` is fine."""

    name = "stop_closes_client"

    async def run(self, subject: Subject, case: str | None) -> None:
        async with open_harness(subject) as h:
            await h.probe()
            await h.adapter.stop()
            assert h.transport.closed, "stop() left the HTTP client open"


class _HealthCheck(Check):
    empty = "the adapter implements no hub_health"

    def cases(self, subject: Subject) -> list[str] | None:
        return None if "hub_health" in subject.hooks else []


async def _health(h: Any) -> HealthReport:
    report = await h.call("hub_health", now=samples.NOW)
    assert isinstance(report, HealthReport), f"hub_health returned {type(report).__name__}"
    assert report.component == h.subject.id, f"health component is not '{h.subject.id}'"
    return report


class HealthOk(_HealthCheck):
    """``hub_health`` reports OK against the fake."""

    name = "health_ok"

    async def run(self, subject: Subject, case: str | None) -> None:
        async with open_harness(subject) as h:
            report = await _health(h)
            assert report.ok, f"health failed against the fake: {report.detail}"
            assert report.checked_at == samples.NOW


class HealthReportsFailure(_HealthCheck):
    """When the fake answers 503, ``hub_health`` reports a failure with a reason (no raise)."""

    name = "health_reports_failure"

    async def run(self, subject: Subject, case: str | None) -> None:
        async with open_harness(subject) as h:
            h.state.fail_next(status=503, times=1000)
            report = await _health(h)
            assert not report.ok, "health OK while the fake answers 503"
            assert report.detail, "a failed health report needs a detail for the admin"
            assert_error_is_safe(Exception(report.detail), subject.needles())


class UnavailableLoggedOnce(_HealthCheck):
    """Going down logs "unavailable" once; coming back logs "recovered" once."""

    name = "unavailable_and_recovered_logged_once"

    async def run(self, subject: Subject, case: str | None) -> None:
        with capture_redacted_logs() as events:
            async with open_harness(subject) as h:
                await _health(h)
                h.state.fail_next(status=503, times=1000)
                await _health(h)
                await _health(h)
                h.state.fail_next(status=503, times=0)
                await _health(h)
                await _health(h)
        assert count_events(events, "unavailable") == 1, "log 'unavailable' once per outage"
        assert count_events(events, "recovered") == 1, "log 'recovered' once per recovery"


ALL_CHECKS: tuple[Check, ...] = (
    Registers(),
    ManifestIsValid(),
    RolesMatchHooks(),
    RegistersSettingsAndFake(),
    SettingsForbidUnknownKeys(),
    SettingsFieldsDescribed(),
    SettingsSecretsAreSecretStr(),
    SettingsEnvReachesEveryField(),
    SettingsReprHidesSecrets(),
    PullReturnsModels(),
    PullFollowsEveryPage(),
    PullUnknownId(),
    *SESSION_MARK_CHECKS,
    PushReturnsReceipt(),
    PushIsIdempotent(),
    PushRetryDoesNotDuplicate(),
    RetryAfterIsHonoured(),
    RetryAfterAboveCapRaises(),
    ServerErrorsAreBounded(),
    AuthFailureIsNotRetried(),
    RejectionIsNotRetried(),
    TimeoutIsTransient(),
    NoPersonalDataInLogsOrErrors(),
    TlsVerificationOn(),
    LinkLocalBaseUrlRefused(),
    StopClosesClient(),
    HealthOk(),
    HealthReportsFailure(),
    UnavailableLoggedOnce(),
)
"""Every check, in the order the suite runs them."""
