"""Finding plugins and adapters, registering them, and refusing bad ones at start-up.

Two entry-point groups make the kind explicit: ``doorstep.plugins`` points at modules
of hook functions, ``doorstep.adapters`` at adapter classes the hub instantiates per
school with that school's settings. Every error here is a ``PluginError`` that names
the plugin and, where there is one, the hook.
"""

from __future__ import annotations

import inspect
from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from types import ModuleType, SimpleNamespace
from typing import Literal

import pluggy
import structlog

from hub.errors import PluginError
from hub.hooks import NAME, specs
from hub.hooks.context import PluginContext

Kind = Literal["plugin", "adapter"]

GROUPS: dict[Kind, str] = {"plugin": "doorstep.plugins", "adapter": "doorstep.adapters"}

SYNC_HOOKS = frozenset(
    {
        "hub_register_settings",
        "hub_register_commands",
        "hub_register_mock_backends",
        "hub_assess_visit",
        "hub_check_transition",
        "hub_resolve_authoriser",
        "hub_resolve_channel_order",
    }
)
"""Hooks whose implementations must be synchronous; only these may have wrappers."""

_MARK = f"{NAME}_impl"

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Discovered:
    """One installed plugin module or adapter class, found through its entry point."""

    name: str
    kind: Kind
    target: object
    version: str


def discover(*, blocked: Container[str] = frozenset()) -> list[Discovered]:
    """Load every installed plugin and adapter, skipping blocked names before import."""
    found: list[Discovered] = []
    for kind, group in GROUPS.items():
        for point in sorted(entry_points(group=group), key=lambda p: p.name):
            if point.name in blocked:
                continue
            try:
                target = point.load()
            except Exception as exc:
                raise PluginError(
                    f"{kind} '{point.name}' cannot be imported ({type(exc).__name__})"
                ) from exc
            version = point.dist.version if point.dist is not None else "unknown"
            found.append(Discovered(point.name, kind, target, version))
    return found


def new_manager(disabled: Iterable[str] = ()) -> pluggy.PluginManager:
    """A fresh manager holding every hookspec, with ``disabled`` names blocked."""
    manager = pluggy.PluginManager(NAME)
    manager.add_hookspecs(specs)
    for name in sorted(disabled):
        manager.set_blocked(name)
    return manager


def per_school(plugin: object, context: PluginContext) -> object:
    """The object to register for ``plugin``: its ``per_school`` instance, or itself."""
    factory = getattr(plugin, "per_school", None) if isinstance(plugin, ModuleType) else None
    return factory(context) if callable(factory) else plugin


def registration_view(adapter_class: type) -> object:
    """Only an adapter class's ``hub_register_*`` static methods, for the global scope."""
    return SimpleNamespace(
        **{
            attr: getattr(adapter_class, attr)
            for attr in dir(adapter_class)
            if attr.startswith("hub_register_")
        }
    )


def implemented_hooks(plugin: object) -> list[str]:
    """Names of the hooks ``plugin`` (a module, class or instance) implements, sorted."""
    names: set[str] = set()
    for attr, function in _hub_attributes(plugin):
        opts = getattr(function, _MARK, None)
        if isinstance(opts, dict):
            names.add(opts.get("specname") or attr)
    if isinstance(plugin, ModuleType) and isinstance(getattr(plugin, "per_school", None), type):
        names |= set(implemented_hooks(plugin.per_school))
    return sorted(names)


def register(manager: pluggy.PluginManager, name: str, plugin: object, kind: Kind) -> None:
    """Register ``plugin`` under ``name``; a blocked name is skipped silently."""
    try:
        manager.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        detail = " ".join(str(exc).split())
        raise PluginError(f"{kind} '{name}' cannot be registered: {detail}") from None
    except ValueError:
        raise PluginError(f"two plugins or adapters are named '{name}'") from None


def validate(manager: pluggy.PluginManager, kinds: dict[str, Kind]) -> None:
    """Refuse, naming plugin and hook: unknown ``hub_*`` hooks, unmarked ``hub_*``
    functions, arguments with defaults, async sync-only hooks and async-hook wrappers."""
    for name, plugin in manager.list_name_plugin():
        if plugin is None:
            continue
        label = f"{kinds.get(name, 'plugin')} '{name}'"
        for attr, function in _hub_attributes(plugin):
            if getattr(function, _MARK, None) is None:
                raise PluginError(f"{label}: {attr} is not marked @hookimpl")
        for caller in manager.get_hookcallers(plugin) or []:
            if not caller.has_spec():
                raise PluginError(f"{label} implements unknown hook '{caller.name}'")
            for impl in caller.get_hookimpls():
                if impl.plugin is plugin:
                    _check_impl(label, caller.name, impl)
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:  # pragma: no cover - caught above
        raise PluginError(" ".join(str(exc).split())) from None


def _check_impl(label: str, hook: str, impl: pluggy.HookImpl) -> None:
    if impl.kwargnames:
        raise PluginError(
            f"{label}: {hook} gives argument(s) {', '.join(impl.kwargnames)} a default; "
            "hook arguments never take defaults"
        )
    is_wrapper = impl.wrapper or impl.hookwrapper
    if hook in SYNC_HOOKS:
        if inspect.iscoroutinefunction(impl.function):
            raise PluginError(f"{label}: {hook} must be synchronous")
    elif is_wrapper:
        raise PluginError(
            f"{label}: {hook} may be async, so it takes no wrappers; "
            "cross-cutting work belongs in the facade"
        )


def _hub_attributes(plugin: object) -> Iterator[tuple[str, object]]:
    for attr in dir(plugin):
        if not attr.startswith("hub_"):
            continue
        static = inspect.getattr_static(plugin, attr, None)
        if isinstance(static, property):
            continue
        function = getattr(plugin, attr, None)
        if callable(function):
            yield attr, function


async def call_each(adapters: Mapping[str, object], method: str) -> list[str]:
    """Await ``method`` (``start`` or ``stop``) of every adapter that has one, in turn.

    One adapter failing is logged with its name and the error type and does not stop
    the others. Returns the names of those that failed.
    """
    failed: list[str] = []
    for name, adapter in adapters.items():
        function = getattr(adapter, method, None)
        if not callable(function):
            continue
        try:
            result = function()
            if inspect.isawaitable(result):
                await result
        except Exception as exc:
            failed.append(name)
            log.error(f"adapter.{method}_failed", adapter=name, error=type(exc).__name__)
    return failed
