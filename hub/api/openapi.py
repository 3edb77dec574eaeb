"""The OpenAPI document: FastAPI's, with the problem+json errors every operation can answer.

``docs/openapi.json`` is this document, committed; a test fails when it drifts.
Regenerate it with::

    .venv/bin/python -m hub.api.openapi > docs/openapi.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from hub.api.problems import MEDIA_TYPE, Problem

REGENERATE = ".venv/bin/python -m hub.api.openapi > docs/openapi.json"

_ERRORS = {
    "401": "No valid API token.",
    "403": "Your role at this school does not allow this.",
    "404": "Not found, or not yours to see.",
    "409": "Refused by the visit workflow, or the same Idempotency-Key is in flight.",
    "422": "The request is not valid (locations only, never the values sent).",
    "503": "The store, the engine or an outside system is unavailable.",
}
_PUBLIC = frozenset({"/healthz", "/readyz"})


def build(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document, with one problem schema for every error."""
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    ref = {"$ref": "#/components/schemas/Problem"}
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            codes = ["422", "503"] if path in _PUBLIC else list(_ERRORS)
            for code in codes:
                if code == "503" and "503" in responses and path in _PUBLIC:
                    continue
                responses[code] = {
                    "description": _ERRORS[code],
                    "content": {MEDIA_TYPE: {"schema": ref}},
                }
            if path in _PUBLIC:
                responses.pop("422", None)
    return document


def dumps(document: dict[str, Any]) -> str:
    """The document as committed: sorted keys, two-space indent, final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    """Print the OpenAPI document of the app."""
    from hub.api.app import spec_app

    sys.stdout.write(dumps(spec_app().openapi()))


if __name__ == "__main__":
    main()
