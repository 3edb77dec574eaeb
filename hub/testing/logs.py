"""Logs and errors under test: captured after redaction, searched for personal data.

Events come from ``hub.logging.capture_redacted_logs`` (as they would be written).
Each string in an event (keys, values, error texts) is searched on its own, so values
never run together across fields. A value matches as whole words, ignoring case and
spacing; a value of six or more characters also matches inside a word with the
spacing squeezed out (phone numbers written another way).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from structlog.typing import EventDict

from hub.logging import capture_redacted_logs

__all__ = [
    "assert_error_is_safe",
    "assert_no_personal_values",
    "capture_redacted_logs",
    "count_events",
    "leaked",
]

SQUEEZED_MIN = 6
"""Shortest value also searched for inside words (shorter ones give false alarms)."""


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, BaseException):
        yield str(value)
        yield repr(value)
    elif value is not None:
        yield repr(value)


def _spaced(text: str) -> str:
    return " ".join(text.lower().split())


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def leaked(texts: Iterable[str], values: Sequence[str]) -> int | None:
    """The position in ``values`` of the first value found in ``texts``, or None."""
    patterns = []
    for position, value in enumerate(values):
        words = _spaced(value)
        if len(words) < 2:
            continue
        pattern = re.compile(rf"(?<![a-z0-9]){re.escape(words)}(?![a-z0-9])")
        squeezed = _squeezed(value) if len(_squeezed(value)) >= SQUEEZED_MIN else None
        patterns.append((position, pattern, squeezed))
    for text in texts:
        spaced, squeezed_text = _spaced(text), _squeezed(text)
        for position, pattern, squeezed in patterns:
            if pattern.search(spaced) or (squeezed and squeezed in squeezed_text):
                return position
    return None


def assert_no_personal_values(events: Iterable[EventDict], values: Sequence[str]) -> None:
    """Fail if any of ``values`` appears in any event; the failure names the event and
    the value's position, never the value."""
    for event in events:
        position = leaked(_strings(event), values)
        if position is not None:
            raise AssertionError(
                f"personal value #{position} found in log event {event.get('event')!r}"
            )


def assert_error_is_safe(error: BaseException, values: Sequence[str]) -> None:
    """Fail if ``str()`` or ``repr()`` of ``error``, or of what caused it, holds any of
    ``values``. The failure names the value's position, never the value."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        position = leaked([str(current), repr(current)], values)
        if position is not None:
            raise AssertionError(
                f"personal value #{position} found in the text of {type(current).__name__}"
            )
        current = current.__cause__ or current.__context__


def count_events(events: Iterable[EventDict], word: str) -> int:
    """How many events have ``word`` in their event name."""
    return sum(1 for event in events if word in str(event.get("event", "")))
