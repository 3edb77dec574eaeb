"""The adapter manifest and the unavailable/recovered log rule."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hub.adapter import ROLE_HOOKS, AdapterManifest, Availability
from hub.errors import TransientError
from hub.hooks import specs
from hub.logging import capture_redacted_logs


def test_a_manifest_validates_and_is_frozen() -> None:
    manifest = AdapterManifest(id="wonde", name="Wonde", roles=frozenset({"mis"}))
    assert manifest.capabilities == frozenset()
    assert manifest.codeowners == ()
    with pytest.raises(ValidationError):
        manifest.name = "Other"  # type: ignore[misc]


@pytest.mark.parametrize(
    "bad",
    [
        {"id": "Not A Slug", "name": "x", "roles": ["mis"]},
        {"id": "x", "name": "x", "roles": ["printer"]},
        {"id": "x", "name": "", "roles": ["mis"]},
        {"id": "x", "name": "x", "roles": ["mis"], "colour": "red"},
    ],
)
def test_a_bad_manifest_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        AdapterManifest.model_validate(bad)


def test_every_role_names_real_hooks() -> None:
    assert set(ROLE_HOOKS) == {"mis", "safeguarding", "calendar", "notification"}
    for hooks in ROLE_HOOKS.values():
        assert all(callable(getattr(specs, hook, None)) for hook in hooks)


def test_unavailable_and_recovered_are_logged_once_each() -> None:
    availability = Availability("wonde")
    with capture_redacted_logs() as events:
        availability.succeeded()
        availability.failed(TransientError("wonde: GET /students answered 503"))
        availability.failed(TransientError("wonde: GET /students answered 503"))
        availability.succeeded()
        availability.succeeded()
    assert [e["event"] for e in events] == ["adapter.unavailable", "adapter.recovered"]
    assert events[0] == {
        "event": "adapter.unavailable",
        "adapter": "wonde",
        "error": "TransientError",
        "log_level": "info",
    }
    assert availability.available
