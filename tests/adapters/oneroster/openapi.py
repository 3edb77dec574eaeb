"""Validate JSON bodies against the official OneRoster 1.2 OpenAPI file.

``jsonschema`` is not installed in the venv, so this walks the schema keywords the
file uses itself: ``$ref``, ``type``, ``properties``, ``required``,
``additionalProperties``, ``enum``, ``items``, ``minItems``, ``anyOf``, ``pattern``
and the ``date``, ``date-time`` and ``uri`` formats. Errors name the JSON path and
the keyword, never the value.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SPEC = Path("/work/shared/data/oneroster/onerosterv1p2rostersservice_openapi3_v1p0.json")
_TYPES: dict[str, type | tuple[type, ...]] = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
}


@cache
def spec() -> dict[str, Any]:
    """The OpenAPI document, loaded once."""
    loaded: dict[str, Any] = json.loads(SPEC.read_text(encoding="utf-8"))
    return loaded


def response_schema(path: str, status: str = "200") -> dict[str, Any]:
    """The JSON schema of a GET response, e.g. ``response_schema("/users/{sourcedId}")``."""
    response = spec()["paths"][path]["get"]["responses"][status]
    schema: dict[str, Any] = response["content"]["application/json"]["schema"]
    return schema


def errors(instance: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    """Every way ``instance`` breaks ``schema``, as ``"<path>: <keyword>"`` lines."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        return errors(instance, spec()["components"]["schemas"][name], where)
    if "anyOf" in schema:
        options = [errors(instance, option, where) for option in schema["anyOf"]]
        return [] if any(not found for found in options) else [f"{where}: anyOf"]
    expected = schema.get("type")
    if expected and not _is_type(instance, expected):
        return [f"{where}: type {expected}"]
    found: list[str] = []
    if "enum" in schema and instance not in schema["enum"]:
        found.append(f"{where}: enum")
    if "pattern" in schema and not re.search(schema["pattern"], instance):
        found.append(f"{where}: pattern")
    if "format" in schema and isinstance(instance, str) and not _formatted(instance, schema):
        found.append(f"{where}: format {schema['format']}")
    if isinstance(instance, dict):
        found += _object_errors(instance, schema, where)
    if isinstance(instance, list):
        if len(instance) < schema.get("minItems", 0):
            found.append(f"{where}: minItems")
        for index, item in enumerate(instance):
            found += errors(item, schema.get("items", {}), f"{where}[{index}]")
    return found


def _object_errors(instance: dict[str, Any], schema: dict[str, Any], where: str) -> list[str]:
    properties = schema.get("properties", {})
    found = [
        f"{where}.{key}: required" for key in schema.get("required", []) if key not in instance
    ]
    for key, value in instance.items():
        if key in properties:
            found += errors(value, properties[key], f"{where}.{key}")
        elif schema.get("additionalProperties", True) is False:
            found.append(f"{where}.{key}: additionalProperties")
    return found


def _is_type(instance: Any, expected: str) -> bool:
    if expected in ("integer", "number") and isinstance(instance, bool):
        return False
    return isinstance(instance, _TYPES[expected])


def _formatted(value: str, schema: dict[str, Any]) -> bool:
    kind = schema["format"]
    try:
        if kind == "date-time":
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed.tzinfo is not None
        if kind == "date":
            date.fromisoformat(value)
            return len(value) == 10
    except ValueError:
        return False
    if kind == "uri":
        parts = urlsplit(value)
        return bool(parts.scheme and parts.netloc)
    return True
