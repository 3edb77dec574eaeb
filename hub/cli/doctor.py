"""``doorstep doctor``: check the settings, every school's pack and every adapter's health.

One line per school and per adapter (and per plugin that reports health): ``ok``, or
what is wrong and the fix, naming the setting and its environment variable. Exits 1
when anything is wrong. Lines hold ids, key paths and file paths, never a value.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

import typer
from pydantic import BaseModel

from hub.errors import DoorstepError
from hub.hooks.registry import build_registry
from hub.hooks.types import HealthReport
from hub.models import VisitEvent
from hub.schools import blocked_names, hooks_for_school, school_and_pack
from hub.settings import HubSettings, enabled_adapters, env_var_for, load_settings, secret_fields

DEBUG_ENV = "PYDANTIC_SETTINGS_DEBUG"
_AUTH = re.compile(r"AuthError|\b40[13]\b|unauthori[sz]ed|forbidden|refused", re.IGNORECASE)
_UNREACHABLE = re.compile(
    r"TransientError|timed? ?out|timeout|unreachable|connect|5\d\d\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    subject: str
    ok: bool
    detail: str = ""
    fix: str = ""

    def render(self) -> str:
        """``subject: ok`` or ``subject: FAIL detail; fix: ...``."""
        if self.ok:
            return f"{self.subject}: ok" + (f" ({self.detail})" if self.detail else "")
        line = f"{self.subject}: FAIL {self.detail}".rstrip()
        return f"{line}; fix: {self.fix}" if self.fix else line


class _ThrowawayRecorder:
    """Somewhere to append visit events while the doctor builds a school's hooks."""

    def __init__(self) -> None:
        self.events: list[VisitEvent] = []

    def append_event(self, event: VisitEvent) -> int:
        self.events.append(event)
        return len(self.events)


def settings_env(school_id: str, adapter_id: str, *path: str) -> str:
    """The env var setting ``path`` of one school's adapter."""
    return env_var_for(("schools", school_id, "adapters", adapter_id, *path))


def _leaf_keys(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    keys: list[tuple[str, ...]] = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys += _leaf_keys(annotation, (*prefix, name))
        else:
            keys.append((*prefix, name))
    return keys


def fix_for(school_id: str, adapter_id: str, detail: str, model: type[BaseModel] | None) -> str:
    """The fix for a failed health report, naming settings and their env vars.

    Settings the detail names come first; refused credentials point at the secret
    settings; an unreachable system at ``base_url``.
    """
    if model is None:
        return f"see the {adapter_id} adapter's README"
    named = [
        key
        for key in _leaf_keys(model)
        if re.search(rf"(?<![\w.]){re.escape('.'.join(key))}(?![\w.])", detail)
    ]
    if named:
        return "set " + ", ".join(
            f"{'.'.join(key)} ({settings_env(school_id, adapter_id, *key)})" for key in named
        )
    secrets = list(secret_fields(model))
    if secrets and _AUTH.search(detail):
        names = " / ".join(key[-1] for key in secrets)
        envs = " and ".join(settings_env(school_id, adapter_id, *key) for key in secrets)
        return f"{names} refused: set {envs}"
    if "base_url" in model.model_fields and _UNREACHABLE.search(detail):
        env = settings_env(school_id, adapter_id, "base_url")
        return f"cannot reach it: check base_url ({env}) and the network"
    return f"see the {adapter_id} adapter's README"


async def check_school(
    settings: HubSettings,
    school_id: str,
    models: dict[str, type[BaseModel]],
    *,
    now: datetime,
) -> list[Check]:
    """The school's pack and hooks, then one line per health report."""
    try:
        school, pack = school_and_pack(settings, school_id)
        hooks = hooks_for_school(settings, school_id, recorder=_ThrowawayRecorder())
    except DoorstepError as exc:
        return [Check(f"school {school_id}", False, str(exc))]
    checks = [Check(f"school {school_id}", True, f"policy pack {pack.id}")]
    await hooks.start()
    try:
        reports = {report.component: report for report in await hooks.health(now=now)}
    finally:
        await hooks.aclose()
    running = hooks.plugins()
    adapters = enabled_adapters(settings, school_id)
    for name in [*adapters, *sorted(set(reports) - set(adapters))]:
        if name not in running:
            checks.append(Check(f"  {school.id}/{name}", True, "not loaded: disabled"))
            continue
        checks.append(_adapter_check(school.id, name, reports.get(name), models.get(name)))
    return checks


def _adapter_check(
    school_id: str, name: str, report: HealthReport | None, model: type[BaseModel] | None
) -> Check:
    subject = f"  {school_id}/{name}"
    if report is None:
        return Check(subject, True, "no health check")
    if report.ok:
        return Check(subject, True)
    detail = report.detail or "unhealthy"
    return Check(subject, False, detail, fix_for(school_id, name, detail, model))


async def diagnose(
    settings: HubSettings, school_ids: Sequence[str], *, now: datetime
) -> list[Check]:
    """Every check for ``school_ids``, in order."""
    checks: list[Check] = []
    try:
        models = build_registry(disabled=blocked_names(settings)).settings_models()
    except DoorstepError as exc:
        return [Check("plugins", False, str(exc))]
    for school_id in school_ids:
        checks += await check_school(settings, school_id, models, now=now)
    return checks


def doctor(
    school: Annotated[
        str | None, typer.Option(help="Check only this school (its id in the settings).")
    ] = None,
) -> None:
    """Check the settings, every school's policy pack and every adapter's health.

    Prints one line per school and per adapter: ok, or what is wrong and how to fix
    it. Exits 1 when anything is wrong.
    """
    lines: list[Check] = []
    if os.environ.get(DEBUG_ENV):
        typer.echo(
            f"warning: {DEBUG_ENV} is set: pydantic-settings then prints what it reads, "
            "secrets included; unset it outside development"
        )
    try:
        settings = load_settings()
    except DoorstepError as exc:
        typer.echo(Check("settings", False, str(exc)).render())
        raise typer.Exit(1) from None
    where = str(settings.config_file) if settings.config_file else "environment only"
    if school is not None and school not in settings.schools:
        known = ", ".join(sorted(settings.schools)) or "none"
        lines.append(
            Check(
                "settings",
                False,
                f"school '{school}' is not configured (configured: {known})",
                f"add a [schools.{school}] table or pick a configured school",
            )
        )
    elif not settings.schools:
        lines.append(
            Check(
                "settings",
                False,
                f"no school is configured ({where})",
                "add a [schools.<id>] table with name and policy_pack",
            )
        )
    else:
        lines.append(Check("settings", True, f"{where}, {len(settings.schools)} school(s)"))
        chosen = [school] if school is not None else sorted(settings.schools)
        lines += asyncio.run(diagnose(settings, chosen, now=datetime.now(UTC)))
    for line in lines:
        typer.echo(line.render())
    if not all(line.ok for line in lines):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``doctor`` to ``app``."""
    app.command()(doctor)
