"""Wire models of the MyConcern-style API, and their mapping to and from hub models.

A risk indicator arrives with ``details`` (free text written by staff) and a subject
arrives with names and a date of birth. The wire models do not declare them and
ignore unknown fields, so they are dropped while the JSON is parsed: no narrative or
name is ever held here, let alone in a ``RiskFlag``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hub.models import RiskFlag, Severity, Visit, VisitNote


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True, frozen=True)


class WireSubject(_Wire):
    """A person concerns are about (``GET .../subjects``): ids and family only."""

    id: str
    mis_id: str | None = None
    family_id: str | None = None


class WireIndicator(_Wire):
    """A risk indicator on a subject (``GET .../subjects/{id}/risk-indicators``)."""

    id: str
    code: str = Field(pattern=r"^[A-Za-z0-9_]+$")
    level: int = Field(ge=1, le=5)
    family_wide: bool = False
    raised_on: date | None = None


class WireConcern(_Wire):
    """A raised concern (``GET .../concerns``), read back for its id and triage state."""

    id: str
    client_reference: str | None = None
    status: str = "awaiting_triage"


def severity_of(level: int) -> Severity:
    """MyConcern's 1–5 level as the hub's severity: 1–2 low, 3 medium, 4–5 high."""
    if level >= 4:
        return Severity.HIGH
    return Severity.MEDIUM if level == 3 else Severity.LOW


def to_risk_flag(
    indicator: WireIndicator,
    *,
    own: bool,
    pupil_id: str,
    household_id: str | None,
    renames: Mapping[str, str],
    source: str,
) -> RiskFlag:
    """The hub's flag for one indicator: on the pupil (``own``) or on their household.

    An indicator marked family-wide, or one on a sibling, concerns the household.
    """
    household = indicator.family_wide or not own
    code = indicator.code.lower()
    return RiskFlag(
        id=f"{source}:{indicator.id}",
        source=source,
        category=renames.get(code, code),
        severity=severity_of(indicator.level),
        applies_to="household" if household else "pupil",
        pupil_id=None if household else pupil_id,
        household_id=household_id if household else None,
        recorded_on=indicator.raised_on,
    )


def concern_payload(
    visit: Visit,
    note: VisitNote,
    *,
    client_reference: str,
    subject_id: str | None,
    concern_type: str,
    notify_user_ids: list[str],
) -> dict[str, Any]:
    """The body of ``POST .../concerns``: the note, raised into the DSL triage queue.

    A safeguarding concern is triaged ``urgent``, which makes MyConcern alert the DSL
    team at once, in the same write; otherwise ``routine``. A pupil MyConcern does
    not know is sent by MIS id for the DSL to link.
    """
    return {
        "subject_ids": [subject_id] if subject_id else [],
        "unlinked_mis_id": None if subject_id else note.pupil_id,
        "concern_type": concern_type,
        "client_reference": client_reference,
        "occurred_at": visit.planned_start.isoformat(),
        "reported_at": note.written_at.isoformat(),
        "reported_by_ref": note.written_by,
        "summary": note.discussion,
        "location": note.location,
        "people_present": list(note.seen),
        "concern_details": note.concerns,
        "agreed_actions": [
            {
                "reference": a.id,
                "action": a.action,
                "by": a.owner,
                "due": a.due_by.isoformat() if a.due_by else None,
            }
            for a in note.agreements
        ],
        "signed": [
            {"role": s.signer, "ref": s.signer_id, "at": s.signed_at.isoformat(), "how": s.method}
            for s in note.signatures
        ],
        "triage": {
            "queue": "dsl",
            "priority": "urgent" if note.safeguarding_concern else "routine",
        },
        "notify_user_ids": notify_user_ids,
    }
