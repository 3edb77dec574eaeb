"""settle_heap: what is alive at start leaves the collector's generations and is kept;
what is made later is collected as usual."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from hub.heap import settle_heap


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()


def _collected_generations() -> set[int]:
    return {id(o) for o in gc.get_objects()}


def test_objects_alive_at_start_are_frozen_and_later_ones_are_not(unfrozen: None) -> None:
    at_start: list[list[int]] = [[n] for n in range(100)]
    assert id(at_start) in _collected_generations()

    frozen = settle_heap()
    later: list[list[int]] = [[1]]

    assert frozen == gc.get_freeze_count() > len(at_start)
    seen = _collected_generations()
    assert id(at_start) not in seen  # never walked again by a collection
    assert id(later) in seen
    assert at_start[99] == [99]  # frozen, not freed
