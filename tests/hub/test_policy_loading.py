from pathlib import Path

import pytest

from hub.policy import PolicyError, bundled_packs_dir, load_pack


def test_bundled_st_michaels_pack_loads():
    pack = load_pack(bundled_packs_dir() / "st-michaels.toml")
    assert pack.doorstep.parent_absent_wait_minutes == 20
    assert pack.rung_number(pack.duress.rung) == len(pack.escalation.rungs)


def test_negative_wait_names_file_and_key(tmp_path: Path):
    text = (bundled_packs_dir() / "st-michaels.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(
        text.replace("parent_absent_wait_minutes = 20", "parent_absent_wait_minutes = -5")
    )
    with pytest.raises(PolicyError) as info:
        load_pack(bad)
    assert str(info.value).startswith(f"{bad}: doorstep.parent_absent_wait_minutes: ")
    assert "-5" not in str(info.value)
