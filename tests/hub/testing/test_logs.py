"""Searching logs and errors for personal values: per string, whole words, spacing ignored."""

from __future__ import annotations

from typing import Any

import pytest

from hub.errors import TransientError
from hub.testing.logs import (
    assert_error_is_safe,
    assert_no_personal_values,
    count_events,
    leaked,
)

VALUES = ["Lee", "Flat 09\nLamb Harbor", "+44(0)131 496 0386", "Karen"]


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("visited Lee today", 0),
        ("flat 09 lamb harbor", 1),
        ("call +44(0)131 4960386", 2),
        ("KAREN", 3),
        ("sleep and example error", None),  # 'lee' inside words is no name
        ("Karenina", None),
    ],
)
def test_values_match_as_whole_words_ignoring_case_and_spacing(
    text: str, position: int | None
) -> None:
    assert leaked([text], VALUES) == position


def test_fields_are_searched_one_by_one() -> None:
    event = {"event": "adapter.unavailable", "adapter": "example", "error": "TransientError"}
    assert_no_personal_values([event], ["Lee"])
    with pytest.raises(AssertionError, match=r"personal value #0 found in log event 'x'$"):
        assert_no_personal_values([{"event": "x", "who": {"first": ["Lee"]}}], ["Lee"])


def test_an_error_and_its_cause_are_checked() -> None:
    try:
        try:
            raise ValueError("no pupil called Karen")
        except ValueError as inner:
            raise TransientError("example: GET /pupils/{id} answered 503") from inner
    except TransientError as error:
        with pytest.raises(AssertionError, match="#3 found in the text of ValueError"):
            assert_error_is_safe(error, VALUES)
    assert_error_is_safe(TransientError("example: GET /pupils answered 503"), VALUES)


def test_count_events_by_word_in_the_name() -> None:
    events: list[dict[str, Any]] = [
        {"event": "adapter.unavailable"},
        {"event": "adapter.recovered"},
        {"x": 1},
    ]
    assert count_events(events, "unavailable") == 1
    assert count_events(events, "adapter") == 2
