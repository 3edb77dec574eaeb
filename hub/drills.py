"""A school's drills on disk, shared by ``doorstep drill`` and the office board.

``doorstep drill --school X`` runs in its own process; whoever acknowledges a rung
(``doorstep drill ack`` or the board's button) may be in another. They meet in
``data_dir/drills/X/``::

    current                  the id of the school's running (or last) drill
    DRILL_ID/rung.json       the rung sent last: number, name, when, its window's end
    DRILL_ID/ack-N.json      who acknowledged rung N (``hub.engine.drill.FileAcks``)
    DRILL_ID/report.json     the finished drill's report

The drill process times each acknowledgement when it sees the ``ack-N.json`` file,
so the board and the command line are timed the same way. Only ids, rung numbers
and times are written: never a name. Folders are 0700 and files 0600
(``hub.followup.files``). A file that cannot be read (truncated, from an older
version, unreadable) is logged as ``drill.unreadable`` and counts as no drill waiting:
it never takes the office board down.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path

import structlog
from pydantic import Field

from hub.engine.drill import UNREADABLE, FileAcks
from hub.followup.files import private_dir, write_private
from hub.models import DomainModel, UtcDateTime

log = structlog.get_logger(__name__)

CURRENT = "current"
"""The file naming a school's running (or last) drill."""
RUNG = "rung.json"
"""The file describing the rung a drill sent last."""
REPORT = "report.json"
"""The finished drill's report; a drill with one is over."""


class SentRung(DomainModel):
    """The rung a running drill sent last, and until when it waits for an acknowledgement."""

    drill_id: str
    number: int = Field(ge=1)
    name: str
    police_prompt: bool
    sent_at: UtcDateTime
    waits_until: UtcDateTime


def drills_dir(data_dir: Path, school_id: str) -> Path:
    """Where a school's drills keep their acknowledgements and reports."""
    return data_dir / "drills" / school_id


def start_drill(data_dir: Path, school_id: str, drill_id: str) -> Path:
    """Make the drill's folder and name it the school's current drill; its folder."""
    base = drills_dir(data_dir, school_id)
    directory = private_dir(base / drill_id)
    _write(base / CURRENT, drill_id)
    return directory


def current_drill(data_dir: Path, school_id: str) -> str | None:
    """The id of the school's running (or last) drill, if it ever ran one."""
    path = drills_dir(data_dir, school_id) / CURRENT
    if not path.exists():
        return None
    return path.read_text(encoding="utf-8").strip() or None


def drill_folder(data_dir: Path, school_id: str, drill_id: str) -> Path | None:
    """The folder of one drill, or None when the school has no such drill."""
    if not drill_id or "/" in drill_id or drill_id.startswith("."):
        return None
    directory = drills_dir(data_dir, school_id) / drill_id
    return directory if directory.is_dir() else None


def mark_rung_sent(directory: Path, rung: SentRung) -> None:
    """Record the rung the drill just sent (replacing the one before)."""
    _write(directory / RUNG, rung.model_dump_json())


def finish_drill(directory: Path, report_json: str) -> None:
    """Keep the finished drill's report (owner-only); the drill then counts as over."""
    _write(directory / REPORT, report_json)


def rung_waiting(data_dir: Path, school_id: str, now: datetime) -> SentRung | None:
    """The current drill's rung waiting for an acknowledgement at ``now``, if any.

    None when there is no drill, it has finished, its rung is acknowledged already, or
    the rung's window has passed (a drill whose process died stops showing), and when
    a drill file cannot be read (logged as ``drill.unreadable``, without its content).
    """
    try:
        return _rung_waiting(data_dir, school_id, now)
    except UNREADABLE as error:
        log.warning("drill.unreadable", school=school_id, error=type(error).__name__)
        return None


def _rung_waiting(data_dir: Path, school_id: str, now: datetime) -> SentRung | None:
    drill_id = current_drill(data_dir, school_id)
    directory = drill_folder(data_dir, school_id, drill_id) if drill_id else None
    if directory is None or (directory / REPORT).exists() or not (directory / RUNG).exists():
        return None
    rung = SentRung.model_validate_json((directory / RUNG).read_text(encoding="utf-8"))
    if now >= rung.waits_until or FileAcks(directory).path(rung.number).exists():
        return None
    return rung


def waits_until(sent_at: datetime, window_s: float) -> datetime:
    """When a rung sent at ``sent_at`` stops waiting for its acknowledgement."""
    return sent_at + timedelta(seconds=window_s)


def _write(path: Path, text: str) -> None:
    """Write ``text`` whole (a reader never sees half a file), owner-only (0600)."""
    draft = write_private(path.with_name(f".{path.name}-{secrets.token_hex(4)}"), text)
    os.replace(draft, path)
