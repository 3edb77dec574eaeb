"""The fake contract: a fake.py module or a registered MockBackend both serve the kit."""

from __future__ import annotations

import pytest

from hub.hooks.registry import build_registry
from hub.testing.fakes import Fake, FakeBackendState, as_backend, missing_members
from tests.hub.testing import example


def test_a_fake_module_becomes_a_backend() -> None:
    backend = as_backend(example.fake)
    assert backend == Fake(example.fake.create_app, example.fake.FakeState)
    state = backend.state_factory()
    assert isinstance(state, FakeBackendState)
    assert missing_members(state) == []


def test_a_registered_mock_backend_is_a_backend_as_it_is() -> None:
    registry = build_registry(entry_points=False, extra=[("example", example.ExampleAdapter)])
    backend = registry.mock_backends()["example"]
    assert as_backend(backend) is backend
    assert isinstance(backend.state_factory(), example.fake.FakeState)


def test_a_module_without_the_parts_is_refused() -> None:
    with pytest.raises(TypeError, match="needs create_app and FakeState"):
        as_backend(pytest)


def test_missing_members_are_named() -> None:
    assert missing_members(object()) == [
        "page_size",
        "latency_s",
        "fail_next",
        "personal_values",
        "requests",
        "records",
    ]


def test_the_template_fake_is_seeded_and_injects_failures() -> None:
    one, two = example.fake.FakeState(), example.fake.FakeState()
    assert one.personal_values() == two.personal_values()
    one.fail_next(status=429, times=2, retry_after=3)
    assert one.take_failure() == (429, 3)
    one.fail_next(times=0)
    assert one.take_failure() is None
