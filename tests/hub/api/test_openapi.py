"""The committed ``docs/openapi.json`` is the app's spec, and the spec keeps its promises."""

from __future__ import annotations

import json
from pathlib import Path

from hub.api.app import spec_app
from hub.api.openapi import REGENERATE, dumps

COMMITTED = Path(__file__).parents[3] / "docs" / "openapi.json"


def test_the_committed_spec_matches_the_app() -> None:
    assert COMMITTED.read_text() == dumps(spec_app().openapi()), (
        f"docs/openapi.json is out of date; regenerate it: {REGENERATE}"
    )


def test_every_error_is_a_problem_and_every_operation_is_protected() -> None:
    spec = json.loads(COMMITTED.read_text())
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            for code, response in operation["responses"].items():
                if code.startswith(("4", "5")) and (path, code) != ("/readyz", "503"):
                    assert list(response["content"]) == ["application/problem+json"], (path, code)
            if path not in ("/healthz", "/readyz"):
                assert operation["security"] == [{"HTTPBearer": []}], path
                assert "401" in operation["responses"], path


def test_no_personal_data_travels_in_urls() -> None:
    spec = json.loads(COMMITTED.read_text())
    for operations in spec["paths"].values():
        for operation in operations.values():
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            assert names <= {"status"}
