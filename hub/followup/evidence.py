"""The referral evidence pack: for one pupil, the chronology of support in date order.

A local authority asks, before legal action, what support the school gave: visits and
their outcomes, letters, agreements and whether they were kept, referral prompts and
the decisions on them, and attendance by month. ``assemble`` reads all of it from the
store; ``write_pack`` writes ``<pupil>-evidence.json`` and ``.pdf`` with mode 0600
into the folder the caller names. The files hold personal data; logs hold ids only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from pydantic import Field

from hub.followup.files import write_private
from hub.followup.letters import environment
from hub.followup.pdf import html_to_pdf
from hub.followup.records import AgreementStatus, MonthAttendance
from hub.followup.register import CodeMeaning, SessionMark
from hub.followup.repository import FollowUpStore
from hub.models import School
from hub.models.base import DomainModel, UtcDateTime, personal
from hub.store import Store

log = structlog.get_logger(__name__)

KIND_LABELS = {
    "visit": "Home visit",
    "agreement": "Agreement",
    "letter": "Letter",
    "note": "Follow-up",
    "referral_prompt": "Referral prompt",
    "referral_decision": "Referral decision",
}


class ChronologyEntry(DomainModel):
    """One dated line of the chronology."""

    at: UtcDateTime
    kind: str
    ref: str = Field(description="The record's id.")
    summary: str = personal(description="Plain words; may quote an agreement.")


class EvidencePack(DomainModel):
    """Everything the pack holds, as written to JSON."""

    school_id: str
    school_name: str
    pupil_id: str
    pupil_reference: str
    pupil_name: str | None = personal(None)
    generated_at: UtcDateTime
    chronology: tuple[ChronologyEntry, ...]
    attendance_by_month: tuple[MonthAttendance, ...]


def attendance_by_month(marks: Iterable[SessionMark]) -> list[MonthAttendance]:
    """Possible, attended and unauthorised sessions per calendar month, oldest first."""
    months: dict[str, list[SessionMark]] = defaultdict(list)
    for mark in marks:
        months[mark.day.strftime("%Y-%m")].append(mark)
    rows = []
    for month, held in sorted(months.items()):
        possible = [m for m in held if m.meaning.possible]
        rows.append(
            MonthAttendance(
                month=month,
                possible_sessions=len(possible),
                attended_sessions=sum(m.meaning.attended for m in possible),
                unauthorised_sessions=sum(m.meaning is CodeMeaning.UNAUTHORISED for m in possible),
                first_day=min(m.day for m in held),
                last_day=max(m.day for m in held),
            )
        )
    return rows


def _visit_entries(store: Store, school_id: str, pupil_id: str) -> list[ChronologyEntry]:
    entries = []
    for visit in store.list_visits(school_id):
        if visit.pupil_id != pupil_id:
            continue
        outcome = store.outcome_for(school_id, visit.id)
        ended = outcome.kind.label if outcome else visit.state.value.replace("_", " ")
        entries.append(
            ChronologyEntry(
                at=visit.planned_start,
                kind="visit",
                ref=visit.id,
                summary=f"{visit.reason.label}: {ended}",
            )
        )
        for agreement in store.agreements(school_id, visit.id):
            due = f" by {agreement.due_by:%d %b %Y}" if agreement.due_by else ""
            entries.append(
                ChronologyEntry(
                    at=agreement.made_at,
                    kind="agreement",
                    ref=agreement.id,
                    summary=f"{agreement.owner}: {agreement.action}{due}",
                )
            )
    return entries


def _followup_entries(
    followups: FollowUpStore, school_id: str, pupil_id: str
) -> list[ChronologyEntry]:
    status = {t.agreement_id: t.status for t in followups.tracking(school_id)}
    entries = [
        ChronologyEntry(
            at=letter.created_at,
            kind="letter",
            ref=letter.id,
            summary=f"{letter.kind.label} letter",
        )
        for letter in followups.letters(school_id, pupil_id=pupil_id)
    ]
    entries += [
        ChronologyEntry(
            at=note.at,
            kind="note",
            ref=note.agreement_id or note.kind,
            summary=f"{note.kind.replace('_', ' ')}: {note.text}"
            + (
                f" (agreement now {status[note.agreement_id].value})"
                if note.agreement_id in status
                and status[note.agreement_id] is not AgreementStatus.OPEN
                else ""
            ),
        )
        for note in followups.notes(school_id, pupil_id)
    ]
    for prompt in followups.prompts(school_id, pupil_id=pupil_id):
        measure = prompt.measure.replace("_", " ")
        entries.append(
            ChronologyEntry(
                at=prompt.raised_at,
                kind="referral_prompt",
                ref=prompt.id,
                summary=f"{measure}: {prompt.evidence.get('summary', '')}",
            )
        )
        if prompt.decision is not None and prompt.decided_at is not None:
            entries.append(
                ChronologyEntry(
                    at=prompt.decided_at,
                    kind="referral_decision",
                    ref=prompt.id,
                    summary=f"{prompt.decision.value.replace('_', ' ')} "
                    f"(by {prompt.decided_by}): {prompt.reason or ''}",
                )
            )
    return entries


def assemble(
    store: Store, followups: FollowUpStore, school: School, pupil_id: str, now: datetime
) -> EvidencePack:
    """The pupil's evidence pack, chronology in date order."""
    entries = _visit_entries(store, school.id, pupil_id)
    entries += _followup_entries(followups, school.id, pupil_id)
    entries.sort(key=lambda entry: (entry.at, entry.kind, entry.ref))
    months = attendance_by_month(followups.marks_of(school.id, pupil_id))
    if not months:
        summary = store.attendance_of(school.id, pupil_id)
        if summary is not None:
            months = [
                MonthAttendance(
                    month=summary.since.strftime("%Y-%m"),
                    possible_sessions=summary.possible_sessions,
                    attended_sessions=summary.attended_sessions,
                    unauthorised_sessions=0,
                    first_day=summary.since,
                    last_day=summary.until,
                )
            ]
    pupil = store.get_pupil(school.id, pupil_id)
    return EvidencePack(
        school_id=school.id,
        school_name=school.name,
        pupil_id=pupil_id,
        pupil_reference=f"pupil:{pupil_id}",
        pupil_name=f"{pupil.first_name} {pupil.last_name}" if pupil else None,
        generated_at=now,
        chronology=tuple(entries),
        attendance_by_month=tuple(months),
    )


def render_html(pack: EvidencePack, school: School, *, templates: Path | None = None) -> str:
    """The pack as one HTML document."""
    zone = ZoneInfo(school.timezone)
    chronology: list[dict[str, Any]] = [
        {
            "local_at": entry.at.astimezone(zone),
            "kind_label": KIND_LABELS.get(entry.kind, entry.kind),
            "summary": entry.summary,
        }
        for entry in pack.chronology
    ]
    return (
        environment(templates)
        .get_template("evidence.html")
        .render(
            school=school,
            kind_label="referral evidence pack",
            reference=pack.pupil_reference,
            pupil_name=pack.pupil_name,
            generated_at=pack.generated_at.astimezone(zone),
            months=pack.attendance_by_month,
            chronology=chronology,
        )
    )


def write_pack(
    pack: EvidencePack, school: School, out_dir: Path, *, templates: Path | None = None
) -> tuple[Path, Path]:
    """Write the pack's JSON and PDF (mode 0600); returns their paths."""
    stem = f"{pack.pupil_id}-evidence"
    json_path = write_private(out_dir / f"{stem}.json", pack.model_dump_json(indent=2))
    html = render_html(pack, school, templates=templates)
    pdf_path = write_private(out_dir / f"{stem}.pdf", html_to_pdf(html))
    log.info("evidence.written", school=school.id, entries=len(pack.chronology))
    return json_path, pdf_path
