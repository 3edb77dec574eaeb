"""The daily evaluation of one school: attendance findings and agreement tracking.

``evaluate_school`` is a plain function, given ``now``. The engine runs it once a day
per school (``hub.engine.daily``, through ``hub.followup.daily.run_daily``, which pulls
the register first); ``doorstep attendance evaluate`` runs it by hand. It raises:

- **referral prompts** to the pack's roles (``pack.attendance.notify``) for the pack's
  rule and the penalty-notice threshold. Nothing goes to a local authority: a person
  decides (``hub.followup.decisions.decide``, ``doorstep attendance decide``) and the
  decision and its reason are kept;
- **suggested visits** (reason ``attendance_concern``) for the pack's rule and for
  persistent or severe absence;
- **agreement breaches**: a note and a reminder letter, then a follow-up visit
  proposal (``hub.followup.agreements``).

It is idempotent within a day and quiet afterwards: a pupil with an open prompt or
suggestion for the same measure, or one decided within ``quiet_days``, gets no new
one. Logs carry counts only, never a pupil or an attendance figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import structlog

from hub.followup.agreements import Step, next_step
from hub.followup.calendar import TermCalendar
from hub.followup.letters import LetterFacts, produce_letter
from hub.followup.records import (
    AgreementStatus,
    FollowUpNote,
    Letter,
    LetterKind,
    ProposalCause,
    ProposalStatus,
    ReferralPrompt,
    TrackedAgreement,
    VisitProposal,
)
from hub.followup.repository import FollowUpStore
from hub.models import Agreement, School, VisitReason
from hub.plugins.attendance import AttendanceFinding, Measure, Thresholds, evaluate
from hub.policy import PolicyPack
from hub.store import Store

log = structlog.get_logger(__name__)

PROMPTING = frozenset({Measure.PACK_REFERRAL, Measure.PENALTY_NOTICE})
"""Measures that prompt a person to consider a referral."""

SUGGESTING = frozenset({Measure.PACK_REFERRAL, Measure.PERSISTENT_ABSENCE, Measure.SEVERE_ABSENCE})
"""Measures that suggest an attendance visit."""

QUIET_DAYS = 28
"""After a decision, the same measure does not prompt again for this many days."""


@dataclass
class DailyOutcome:
    """What one day's evaluation of one school raised."""

    school_id: str
    prompts: list[ReferralPrompt] = field(default_factory=list)
    proposals: list[VisitProposal] = field(default_factory=list)
    reminders: list[Letter] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    """Ids of agreements found kept today."""

    def summary(self) -> str:
        """One line of counts, safe to print and log."""
        return (
            f"{self.school_id}: {len(self.prompts)} referral prompts, "
            f"{len(self.proposals)} suggested visits, {len(self.reminders)} reminder letters, "
            f"{len(self.kept)} agreements kept"
        )


@dataclass(frozen=True)
class DailyOptions:
    """How the evaluation runs; ``letters_dir`` None writes no letter files."""

    calendar: TermCalendar | None = None
    thresholds: Thresholds = field(default_factory=Thresholds)
    letters_dir: Path | None = None
    templates: Path | None = None
    quiet_days: int = QUIET_DAYS
    pdf: bool = True
    notify_channel: str | None = None
    """Where the prompted roles are told of the day's new prompts; None tells nobody."""


def evaluate_school(
    store: Store,
    followups: FollowUpStore,
    school: School,
    pack: PolicyPack,
    *,
    now: datetime,
    options: DailyOptions | None = None,
) -> DailyOutcome:
    """Evaluate one school on the day of ``now``; see the module docstring."""
    options = options or DailyOptions()
    outcome = DailyOutcome(school_id=school.id)
    on = now.date()
    marked = set(followups.pupils_with_marks(school.id))
    for pupil_id in sorted(marked | set(store.cached_pupils(school.id))):
        marks = followups.marks_of(school.id, pupil_id) if pupil_id in marked else []
        summary = None if marks else store.attendance_of(school.id, pupil_id)
        findings = evaluate(
            pack,
            pupil_id,
            on,
            marks=marks,
            summary=summary,
            calendar=options.calendar,
            thresholds=options.thresholds,
        )
        _raise_for(followups, school, findings, now, options, outcome)
    _track_agreements(store, followups, school, pack, now, options, outcome)
    log.info(
        "followup.daily",
        school=school.id,
        prompts=len(outcome.prompts),
        proposals=len(outcome.proposals),
        reminders=len(outcome.reminders),
        kept=len(outcome.kept),
    )
    return outcome


def _raise_for(
    followups: FollowUpStore,
    school: School,
    findings: list[AttendanceFinding],
    now: datetime,
    options: DailyOptions,
    outcome: DailyOutcome,
) -> None:
    if not findings:
        return
    pupil_id = findings[0].pupil_id
    quiet_since = now - timedelta(days=options.quiet_days)
    earlier = followups.prompts(school.id, pupil_id=pupil_id)
    for finding in findings:
        if finding.measure not in PROMPTING:
            continue
        same = [p for p in earlier if p.measure == finding.measure.value]
        if any(p.decision is None or (p.decided_at or now) > quiet_since for p in same):
            continue
        prompt = ReferralPrompt(
            id=f"{finding.measure.value}:{pupil_id}:{now.date().isoformat()}",
            school_id=school.id,
            pupil_id=pupil_id,
            measure=finding.measure.value,
            raised_at=now,
            notify=finding.notify,
            evidence=finding.model_dump(mode="json"),
        )
        if followups.add_prompt(prompt):
            outcome.prompts.append(prompt)
    suggesting = [f for f in findings if f.measure in SUGGESTING]
    if not suggesting:
        return
    open_attendance = followups.proposals(school.id, pupil_id=pupil_id, status=ProposalStatus.OPEN)
    recent = [p for p in open_attendance if p.cause is ProposalCause.ATTENDANCE]
    if recent:
        return
    proposal = VisitProposal(
        id=f"attendance:{pupil_id}:{now.date().isoformat()}",
        school_id=school.id,
        pupil_id=pupil_id,
        reason=VisitReason.ATTENDANCE_CONCERN,
        cause=ProposalCause.ATTENDANCE,
        raised_at=now,
        evidence={"findings": [f.model_dump(mode="json") for f in suggesting]},
    )
    if followups.add_proposal(proposal):
        outcome.proposals.append(proposal)


def _agreements(store: Store, school_id: str) -> list[Agreement]:
    return [
        a for visit in store.list_visits(school_id) for a in store.agreements(school_id, visit.id)
    ]


def _track_agreements(
    store: Store,
    followups: FollowUpStore,
    school: School,
    pack: PolicyPack,
    now: datetime,
    options: DailyOptions,
    outcome: DailyOutcome,
) -> None:
    tracked = {t.agreement_id: t for t in followups.tracking(school.id)}
    for agreement in _agreements(store, school.id):
        current = tracked.get(agreement.id) or TrackedAgreement(
            school_id=school.id,
            agreement_id=agreement.id,
            visit_id=agreement.visit_id,
            pupil_id=agreement.pupil_id,
        )
        if agreement.id not in tracked:
            followups.save_tracking(current)
        marks = followups.marks_of(school.id, agreement.pupil_id)
        step = next_step(current, agreement, pack, marks, now.date())
        if step is Step.KEPT:
            followups.save_tracking(
                current.model_copy(update={"status": AgreementStatus.KEPT, "checked_at": now})
            )
            _note(
                followups,
                school.id,
                agreement,
                now,
                "agreement_kept",
                "attendance since met the line",
            )
            outcome.kept.append(agreement.id)
        elif step is Step.REMIND:
            letter = _reminder(store, followups, school, pack, agreement, now, options)
            followups.save_tracking(
                current.model_copy(
                    update={"breaches": 1, "checked_at": now, "reminder_letter_id": letter.id}
                )
            )
            _note(
                followups,
                school.id,
                agreement,
                now,
                "agreement_not_kept",
                "reminder letter produced",
            )
            outcome.reminders.append(letter)
        elif step is Step.PROPOSE_VISIT:
            proposal = VisitProposal(
                id=f"agreement:{agreement.id}",
                school_id=school.id,
                pupil_id=agreement.pupil_id,
                cause=ProposalCause.AGREEMENT_BROKEN,
                agreement_id=agreement.id,
                raised_at=now,
                evidence={"agreement_id": agreement.id, "breaches": 2},
            )
            if followups.add_proposal(proposal):
                outcome.proposals.append(proposal)
            followups.save_tracking(
                current.model_copy(
                    update={
                        "status": AgreementStatus.BROKEN,
                        "breaches": 2,
                        "checked_at": now,
                        "proposal_id": proposal.id,
                    }
                )
            )
            _note(
                followups, school.id, agreement, now, "agreement_broken", "follow-up visit proposed"
            )


def _note(
    followups: FollowUpStore,
    school_id: str,
    agreement: Agreement,
    now: datetime,
    kind: str,
    text: str,
) -> None:
    followups.add_note(
        FollowUpNote(
            school_id=school_id,
            pupil_id=agreement.pupil_id,
            at=now,
            kind=kind,
            text=text,
            agreement_id=agreement.id,
        )
    )


def _reminder(
    store: Store,
    followups: FollowUpStore,
    school: School,
    pack: PolicyPack,
    agreement: Agreement,
    now: datetime,
    options: DailyOptions,
) -> Letter:
    letter_id = f"reminder-{agreement.id}"
    pupil = store.get_pupil(school.id, agreement.pupil_id)
    if options.letters_dir is None or pupil is None:
        letter = Letter(
            id=letter_id,
            school_id=school.id,
            pupil_id=agreement.pupil_id,
            kind=LetterKind.REMINDER,
            created_at=now,
            visit_id=agreement.visit_id,
            agreement_id=agreement.id,
        )
    else:
        contacts = [c for c in store.contacts_of(school.id, pupil.id) if c.parental_responsibility]
        facts = LetterFacts(
            kind=LetterKind.REMINDER,
            school=school,
            pack=pack,
            pupil=pupil,
            contact=contacts[0] if contacts else None,
            on=now.date(),
            agreement=agreement,
        )
        letter = produce_letter(
            facts,
            letter_id=letter_id,
            out_dir=options.letters_dir / school.id,
            created_at=now,
            templates=options.templates,
            pdf=options.pdf,
        )
    followups.add_letter(letter)
    return letter
