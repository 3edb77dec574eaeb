"""OneRoster settings: their checks, and the README's table kept in step with them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from hub.adapters.oneroster.fake import FakeState
from hub.adapters.oneroster.settings import OneRosterSettings

from .conftest import settings_for

README = Path(__file__).parents[3] / "adapters" / "oneroster" / "README.md"


def test_every_setting_is_in_the_readme_table() -> None:
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", README.read_text(), flags=re.M))
    assert documented == set(OneRosterSettings.model_fields)


def test_concurrency_beyond_the_connection_pool_is_refused() -> None:
    state = FakeState(pupils=1)
    with pytest.raises(ValidationError, match="max_connections"):
        settings_for(state, concurrency=12, max_connections=10)
    assert settings_for(state, concurrency=12, max_connections=12).concurrency == 12


def test_the_secret_stays_out_of_repr_and_errors() -> None:
    state = FakeState(pupils=1)
    settings = settings_for(state)
    assert state.client_secret not in repr(settings)
    with pytest.raises(ValidationError) as caught:
        settings_for(state, client_auth=state.client_secret)
    assert state.client_secret not in str(caught.value)
