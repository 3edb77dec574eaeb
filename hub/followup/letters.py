"""Reminder, appointment and calling-card letters: Jinja2 templates to HTML and PDF.

Templates are per school: a school's own folder (``templates``) is searched first, then
the built-in ones in ``hub/followup/templates``. Every letter carries the school's name
and the pack's own wording (how long staff wait, whether a parent must be present, the
school's attendance rule). Values are HTML-escaped. Letters are written only to the
folder the caller names, with mode 0600; nothing about their content is logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined

from hub.followup.files import write_private
from hub.followup.pdf import html_to_pdf
from hub.followup.records import Letter, LetterKind
from hub.models import Address, Agreement, Contact, Pupil, School, Visit
from hub.policy import PolicyPack

log = structlog.get_logger(__name__)


def environment(templates: Path | None = None) -> Environment:
    """A Jinja2 environment: the school's ``templates`` folder first, then the built-ins."""
    loaders: list[Any] = [PackageLoader("hub.followup", "templates")]
    if templates is not None:
        loaders.insert(0, FileSystemLoader(templates))
    return Environment(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass(frozen=True)
class LetterFacts:
    """What one letter is about. ``on`` is the letter's date."""

    kind: LetterKind
    school: School
    pack: PolicyPack
    pupil: Pupil
    contact: Contact | None
    on: date
    visit: Visit | None = None
    agreement: Agreement | None = None


def attendance_rule_words(pack: PolicyPack) -> str:
    """The pack's attendance rule, as a letter says it (empty when the pack has none)."""
    rule = pack.attendance
    if not rule.enabled:
        return ""
    months = f"{rule.window_months} month" + ("s" if rule.window_months != 1 else "")
    return (
        f"The school's attendance policy says that when a pupil's attendance falls below "
        f"{rule.below_percent:g}% over {months}, the local authority may be asked to consider "
        "further action. We would much rather work this out together first."
    )


def visit_wording(pack: PolicyPack) -> list[str]:
    """What the pack says families should know about a visit, in plain sentences."""
    doorstep = pack.doorstep
    lines = []
    if doorstep.enter_only_if_parent_present:
        lines.append("A parent or carer must be at home: staff will not come in otherwise.")
    lines.append(
        f"If nobody is at home, staff will wait no longer than "
        f"{doorstep.parent_absent_wait_minutes} minutes."
    )
    if doorstep.late_arrival_cancel_minutes:
        lines.append(
            "If you are running late, please ring the school; after "
            f"{doorstep.late_arrival_cancel_minutes} minutes we will arrange another day."
        )
    if doorstep.animals_must_be_secured:
        lines.append("Please keep any pets in another room while we visit.")
    return lines


def _local(moment: datetime | None, school: School) -> datetime | None:
    return moment.astimezone(ZoneInfo(school.timezone)) if moment is not None else None


def _address(facts: LetterFacts) -> Address | None:
    if facts.contact is not None and facts.contact.address is not None:
        return facts.contact.address
    return facts.pupil.address


def letter_context(facts: LetterFacts) -> dict[str, Any]:
    """The values a letter template is given."""
    agreement, visit = facts.agreement, facts.visit
    return {
        "school": facts.school,
        "kind_label": facts.kind.label,
        "reference": facts.pupil.reference,
        "on": facts.on,
        "recipient_name": facts.contact.name if facts.contact else "Parent or carer",
        "address": _address(facts),
        "pupil_name": facts.pupil.first_name,
        "action": agreement.action if agreement else "",
        "due_by": agreement.due_by if agreement else None,
        "agreed_on": _local(agreement.made_at, facts.school) if agreement else facts.on,
        "rule": attendance_rule_words(facts.pack),
        "starts": _local(visit.planned_start, facts.school) if visit else None,
        "called_at": _local(visit.planned_start, facts.school) if visit else None,
        "wording": visit_wording(facts.pack),
    }


def render_html(facts: LetterFacts, *, templates: Path | None = None) -> str:
    """The letter as one HTML document."""
    if facts.kind is LetterKind.REMINDER and facts.agreement is None:
        raise ValueError("a reminder letter needs the agreement it reminds of")
    if facts.kind is LetterKind.APPOINTMENT and facts.visit is None:
        raise ValueError("an appointment letter needs the visit")
    template = environment(templates).get_template(f"{facts.kind.value}.html")
    return template.render(**letter_context(facts))


def produce_letter(
    facts: LetterFacts,
    *,
    letter_id: str,
    out_dir: Path,
    created_at: datetime,
    templates: Path | None = None,
    pdf: bool = True,
) -> Letter:
    """Render a letter, write ``<letter_id>.html`` (and ``.pdf``) into ``out_dir`` with
    mode 0600, and return its record (ids and paths only)."""
    html = render_html(facts, templates=templates)
    html_path = write_private(out_dir / f"{letter_id}.html", html)
    pdf_path = write_private(out_dir / f"{letter_id}.pdf", html_to_pdf(html)) if pdf else None
    log.info("letter.produced", school=facts.school.id, letter=letter_id, kind=facts.kind.value)
    return Letter(
        id=letter_id,
        school_id=facts.school.id,
        pupil_id=facts.pupil.id,
        kind=facts.kind,
        created_at=created_at,
        visit_id=facts.visit.id if facts.visit else None,
        agreement_id=facts.agreement.id if facts.agreement else None,
        html_path=str(html_path),
        pdf_path=str(pdf_path) if pdf_path else None,
    )
