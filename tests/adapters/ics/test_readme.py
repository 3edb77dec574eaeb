"""The README's settings table lists every setting of the model."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.adapters.ics.settings import IcsSettings

README = (Path(__file__).parents[3] / "adapters" / "ics" / "README.md").read_text()


@pytest.mark.parametrize("name", list(IcsSettings.model_fields))
def test_every_setting_has_a_row(name: str) -> None:
    assert f"| `{name}` |" in README
