"""A settings file for the follow-up commands: one school on a SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import SCHOOL


def use_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point DOORSTEP_CONFIG at a fresh config; returns the database URL. Letters and
    packs go to ``tmp_path / "followup"``."""
    url = f"sqlite:///{tmp_path / 'data' / 'doorstep.db'}"
    (tmp_path / "data").mkdir()
    path = tmp_path / "doorstep.toml"
    path.write_text(
        f'database_url = "{url}"\n'
        f'followup.dir = "{tmp_path / "followup"}"\n'
        f"[schools.{SCHOOL}]\n"
        'name = "St Michael\'s Church of England High School"\n'
        f'policy_pack = "{SCHOOL}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("DOORSTEP_CONFIG", str(path))
    monkeypatch.setenv("DOORSTEP_LOG_LEVEL", "warning")
    monkeypatch.setenv("DOORSTEP_LOAD_PLUGINS", "attendance")
    return url
