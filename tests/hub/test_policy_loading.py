from pathlib import Path

import pytest

from hub.policy import PolicyError, bundled_packs_dir, load_pack
from tests.hub.cli.broken_packs import NEGATIVE_WAIT, write_pack


def test_bundled_st_michaels_pack_loads():
    pack = load_pack(bundled_packs_dir() / "st-michaels.toml")
    assert pack.doorstep.parent_absent_wait_minutes == 20
    assert pack.rung_number(pack.duress.rung) == len(pack.escalation.rungs)


def test_negative_wait_names_file_and_key(tmp_path: Path):
    bad = write_pack(tmp_path, NEGATIVE_WAIT, "bad.toml")
    with pytest.raises(PolicyError) as info:
        load_pack(bad)
    assert str(info.value).startswith(f"{bad}: doorstep.parent_absent_wait_minutes: ")
    assert "-5" not in str(info.value)
