"""The attendance register: session marks and what each register code means.

A school day has two sessions (morning and afternoon); the register holds one code per
pupil per session. The codes follow the School Attendance (Pupil Registration)
(England) Regulations 2024. What a code *counts as* is all the rules need:

- **present** and **attending** (an approved educational activity off-site) are
  attended sessions;
- **authorised** and **unauthorised** absences are possible sessions missed;
- **not counted** codes (not required to attend, exceptional circumstances, planned
  closure, not on roll) are not possible sessions at all.

A code the table does not know is counted as a possible session missed (never as
attended, never as unauthorised) and reported in the findings' evidence, so a new
code from an MIS is seen by a person rather than silently dropped.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import Field

from hub.models.base import DomainModel

Session = Literal["am", "pm"]


class CodeMeaning(StrEnum):
    """What a register code counts as."""

    PRESENT = "present"
    ATTENDING = "attending"
    """Attending an approved educational activity away from the school: counted as attended."""
    AUTHORISED = "authorised"
    UNAUTHORISED = "unauthorised"
    NOT_COUNTED = "not_counted"
    """Not a possible session (not required to attend, closure, not on roll)."""
    UNKNOWN = "unknown"
    """A code the table does not know: counted as a possible session missed."""

    @property
    def attended(self) -> bool:
        """Whether a session with this meaning counts as attended."""
        return self in (CodeMeaning.PRESENT, CodeMeaning.ATTENDING)

    @property
    def possible(self) -> bool:
        """Whether a session with this meaning is a possible session."""
        return self is not CodeMeaning.NOT_COUNTED


def _codes(meaning: CodeMeaning, *codes: str) -> dict[str, CodeMeaning]:
    return dict.fromkeys(codes, meaning)


CODES: dict[str, CodeMeaning] = {
    **_codes(CodeMeaning.PRESENT, "/", "\\", "L"),
    **_codes(CodeMeaning.ATTENDING, "K", "V", "P", "W", "B", "J"),
    **_codes(
        CodeMeaning.AUTHORISED,
        "C",
        "C1",
        "C2",
        "E",
        "I",
        "M",
        "J1",
        "R",
        "S",
        "T",
        "Q",
    ),
    **_codes(CodeMeaning.UNAUTHORISED, "G", "N", "O", "U"),
    **_codes(
        CodeMeaning.NOT_COUNTED,
        "X",
        "Y1",
        "Y2",
        "Y3",
        "Y4",
        "Y5",
        "Y6",
        "Y7",
        "Y",
        "Z",
        "#",
        "D",
    ),
}
"""Register code → what it counts as (2024 regulations, regulation 10). Two earlier
codes an MIS may still export are kept: ``J`` (at interview, counted as attending
before 2024) and a bare ``Y`` (the exceptional-circumstances code before ``Y1``-``Y7``)."""


def meaning_of(code: str) -> CodeMeaning:
    """What ``code`` counts as; ``UNKNOWN`` for a code the table does not hold."""
    return CODES.get(code, CodeMeaning.UNKNOWN)


class SessionMark(DomainModel):
    """One register entry: a pupil's code for one session of one day."""

    pupil_id: str = Field(min_length=1)
    day: date
    session: Session
    code: str = Field(min_length=1, max_length=4)

    @property
    def meaning(self) -> CodeMeaning:
        """What this mark's code counts as."""
        return meaning_of(self.code)
