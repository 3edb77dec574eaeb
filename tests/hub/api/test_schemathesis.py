"""S-08: schemathesis against the app (ASGI, in process): no 5xx, responses as the spec
says, and no response carrying personal data the request sent.

Runs as the DSL (who may see the most) over a hub holding visits in several states.
The example count is small so the whole file runs in well under a minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from hub.api.app import spec_app
from hub.models import VisitState
from tests.hub.api.conftest import Hub, build_hub

PERSONAL_KEYS = frozenset(
    {
        "solo_reason",
        "discussion",
        "location",
        "seen",
        "concerns",
        "action",
        "reason",
        "message",
        "pin",
        "areas_of_concern",
        "actions_to_reduce_risk",
    }
)
"""Request fields that can hold personal data (free text about a family, PINs)."""

MIN_LENGTH = 6
"""Shorter strings turn up in any JSON by chance ("true", dates...)."""

EXAMPLES = 12
"""Examples per operation: enough to hit every error path, small enough for CI."""


@pytest.fixture(scope="module")
def fuzz_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    hub = build_hub(Path(tmp_path_factory.mktemp("fuzz")))
    for state in (VisitState.REQUESTED, VisitState.AWAITING_AUTHORISATION, VisitState.ON_SITE):
        hub.add_visit(f"v-{state.value}", state, staff_ids=("s-dsl", "s-2"))
    yield hub
    hub.store.close()


def personal_strings(value: object, key: str | None = None) -> list[str]:
    """Strings under personal keys anywhere in ``value``."""
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in personal_strings(v, str(k))]
    if isinstance(value, list):
        return [s for item in value for s in personal_strings(item, key)]
    if isinstance(value, str) and key in PERSONAL_KEYS and len(value.strip()) >= MIN_LENGTH:
        return [value]
    return []


def _operations() -> list[str]:
    app = spec_app()
    return [
        f"{method.upper()} {path}"
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    ]


@pytest.mark.parametrize("label", _operations())
def test_the_api_keeps_its_spec_and_never_echoes(fuzz_hub: Hub, label: str) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_hub.app)
    operations = [r.ok() for r in schema.get_all_operations()]  # type: ignore[union-attr]
    [operation] = [found for found in operations if found.label == label]
    headers = fuzz_hub.headers("dsl")

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case: Any) -> None:
        response = case.call_and_validate(
            headers=headers,
            excluded_checks=[schemathesis.checks.positive_data_acceptance],
        )
        assert response.status_code < 500
        sent = personal_strings(case.body)
        assert [value for value in sent if value in response.text] == []

    check()
