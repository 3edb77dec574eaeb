"""The CPOMS settings as an IT admin writes them: the README's TOML, env vars, bad values."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from hub.adapters.cpoms.settings import DEFAULT_RISK_CATEGORIES, CpomsSettings, RiskCategory
from hub.settings import adapter_settings, load_settings

CONFIG = """
[schools.st-michaels]
name = "St Michael's"
policy_pack = "st-michaels"

[schools.st-michaels.adapters.cpoms]
base_url = "https://stmichaels.cpoms.example/api/v1/"
api_key = { env = "CPOMS_KEY_TEST" }
alert_groups = ["Pastoral"]

[[schools.st-michaels.adapters.cpoms.risk_categories]]
category = "Aggressive parent"
flag = "violence_to_staff"
severity = "high"
scope = "household"
"""


def test_the_readme_toml_loads_with_the_key_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "doorstep.toml").write_text(CONFIG)
    monkeypatch.setenv("CPOMS_KEY_TEST", "k3y-from-env")
    hub = load_settings(tmp_path / "doorstep.toml")
    settings = adapter_settings(hub, "st-michaels", "cpoms", CpomsSettings)
    assert settings.api_key.get_secret_value() == "k3y-from-env"
    assert settings.alert_groups == ["Pastoral"]
    assert settings.risk_categories == [
        RiskCategory(
            category="Aggressive parent",
            flag="violence_to_staff",
            severity="high",
            scope="household",
        )
    ]
    assert settings.note_category == "Home visit"
    assert "k3y-from-env" not in repr(settings)


def test_defaults_map_the_usual_categories() -> None:
    settings = CpomsSettings.model_validate({"base_url": "https://x.example/", "api_key": "k"})
    assert settings.risk_categories == list(DEFAULT_RISK_CATEGORIES)
    assert {r.flag for r in settings.risk_categories} >= {"violence_to_staff", "dangerous_animal"}


@pytest.mark.parametrize(
    "bad",
    [
        {"unmatched_pupils": "drop"},
        {"risk_categories": [{"category": "X", "flag": "Not A Slug", "severity": "high"}]},
        {"risk_categories": [{"category": "X", "flag": "x", "severity": "dire"}]},
        {"surprise": True},
    ],
)
def test_bad_values_are_refused_without_echoing_them(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError) as caught:
        CpomsSettings.model_validate({"base_url": "https://x.example/", "api_key": "k", **bad})
    assert "Not A Slug" not in str(caught.value)
    assert "dire" not in str(caught.value)
