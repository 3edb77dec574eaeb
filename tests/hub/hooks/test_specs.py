"""The hookspecs hold their contract: docstring sections, docs and tests for every hook."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from hub.hooks import specs

ROOT = Path(__file__).resolve().parents[3]
SECTIONS = (
    "Called",
    "Call type",
    "Args",
    "Returns",
    "Idempotency",
    "Errors",
    "Sync/async",
    "Since",
)
VERBS = ("register", "pull", "assess", "check", "resolve", "push", "send", "on", "health")

HOOKS = sorted(name for name in dir(specs) if name.startswith("hub_"))


def _signature(name: str) -> str:
    params = inspect.signature(getattr(specs, name)).parameters
    return f"{name}({', '.join(params)})"


def _sections(doc: str) -> list[str]:
    found = []
    for line in inspect.cleandoc(doc).splitlines():
        match = re.match(r"^([A-Z][A-Za-z/ ]+): ", line)
        if match and match.group(1) in SECTIONS:
            found.append(match.group(1))
    return found


def test_there_is_a_hook_for_every_part_of_a_visits_life():
    assert len(HOOKS) == 19
    assert sorted(specs.__all__) == HOOKS


@pytest.mark.parametrize("name", HOOKS)
def test_every_hookspec_docstring_has_every_section_in_order(name):
    doc = getattr(specs, name).__doc__
    assert doc, f"{name} has no docstring"
    assert _sections(doc) == list(SECTIONS), f"{name}: sections out of order or missing"


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_is_named_hub_verb_object(name):
    verb = name.removeprefix("hub_").split("_")[0]
    assert verb in VERBS


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_is_documented_under_its_exact_signature(name):
    docs = (ROOT / "docs" / "hooks.md").read_text()
    assert f"## `{_signature(name)}`" in docs, f"docs/hooks.md lacks a heading for {name}"


def test_the_hooks_page_opens_with_a_lifecycle_diagram_and_the_argument_rules():
    docs = (ROOT / "docs" / "hooks.md").read_text()
    opening = docs[: docs.index("\n## `hub_")]
    assert "```mermaid" in opening
    words = " ".join(opening.split())
    assert "may take any subset of the arguments" in words
    assert "never give an implementation argument a default value" in words.lower()
    for name in HOOKS:
        assert name in opening, f"{name} is missing from the diagram"


def test_every_hook_is_named_in_a_test_called_test_hook_name():
    sources = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("test_*.py"))
    missing = [
        name
        for name in HOOKS
        if not re.search(rf"def test_hook_{name.removeprefix('hub_')}(_|\()", sources)
    ]
    assert not missing, f"hooks without a test_hook_<name> test: {missing}"


def test_sync_only_hooks_are_the_register_assess_check_and_resolve_hooks():
    from hub.hooks.loading import SYNC_HOOKS

    pure = {n for n in HOOKS if n.split("_")[1] in {"register", "assess", "check", "resolve"}}
    assert pure == SYNC_HOOKS
