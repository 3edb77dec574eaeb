"""Each notification adapter's README lists every setting of its model in its table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from hub.adapters.govuk_notify.settings import NotifySettings
from hub.adapters.smtp.settings import SmtpSettings
from hub.adapters.teams.settings import TeamsSettings
from hub.adapters.webhook.settings import WebhookSettings

ADAPTERS = Path(__file__).resolve().parents[3] / "adapters"


@pytest.mark.parametrize(
    ("adapter", "model"),
    [
        ("smtp", SmtpSettings),
        ("govuk_notify", NotifySettings),
        ("teams", TeamsSettings),
        ("webhook", WebhookSettings),
    ],
)
def test_the_settings_table_names_every_setting(adapter: str, model: type[BaseModel]) -> None:
    text = (ADAPTERS / adapter / "README.md").read_text()
    table = set(re.findall(r"^\| `([a-z_]+)` \|", text, flags=re.M))
    assert table == set(model.model_fields)
    assert "## Setting it up (school IT admin)" in text
    assert "## Known limits" in text
