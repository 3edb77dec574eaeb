"""Wonde's session attendance as the hub's register: one ``SessionMark`` per pupil per
session, with the DfE register code the attendance rules read.

Wonde passes on the code the MIS holds (SIMS, Arbor and Bromcom keep the DfE codes);
the code is only tidied (spaces trimmed, upper case). A code the hub's table
(``hub.followup.register.CODES``) does not know is kept as it is and counted, never
mapped to a code it might mean: the daily evaluation then counts it as a possible
session missed and shows it in the evidence, where a person sees it. A code too long
to be a register code is carried as ``?`` (unknown, in the same way).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from hub.adapters.wonde.models import WondeSessionMark
from hub.followup.register import CODES, SessionMark

NOT_YET_MARKED = frozenset({"", "-"})
"""Codes a register holds for a session nobody has marked yet: left out, as the hook says."""

UNKNOWN_CODE = "?"
"""Carried for a code longer than a register code can be (four characters)."""

MAX_CODE_LENGTH = 4


def register_code(raw: str) -> str | None:
    """The DfE register code for Wonde's ``raw`` code; None for a session not yet marked.

    Unknown codes come back as they are (or ``?`` when too long), never guessed.
    """
    code = raw.strip().upper()
    if code in NOT_YET_MARKED:
        return None
    return code if len(code) <= MAX_CODE_LENGTH else UNKNOWN_CODE


@dataclass(frozen=True)
class Register:
    """The marks inside the window, and how many of them carry a code the table lacks."""

    marks: list[SessionMark]
    unknown_codes: int


def to_register(rows: Iterable[WondeSessionMark], since: date, until: date) -> Register:
    """The marks from ``since`` to ``until`` (both inclusive), one per pupil per session.

    Rows outside the window (a filter Wonde ignored) and sessions not yet marked are
    left out; a second row for a session already seen is left out too (the first, in
    Wonde's order, stands).
    """
    seen: set[tuple[str, date, str]] = set()
    marks: list[SessionMark] = []
    unknown = 0
    for row in rows:
        day, session = row.day, row.session.lower()
        code = register_code(row.attendance_code.data.code)
        key = (row.student, day, session)
        if code is None or not since <= day <= until or key in seen:
            continue
        seen.add(key)
        unknown += code not in CODES
        marks.append(SessionMark(pupil_id=row.student, day=day, session=session, code=code))
    return Register(marks=marks, unknown_codes=unknown)
