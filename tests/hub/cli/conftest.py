"""The CLI tests run as a fresh shell would: no DOORSTEP_* settings from outside."""

import os

import pytest


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("DOORSTEP_") or name == "PYDANTIC_SETTINGS_DEBUG":
            monkeypatch.delenv(name)
