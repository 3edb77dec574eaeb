"""The README's settings and column tables match the settings model and the presets."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.adapters.csv.models import EXPORTS, PRESETS, Export
from hub.adapters.csv.settings import CsvSettings

README = (Path(__file__).parents[3] / "adapters" / "csv" / "README.md").read_text()


@pytest.mark.parametrize("name", list(CsvSettings.model_fields))
def test_every_setting_has_a_row(name: str) -> None:
    assert f"| `{name}" in README


@pytest.mark.parametrize("export", EXPORTS)
def test_every_preset_header_is_documented(export: Export) -> None:
    sims, arbor = PRESETS["sims"][export], PRESETS["arbor"][export]
    for column in sims:
        assert f"| `{column}` | {sims[column]} | {arbor[column]} |" in README, column
