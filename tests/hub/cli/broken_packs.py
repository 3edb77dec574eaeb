"""Broken copies of the St Michael's pack, one per kind of mistake a pack file can hold.

Each entry is (text, start of the error after the file name, a value the error must
not echo).
"""

from __future__ import annotations

from pathlib import Path

from hub.policy import bundled_packs_dir

ST_MICHAELS = (bundled_packs_dir() / "st-michaels.toml").read_text()


def write_pack(tmp_path: Path, text: str, name: str = "broken.toml") -> Path:
    """``text`` written to ``tmp_path / name``."""
    path = tmp_path / name
    path.write_text(text)
    return path


def without_rungs(text: str) -> str:
    """The pack with its ladder emptied."""
    head, _, _ = text.partition("[[escalation.rungs]]")
    _, _, tail = text.partition("[duress]")
    return head + "rungs = []\n\n[duress]" + tail


NEGATIVE_WAIT = ST_MICHAELS.replace(
    "parent_absent_wait_minutes = 20", "parent_absent_wait_minutes = -5"
)

BROKEN = {
    "unknown key": (
        ST_MICHAELS.replace("[doorstep]\n", "[doorstep]\nbell_colour = 'bright-orange'\n"),
        "doorstep.bell_colour: unknown key",
        "bright-orange",
    ),
    "negative wait": (NEGATIVE_WAIT, "doorstep.parent_absent_wait_minutes: ", "-5"),
    "ladder with no rungs": (without_rungs(ST_MICHAELS), "escalation.rungs: ", "ring-staff"),
    "duress rung names no rung": (
        ST_MICHAELS.replace('rung = "police"', 'rung = "hide-and-seek"'),
        "duress.rung: must name a rung of escalation.rungs",
        "hide-and-seek",
    ),
    "invalid TOML": (
        ST_MICHAELS.replace('id = "st-michaels"', 'id = "st-michaels'),
        "(file): is not valid TOML",
        "st-michaels",
    ),
}
