"""Every adapter this repository installs has a contract test built by the kit."""

from __future__ import annotations

import ast
from importlib.metadata import entry_points
from pathlib import Path

import pytest

ADAPTER_TESTS = Path(__file__).resolve().parent


def repository_adapters() -> list[str]:
    """Ids of the ``doorstep.adapters`` entry points of the doorstep distribution."""
    return sorted(
        point.name
        for point in entry_points(group="doorstep.adapters")
        if point.dist is not None and point.dist.name == "doorstep"
    )


def contract_problem(adapter_id: str, tests_dir: Path = ADAPTER_TESTS) -> str | None:
    """Why ``tests/adapters/<id>/test_contract.py`` does not run the kit, or None."""
    path = tests_dir / adapter_id / "test_contract.py"
    if not path.is_file():
        return f"tests/adapters/{adapter_id}/test_contract.py is missing"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and getattr(node.value.func, "id", None) == "adapter_contract"
            and any(isinstance(t, ast.Name) and t.id.startswith("Test") for t in node.targets)
        ):
            return None
    return f"{path.name} of '{adapter_id}' assigns no Test* class from adapter_contract(...)"


def test_the_repository_installs_adapters() -> None:
    assert repository_adapters(), "no doorstep.adapters entry point: is the package installed?"


@pytest.mark.parametrize("adapter_id", repository_adapters())
def test_every_adapter_runs_the_contract_kit(adapter_id: str) -> None:
    assert contract_problem(adapter_id) is None, contract_problem(adapter_id)


def test_a_missing_or_empty_contract_test_is_caught(tmp_path: Path) -> None:
    assert contract_problem("ghost", tmp_path) == (
        "tests/adapters/ghost/test_contract.py is missing"
    )
    (tmp_path / "lazy").mkdir()
    (tmp_path / "lazy" / "test_contract.py").write_text("def test_nothing():\n    pass\n")
    assert "assigns no Test* class" in str(contract_problem("lazy", tmp_path))
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "test_contract.py").write_text(
        "TestGood = adapter_contract(GoodAdapter, fake=fake, settings=settings)\n"
    )
    assert contract_problem("good", tmp_path) is None
