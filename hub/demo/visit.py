"""The demo visit, step by step, through the pure workflow, the hooks and the engine.

Planning steps (request, assess, authorise, schedule) are the workflow's pure steps,
stored and observed through the engine's runtime. Once staff are out, everything is
the engine's: check-ins wake the visit's timer, the timer runs the ladder, an
acknowledgement stops it, and the note with its agreement goes through the outbox.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from hub.demo.report import notices
from hub.demo.roster import DemoRoster
from hub.engine.deliveries import FINISHED
from hub.engine.records import Delivery
from hub.engine.service import Engine
from hub.fakes import RunningFakes
from hub.hooks.manager import Hooks
from hub.hooks.types import CalendarEvent
from hub.models import (
    Acknowledgement,
    Agreement,
    CheckIn,
    CheckInChannel,
    CheckInKind,
    OutcomeKind,
    Pupil,
    RiskAssessment,
    RiskFlag,
    RiskQuestionnaire,
    Signature,
    StaffRole,
    Visit,
    VisitEvent,
    VisitEventKind,
    VisitNote,
    VisitReason,
)
from hub.store import StaleVisitError
from hub.workflow import (
    Transition,
    assess,
    authorise,
    close,
    local_time,
    record_outcome,
    request,
    schedule,
    submit_for_authorisation,
)

if TYPE_CHECKING:
    from hub.demo.live import Timeline

VISIT_ID = "visit-demo-1"
SAVE_RETRIES = 5
QUESTIONNAIRE = RiskQuestionnaire(
    other_agency_identified_risk=False,
    entrances_exits_accessible=True,
    property_hazards=False,
    intimidating_people=False,
    pets_present=True,
    pets_threatening=True,
    safety_measures_in_place=True,
    household_smokes=False,
    smoking_policy_discussed=True,
    contact_outside_home=False,
    pupil_self_isolating=False,
)


class DemoVisit:
    """One visit of the demo school, driven through the engine in real time."""

    def __init__(
        self,
        timeline: Timeline,
        engine: Engine,
        hooks: Hooks,
        roster: DemoRoster,
        pupil: Pupil,
        fakes: RunningFakes,
    ) -> None:
        self.timeline = timeline
        self.engine = engine
        self.runtime = engine.runtime
        self.store = engine.runtime.store
        self.hooks = hooks
        self.pack = hooks.pack
        self.school_id = hooks.school.id
        self.pupil = pupil
        self.fakes = fakes
        self.visit_id = VISIT_ID
        self.lead = roster.staff_with(StaffRole.ATTENDANCE_OFFICER)
        self.second = roster.staff_with(StaffRole.STAFF)
        self.office = roster.staff_with(StaffRole.OFFICE)
        self.roster = roster
        self.note: VisitNote | None = None
        self._check_ins = 0
        self._notices_seen = 0

    # --- helpers ------------------------------------------------------------------------

    async def apply(self, step: Callable[[Visit], Transition]) -> Visit:
        """Apply a pure step to the stored visit; again if the engine changed it meanwhile."""
        for attempt in range(SAVE_RETRIES):
            visit = await self.runtime.visit(self.school_id, self.visit_id)
            try:
                return await self.runtime.apply(step(visit))
            except StaleVisitError:
                if attempt == SAVE_RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    async def check_in(self, kind: CheckInKind) -> None:
        """A check-in by the lead member of staff, through the engine."""
        self._check_ins += 1
        receipt = await self.engine.check_in(
            self.school_id,
            CheckIn(
                id=f"{self.visit_id}-ci-{self._check_ins}",
                visit_id=self.visit_id,
                staff_id=self.lead.id,
                kind=kind,
                at=self.runtime.clock(),
                channel=CheckInChannel.WEB,
            ),
        )
        due = receipt.next_check_in_by
        shown = f"next check-in due {self._clock(due)}" if due else "the timer ends"
        self.timeline.say(f"check-in: {kind.value}", shown)

    def _clock(self, at: datetime) -> str:
        return local_time(at, self.pack).strftime("%H:%M")

    # --- before the visit ---------------------------------------------------------------

    async def plan(self) -> None:
        """Request, assess (flags from CPOMS), authorise, schedule, book the calendars."""
        clock = self.runtime.clock
        flags = await self.risk_flags()
        start = clock() + timedelta(minutes=1)
        planned = Visit(
            id=self.visit_id,
            school_id=self.school_id,
            pupil_id=self.pupil.id,
            reason=VisitReason.ATTENDANCE_CONCERN,
            planned_start=start,
            planned_end=start + timedelta(minutes=1),
            staff_ids=(self.lead.id, self.second.id),
            announced=True,
            requested_by=self.lead.id,
            requested_at=clock(),
        )
        await self.runtime.apply(request(planned, self.pack, self.lead, clock()))
        self.timeline.say(
            "requested", f"{planned.reason.label}; 2 staff; pupil {self.pupil.reference}"
        )
        assessment = await self.assess(planned, flags)
        await self.authorise(assessment)
        await self.book()

    async def risk_flags(self) -> list[RiskFlag]:
        """The pupil's and the household's flags, from the safeguarding system."""
        address = self.pupil.address
        household = address.household_id if address else None
        flags = await self.hooks.pull_risk_flags(pupil_id=self.pupil.id, household_id=household)
        for flag in flags:
            self.timeline.more(
                f"risk flag from {flag.source}: {flag.category} "
                f"({flag.severity.value}, {flag.applies_to})"
            )
        return flags

    async def assess(self, planned: Visit, flags: list[RiskFlag]) -> RiskAssessment:
        """The risk rules' findings on the flags and the questionnaire, stored."""
        clock = self.runtime.clock
        findings = self.hooks.assess_visit(
            visit=planned, flags=flags, questionnaire=QUESTIONNAIRE, now=clock()
        )
        assessment = RiskAssessment(
            id=f"{self.visit_id}-ra-1",
            visit_id=self.visit_id,
            completed_by=self.lead.id,
            completed_at=clock(),
            questionnaire=QUESTIONNAIRE,
            flags=tuple(flags),
            findings=tuple(findings),
        )
        self.store.save_risk_assessment(self.school_id, assessment)
        await self.apply(lambda v: assess(v, self.pack, self.lead, assessment, clock()))
        self.timeline.say("assessed", f"{len(flags)} flag(s), {len(findings)} finding(s)")
        for finding in findings:
            controls = "; ".join(sorted(c.label for c in finding.controls)) or "none"
            self.timeline.more(f"- {finding.summary} → {controls}")
        return assessment

    async def authorise(self, assessment: RiskAssessment) -> None:
        """Submit, authorise by the pack's authoriser, schedule with written confirmation."""
        clock, pack = self.runtime.clock, self.pack
        await self.apply(
            lambda v: submit_for_authorisation(v, pack, self.lead, assessment, clock())
        )
        authoriser = self.hooks.resolve_authoriser(
            visit=await self.runtime.visit(self.school_id, self.visit_id)
        )
        approver = self.roster.staff_with(*authoriser.roles)
        await self.apply(lambda v: authorise(v, pack, approver, assessment, clock()))
        self.timeline.say("authorised", f"by {approver.reference}")
        letter = pack.records.written_appointment_confirmation
        visit = await self.apply(
            lambda v: schedule(v, pack, self.lead, clock(), written_confirmation=letter)
        )
        self.timeline.say(
            "scheduled", f"{self._clock(visit.planned_start)}-{self._clock(visit.planned_end)}"
        )

    async def book(self, *, version: int = 1) -> None:
        """Push the calendar booking (version 2 moves it to the actual times)."""
        visit = await self.runtime.visit(self.school_id, self.visit_id)
        ends = visit.planned_end if version == 1 else self.runtime.clock()
        event = CalendarEvent(
            id=f"{self.visit_id}-cal",
            school_id=self.school_id,
            visit_id=self.visit_id,
            starts_at=visit.planned_start,
            ends_at=max(ends, visit.planned_start + timedelta(minutes=1)),
            staff_ids=visit.staff_ids,
        )
        key = f"{self.school_id}:{self.visit_id}:calendar:v{version}"
        receipt = await self.hooks.push_calendar_event(
            visit=visit, event=event, idempotency_key=key
        )
        what = "calendar booked" if version == 1 else "calendar updated"
        self.timeline.say(what, f"{receipt.system} event {receipt.external_id}")

    # --- out on the visit -----------------------------------------------------------------

    async def go_out(self) -> None:
        """Departed, then arrived a (policy) minute later; then nothing more."""
        await self.check_in(CheckInKind.DEPARTED)
        await asyncio.sleep(self.runtime.real_seconds(60))
        await self.check_in(CheckInKind.ARRIVED)
        self.timeline.more("(the staff phone battery dies: no more check-ins arrive)")

    def new_escalations(self, seen: set[str]) -> list[VisitEvent]:
        """ESCALATED events not yet shown (``seen`` holds their keys)."""
        events = self.store.events(self.school_id, self.visit_id)
        return [
            e
            for e in events
            if e.kind is VisitEventKind.ESCALATED and str(e.data.get("key")) not in seen
        ]

    async def show_escalation(self, event: VisitEvent, seen: set[str]) -> int:
        """Print one escalation and what the channel fakes accepted for it."""
        seen.add(str(event.data.get("key")))
        rung_number = event.data.get("rung")
        number = rung_number if isinstance(rung_number, int) else 0
        rung = self.pack.rung(number) if number else None
        channels = str(event.data.get("channels", "")).replace(",", " → ")
        self.timeline.say(f"ESCALATION rung {number}", f"{rung.name}: {rung.says}" if rung else "")
        arrived = notices(self.fakes)[self._notices_seen :]
        self._notices_seen += len(arrived)
        accepted = sorted({f"{n.channel} via {n.system}" for n in arrived})
        self.timeline.more(f"channels {channels}; accepted: {', '.join(accepted) or 'none yet'}")
        self.timeline.more(f"{len(arrived)} message(s) delivered by the fake channels")
        return number

    async def acknowledge_last(self, rung: int) -> int:
        """The office acknowledges the latest rung through the engine: the ladder stops."""
        await asyncio.sleep(self.runtime.real_seconds(30))
        ack = Acknowledgement(
            visit_id=self.visit_id, rung=rung, by=self.office.id, at=self.runtime.clock()
        )
        await self.engine.acknowledge(self.school_id, ack)
        board = await self.engine.board(self.school_id)
        state = next((b.state.value for b in board if b.visit_id == self.visit_id), "?")
        self.timeline.say(
            f"acknowledged rung {rung}",
            f"by {self.office.reference} (office): the ladder stops; board shows {state}",
        )
        return rung

    async def come_back(self) -> None:
        """The outcome, phoned in; then the returned check-in ends the timer."""
        clock = self.runtime.clock

        def completed(visit: Visit) -> Transition:
            transition = record_outcome(visit, self.pack, self.lead, OutcomeKind.COMPLETED, clock())
            assert transition.outcome is not None
            self.store.save_outcome(self.school_id, self.visit_id, transition.outcome)
            return transition

        await self.apply(completed)
        self.timeline.say("outcome: completed", "phoned in to the office from a colleague's phone")
        await self.check_in(CheckInKind.RETURNED)

    # --- after the visit ----------------------------------------------------------------

    async def write_note(self) -> tuple[Delivery, ...]:
        """The note with one agreement, saved with its deliveries atomically by the engine."""
        now = self.runtime.clock()
        contacts = self.store.contacts_of(self.school_id, self.pupil.id)
        made_at = now - timedelta(minutes=1)
        agreement = Agreement(
            id=f"{self.visit_id}-ag-1",
            visit_id=self.visit_id,
            pupil_id=self.pupil.id,
            action="Pupil to be at the school gate by 08:40 every day next week.",
            owner="parent",
            due_by=(local_time(now, self.pack) + timedelta(days=7)).date(),
            made_at=made_at,
        )
        parent = contacts[0].id if contacts else "parent"
        self.note = VisitNote(
            id=f"{self.visit_id}-note-1",
            visit_id=self.visit_id,
            pupil_id=self.pupil.id,
            written_by=self.lead.id,
            written_at=now,
            location="Pupil's home",
            seen=("parent", "pupil"),
            discussion="Discussed the pattern of Monday absences and the support on offer.",
            agreements=(agreement,),
            signatures=(
                Signature(signer="parent", signer_id=parent, signed_at=made_at),
                Signature(signer="staff", signer_id=self.lead.id, signed_at=made_at),
            ),
        )
        planned = await self.engine.record_note(self.school_id, self.note)
        self.timeline.say(
            "note recorded", f"with 1 agreement; {len(planned)} deliveries in the outbox"
        )
        return planned

    def delivered(self, planned: tuple[Delivery, ...]) -> bool:
        """Whether every planned delivery has finished (delivered, or dead)."""
        for delivery in planned:
            found = self.store.get_delivery(self.school_id, delivery.key)
            if found is None or found.status not in FINISHED:
                return False
        return True

    async def close(self) -> Visit:
        """Close the visit with its outcome and note."""
        outcome = self.store.outcome_for(self.school_id, self.visit_id)
        note = self.note
        visit = await self.apply(
            lambda v: close(
                v, self.pack, self.lead, self.runtime.clock(), outcome=outcome, note=note
            )
        )
        self.timeline.say("closed", "note in CPOMS, agreement in the MIS outbox")
        return visit
