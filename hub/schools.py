"""From settings to a running school: its policy pack and its plugin manager.

This is where configuration meets the plugin machinery: which plugins load (the
``load_plugins`` allowlist and ``disable_plugins``), which adapters a school enabled
and with which settings, and which policy pack it follows.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

from pydantic import BaseModel

from hub.errors import ConfigError
from hub.hooks.context import EventRecorder
from hub.hooks.loading import GROUPS
from hub.hooks.manager import Hooks, build_hooks
from hub.hooks.registry import build_registry
from hub.models import School
from hub.policy import PolicyError, PolicyPack, bundled_packs_dir, load_pack
from hub.settings import HubSettings, adapter_settings, enabled_adapters


def installed_names() -> frozenset[str]:
    """Names of every installed plugin and adapter, read without importing them."""
    return frozenset(point.name for group in GROUPS.values() for point in entry_points(group=group))


def blocked_names(settings: HubSettings) -> frozenset[str]:
    """Plugins and adapters that must not load: disabled ones, and any not allowlisted."""
    blocked = set(settings.disable_plugins)
    if settings.load_plugins is not None:
        blocked |= installed_names() - settings.load_plugins
    return frozenset(blocked)


def resolve_pack(reference: str, *, relative_to: Path | None = None) -> PolicyPack:
    """A pack by bundled id (``harrogate``) or by file path (``packs/my-school.toml``).

    A relative path is read from the config file's folder when there is one.
    """
    if "/" in reference or reference.endswith(".toml"):
        path = Path(reference)
        if not path.is_absolute() and relative_to is not None:
            path = relative_to / path
    else:
        path = bundled_packs_dir() / f"{reference}.toml"
        if not path.exists():
            raise ConfigError(f"policy pack '{reference}' is not bundled; give a file path")
    try:
        return load_pack(path)
    except PolicyError as exc:
        raise ConfigError(str(exc)) from None


def school_and_pack(settings: HubSettings, school_id: str) -> tuple[School, PolicyPack]:
    """The configured school ``[schools.<school_id>]`` and the pack it follows."""
    configured = settings.schools.get(school_id)
    if configured is None:
        known = ", ".join(sorted(settings.schools)) or "none"
        raise ConfigError(f"school '{school_id}' is not configured (configured: {known})")
    base = settings.config_file.parent if settings.config_file else None
    pack = resolve_pack(configured.policy_pack, relative_to=base)
    school = School(
        id=school_id,
        name=configured.name,
        policy_pack=pack.id,
        timezone=configured.timezone,
    )
    return school, pack


def hooks_for_school(
    settings: HubSettings, school_id: str, *, recorder: EventRecorder | None
) -> Hooks:
    """The school's plugin manager: built-in plugins plus the adapters it enabled."""
    school, pack = school_and_pack(settings, school_id)
    blocked = blocked_names(settings)
    models = build_registry(disabled=blocked).settings_models()
    configured: dict[str, BaseModel] = {}
    for adapter_id in enabled_adapters(settings, school_id):
        if adapter_id in blocked:
            continue
        model = models.get(adapter_id)
        if model is None:
            raise ConfigError(
                f"schools.{school_id}.adapters.{adapter_id}: no installed adapter has this id"
            )
        configured[adapter_id] = adapter_settings(settings, school_id, adapter_id, model)
    return build_hooks(
        school,
        pack=pack,
        adapter_settings=configured,
        disabled=blocked,
        recorder=recorder,
        trace=settings.trace_hooks,
    )
