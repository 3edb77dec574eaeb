"""The start-up scope: what plugins and adapters register before any school is served.

Settings models must be known before any adapter can be built with its settings, so
the ``hub_register_*`` hooks run on a manager of their own. It holds the plugin
modules and, for each adapter class, only its ``hub_register_*`` static methods.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import pluggy
from pydantic import BaseModel

from hub.errors import PluginError
from hub.hooks.calling import HookCall, plugin_names
from hub.hooks.loading import Kind, discover, new_manager, register, registration_view, validate
from hub.hooks.types import MockBackend

if TYPE_CHECKING:
    import typer

V = TypeVar("V")


def build_registry(
    *,
    entry_points: bool = True,
    extra: Iterable[tuple[str, object]] = (),
    disabled: Iterable[str] = frozenset(),
) -> Registry:
    """Register every installed plugin and adapter class for the ``register`` hooks.

    ``extra`` adds ``(name, plugin)`` pairs; a class among them is treated as an
    adapter class. ``disabled`` names are blocked before anything is imported.
    """
    blocked = frozenset(disabled)
    manager = new_manager(blocked)
    kinds: dict[str, Kind] = {}
    found = discover(blocked=blocked) if entry_points else []
    pairs = [(item.name, item.target) for item in found]
    pairs += [(name, plugin) for name, plugin in extra if name not in blocked]
    for name, plugin in pairs:
        kinds[name] = "adapter" if isinstance(plugin, type) else "plugin"
        view = registration_view(plugin) if isinstance(plugin, type) else plugin
        register(manager, name, view, kinds[name])
    validate(manager, kinds)
    return Registry(manager)


class Registry:
    """The ``register`` hooks as typed methods, each returning what was registered."""

    def __init__(self, manager: pluggy.PluginManager) -> None:
        self._pm = manager

    def settings_models(self) -> dict[str, type[BaseModel]]:
        """Each plugin or adapter id with its settings model."""

        def check(plugin_id: str, model: type[BaseModel]) -> type[BaseModel]:
            if not (isinstance(model, type) and issubclass(model, BaseModel)):
                raise PluginError(f"settings for '{plugin_id}' must be a pydantic model class")
            return model

        return self._collect("hub_register_settings", check)

    def commands(self) -> dict[str, typer.Typer]:
        """Each command group name with its Typer app."""

        def check(name: str, app: typer.Typer) -> typer.Typer:
            return app

        return self._collect("hub_register_commands", check)

    def mock_backends(self) -> dict[str, MockBackend]:
        """Each adapter id with its fake outside system."""

        def check(
            adapter_id: str,
            create_app: Callable[[Any], object],
            state_factory: Callable[[], object],
        ) -> MockBackend:
            return MockBackend(adapter_id, create_app, state_factory)

        return self._collect("hub_register_mock_backends", check)

    def _collect(self, hook: str, make: Callable[..., V]) -> dict[str, V]:
        collected: dict[str, V] = {}

        def callback(key: str, *values: Any) -> None:
            if key in collected:
                raise PluginError(f"'{key}' is registered twice through {hook}")
            collected[key] = make(key, *values)

        caller: pluggy.HookCaller = getattr(self._pm.hook, hook)
        with HookCall(hook, "-", plugin_names(caller)):
            caller(register=callback)
        return collected
