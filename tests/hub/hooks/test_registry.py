"""The start-up registry: settings models, commands and mock backends."""

from __future__ import annotations

import pytest
import typer
from pydantic import BaseModel

from hub import hookimpl
from hub.errors import PluginError
from hub.hooks.registry import build_registry


class WondeSettings(BaseModel):
    base_url: str = "https://api.wonde.example.invalid"


class FakeWondeState:
    pupils: tuple[str, ...] = ()


def create_fake_wonde(state: FakeWondeState) -> object:
    return {"app": "wonde", "state": state}


class WondeAdapter:
    """An adapter class: registration hooks are static, pulls need an instance."""

    def __init__(self, settings: WondeSettings) -> None:
        self.settings = settings

    @staticmethod
    @hookimpl
    def hub_register_settings(register):
        register("wonde", WondeSettings)

    @staticmethod
    @hookimpl
    def hub_register_mock_backends(register):
        register("wonde", create_fake_wonde, FakeWondeState)

    @hookimpl
    async def hub_pull_pupil(self, pupil_id):
        return None


class ToolsPlugin:
    app = typer.Typer()

    @hookimpl
    def hub_register_commands(self, register):
        register("tools", self.app)


def test_hook_register_settings_collects_adapter_settings_models_from_the_class():
    registry = build_registry(entry_points=False, extra=[("wonde", WondeAdapter)])
    assert registry.settings_models() == {"wonde": WondeSettings}


def test_hook_register_settings_twice_for_one_id_is_refused():
    class Again:
        @hookimpl
        def hub_register_settings(self, register):
            register("wonde", WondeSettings)

    registry = build_registry(entry_points=False, extra=[("wonde", WondeAdapter), ("b", Again())])
    with pytest.raises(PluginError, match="'wonde' is registered twice"):
        registry.settings_models()


def test_hook_register_settings_refuses_what_is_not_a_model():
    class NotAModel:
        @hookimpl
        def hub_register_settings(self, register):
            register("x", dict)

    registry = build_registry(entry_points=False, extra=[("x", NotAModel())])
    with pytest.raises(PluginError, match="settings for 'x' must be a pydantic model class"):
        registry.settings_models()


def test_hook_register_commands_mounts_typer_apps_by_name():
    registry = build_registry(entry_points=False, extra=[("tools", ToolsPlugin())])
    assert registry.commands() == {"tools": ToolsPlugin.app}


def test_hook_register_mock_backends_offers_the_fake_with_its_state_factory():
    registry = build_registry(entry_points=False, extra=[("wonde", WondeAdapter)])
    backend = registry.mock_backends()["wonde"]
    state = backend.state_factory()
    assert isinstance(state, FakeWondeState)
    assert backend.create_app(state) == {"app": "wonde", "state": state}


def test_a_disabled_adapter_registers_nothing():
    extra = [("wonde", WondeAdapter)]
    assert (
        build_registry(entry_points=False, extra=extra, disabled={"wonde"}).settings_models() == {}
    )


def test_the_installed_builtins_load_into_the_registry():
    from importlib.metadata import entry_points

    registry = build_registry()
    installed = {point.name for point in entry_points(group="doorstep.adapters")}
    # Every installed adapter brings its settings model and its fake outside system.
    assert set(registry.settings_models()) == installed
    assert set(registry.mock_backends()) == installed
