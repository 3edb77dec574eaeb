"""Wire models of the CPOMS-style API, and their mapping to and from hub models.

The API sends an incident's ``narrative`` (the free-text account) with every incident
it lists. The wire models here do not declare it, and ignore unknown fields, so the
narrative is dropped while the JSON is parsed: it is never held in a wire model, never
reaches a ``RiskFlag``, the store or a log line. Students are read for their ids and
household only; names sent by the API are dropped the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hub.adapters.cpoms.settings import RiskCategory
from hub.models import RiskFlag, Severity, Visit, VisitNote

DSL_ALERT_SUFFIX = "#dsl-alert"
"""Appended to the push's idempotency key to make the DSL alert's external reference."""

DSL_ALERT_TEXT = (
    "A safeguarding concern was raised on a home visit. Please review this incident now."
)
"""What the DSL alert says: which record to open, never what the note says."""

_SEVERITY_ORDER = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2}


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True, frozen=True)


class WireStudent(_Wire):
    """A student (``GET /students``): ids and household only."""

    id: str
    mis_id: str | None = None
    household_id: str | None = None


class WireCategory(_Wire):
    """An incident category (``GET /categories``) and what the integration may do with it."""

    id: str
    name: str
    restricted: bool = False
    writable: bool = False


class WireAction(_Wire):
    """An action appended to an incident; ``external_ref`` marks the ones Doorstep added."""

    id: str
    type: str = "note"
    external_ref: str | None = None


class WireIncident(_Wire):
    """An incident (``GET /incidents``) without its narrative, which is never parsed."""

    id: str
    student_ids: list[str] = Field(default_factory=list)
    category_ids: list[str] = Field(default_factory=list)
    occurred_at: datetime
    status: str = "open"
    external_ref: str | None = None
    actions: list[WireAction] = Field(default_factory=list)

    def action_refs(self) -> set[str]:
        """External references of the incident's actions."""
        return {a.external_ref for a in self.actions if a.external_ref}


def to_risk_flags(
    incidents: Iterable[WireIncident],
    *,
    pupil_id: str,
    student_id: str | None,
    household_id: str | None,
    categories: Mapping[str, WireCategory],
    rules: Sequence[RiskCategory],
    source: str,
) -> list[RiskFlag]:
    """One flag per flag category and subject (the pupil, or their household).

    An incident on the pupil gives a pupil flag, unless its rule's scope is the
    household; an incident on a sibling gives a household flag. Repeats of a category
    keep the highest severity and the latest date. Incidents in categories with no
    rule, and tray incidents, give nothing.
    """
    by_name = {rule.category.casefold(): rule for rule in rules}
    flags: dict[str, RiskFlag] = {}
    for incident in incidents:
        if not incident.student_ids:
            continue
        on_pupil = student_id is not None and student_id in incident.student_ids
        for category_id in incident.category_ids:
            category = categories.get(category_id)
            rule = by_name.get(category.name.casefold()) if category else None
            if rule is None:
                continue
            household = rule.scope == "household" or not on_pupil
            flag = RiskFlag(
                id=_flag_id(source, rule.flag, pupil_id, household_id, household=household),
                source=source,
                category=rule.flag,
                severity=rule.severity,
                applies_to="household" if household else "pupil",
                pupil_id=None if household else pupil_id,
                household_id=household_id if household else None,
                recorded_on=incident.occurred_at.date(),
            )
            flags[flag.id] = _stronger(flags.get(flag.id), flag)
    return sorted(flags.values(), key=lambda f: f.id)


def _flag_id(
    source: str, flag: str, pupil_id: str, household_id: str | None, *, household: bool
) -> str:
    subject = f"household:{household_id or 'pupil:' + pupil_id}" if household else pupil_id
    return f"{source}:{subject}:{flag}"


def _stronger(current: RiskFlag | None, new: RiskFlag) -> RiskFlag:
    if current is None:
        return new
    severity = max(current.severity, new.severity, key=_SEVERITY_ORDER.__getitem__)
    dates = [d for d in (current.recorded_on, new.recorded_on) if d is not None]
    return current.model_copy(
        update={"severity": severity, "recorded_on": max(dates) if dates else None}
    )


def incident_payload(
    visit: Visit,
    note: VisitNote,
    *,
    idempotency_key: str,
    student_ids: list[str],
    category_id: str,
    alert_staff: list[str],
    alert_groups: list[str],
    source: str,
) -> dict[str, Any]:
    """The body of ``POST /incidents`` for a visit note (``student_ids`` empty: the tray)."""
    return {
        "student_ids": student_ids,
        "category_ids": [category_id],
        "occurred_at": visit.planned_start.isoformat(),
        "recorded_at": note.written_at.isoformat(),
        "author_ref": note.written_by,
        "source": source,
        "external_ref": idempotency_key,
        "narrative": note.discussion,
        "location": note.location,
        "people_seen": list(note.seen),
        "concern": {"safeguarding": note.safeguarding_concern, "detail": note.concerns},
        "agreements": [
            {
                "ref": agreement.id,
                "action": agreement.action,
                "owner": agreement.owner,
                "due_by": agreement.due_by.isoformat() if agreement.due_by else None,
                "made_at": agreement.made_at.isoformat(),
            }
            for agreement in note.agreements
        ],
        "signatures": [
            {
                "signer": signature.signer,
                "signer_ref": signature.signer_id,
                "signed_at": signature.signed_at.isoformat(),
                "method": signature.method,
            }
            for signature in note.signatures
        ],
        "alert": {"user_ids": alert_staff, "groups": alert_groups},
    }


def dsl_alert_payload(*, idempotency_key: str, dsl_group: str) -> dict[str, Any]:
    """The body of ``POST /incidents/{id}/actions`` alerting the DSL group at once."""
    return {
        "type": "alert",
        "urgent": True,
        "text": DSL_ALERT_TEXT,
        "alert": {"user_ids": [], "groups": [dsl_group]},
        "external_ref": idempotency_key + DSL_ALERT_SUFFIX,
    }
