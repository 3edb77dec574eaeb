"""docs/http.md keeps up with HttpSettings: every field in the table, with its default."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic_core import PydanticUndefined

from hub.http import HttpSettings
from hub.http.defaults import RETRY_STATUSES

DOC = (Path(__file__).resolve().parents[3] / "docs" / "http.md").read_text()


def _shown(default: object) -> str:
    if default is PydanticUndefined:
        return "(per adapter)"
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, float) and default.is_integer():
        return str(int(default))
    return str(default)


def test_every_setting_is_in_the_table_with_its_default() -> None:
    rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]+?) \|", DOC, flags=re.MULTILINE))
    for name, field in HttpSettings.model_fields.items():
        assert name in rows, f"docs/http.md lacks {name}"
        default = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
        expected = "`[]`" if default == [] else _shown(default)
        assert rows[name] == expected, f"docs/http.md shows {name} = {rows[name]}"
    assert set(rows) <= set(HttpSettings.model_fields)


def test_every_retried_status_is_documented() -> None:
    assert ", ".join(str(status) for status in sorted(RETRY_STATUSES)) in DOC
