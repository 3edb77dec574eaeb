"""docs/policy-packs.md keeps up with the pack model and the bundled packs."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.policy import PolicyError, bundled_packs_dir, load_pack, pack_keys
from tests.hub.cli.broken_packs import NEGATIVE_WAIT, write_pack

DOC = (Path(__file__).resolve().parents[2] / "docs" / "policy-packs.md").read_text()


@pytest.mark.parametrize(("key", "meaning"), pack_keys())
def test_every_pack_key_has_a_row_with_its_meaning(key, meaning):
    assert meaning, f"{key} has no description in hub/policy.py"
    assert f"| `{key}` | {meaning} |" in DOC, f"docs/policy-packs.md lacks or misdescribes {key}"


def test_every_bundled_pack_is_listed():
    for path in bundled_packs_dir().glob("*.toml"):
        assert f"| `{path.name}` |" in DOC


def test_the_documented_check_error_is_what_check_prints(tmp_path):
    bad = write_pack(tmp_path, NEGATIVE_WAIT)
    with pytest.raises(PolicyError) as info:
        load_pack(bad)
    line = str(info.value).replace(str(bad), "broken.toml")
    assert f"\n{line}\n" in DOC
