"""One whole home visit, from request to return, on the pure workflow and the hooks.

The demo drives its own clock: it jumps from one deadline to the next instead of
waiting, so a visit that lasts hours runs in a second. Every step goes through the
same code a school runs: the workflow's guards, the hooks facade (pull, assess,
resolve, observe), the audit plugin writing to the store. Nothing is delivered:
until notification and safeguarding adapters are configured, the timeline says
plainly what would be sent and that it was not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hub.demo.roster import DemoRoster
from hub.hooks.manager import Hooks, build_hooks
from hub.models import (
    Acknowledgement,
    Agreement,
    CheckIn,
    CheckInChannel,
    CheckInKind,
    OutcomeKind,
    RiskAssessment,
    RiskQuestionnaire,
    School,
    Signature,
    StaffMember,
    StaffRole,
    Visit,
    VisitNote,
    VisitReason,
)
from hub.policy import PolicyPack
from hub.store import Store
from hub.workflow import (
    Deadline,
    DeadlineKind,
    OnTheDay,
    Transition,
    acknowledge,
    assess,
    authorise,
    close,
    local_time,
    next_deadline,
    record_check_in,
    record_escalation,
    record_outcome,
    request,
    rungs_due,
    schedule,
    submit_for_authorisation,
)

Print = Callable[[str], None]


@dataclass
class DemoSummary:
    """What the demo did, for its caller and its tests."""

    visit_id: str
    final_state: str
    events_recorded: int
    escalations: list[int] = field(default_factory=list)
    acknowledged_rung: int | None = None
    undelivered: list[str] = field(default_factory=list)


@dataclass
class _Run:
    """The demo's moving parts: one school, its hooks, its store, and a clock it drives."""

    school: School
    pack: PolicyPack
    hooks: Hooks
    store: Store
    roster: DemoRoster
    out: Print
    now: datetime
    day: OnTheDay = field(default_factory=OnTheDay)
    summary: DemoSummary | None = None
    shown_date: str = ""

    def clock(self, at: datetime) -> str:
        return local_time(at, self.pack).strftime("%H:%M")

    def say(self, at: datetime, what: str, detail: str = "") -> None:
        date = local_time(at, self.pack).strftime("%A %d %B %Y")
        if date != self.shown_date:
            self.out(f" {date}")
            self.shown_date = date
        self.out(f"  {self.clock(at)}  {what:<24}{detail}")

    async def apply(self, transition: Transition) -> Visit:
        """Store the visit, then hand every event to the observers (the audit plugin)."""
        self.store.save_visit(transition.visit)
        for event in transition.events:
            failed = await self.hooks.on_visit_event(event=event)
            if failed:
                self.out(f"           ! observers failed: {', '.join(failed)}")
        return transition.visit

    async def checked_in(self, visit: Visit, staff: StaffMember, kind: CheckInKind) -> Visit:
        """Record a check-in now and show it with the deadline it leaves pending."""
        visit = await self.apply(
            record_check_in(visit, self.check_in(visit, staff, kind), self.now)
        )
        pending = next_deadline(visit, self.pack, self.day, self.now)
        self.say(self.now, f"check-in: {kind.value}", _describe_deadline(pending, self))
        return visit

    def check_in(self, visit: Visit, staff: StaffMember, kind: CheckInKind) -> CheckIn:
        check = CheckIn(
            id=f"{visit.id}-ci-{len(self.day.check_ins) + 1}",
            visit_id=visit.id,
            staff_id=staff.id,
            kind=kind,
            at=self.now,
            channel=CheckInChannel.WEB,
        )
        self.store.save_check_in(visit.school_id, check)
        self.day = self.day.model_copy(update={"check_ins": (*self.day.check_ins, check)})
        return check


def _describe_deadline(deadline: Deadline | None, run: _Run) -> str:
    if deadline is None:
        return "no deadline pending"
    return f"next deadline {run.clock(deadline.at)}: {deadline.kind.value.replace('_', ' ')}"


async def _escalate(run: _Run, visit: Visit, deadline: Deadline) -> Visit:
    """Show one ladder rung: who it reaches, on which channels, and that nothing was sent."""
    assert deadline.rung is not None
    rung = run.pack.rung(deadline.rung)
    channels = run.hooks.resolve_channel_order(visit=visit, rung=rung)
    reaches = ", ".join(target.label for target in deadline.reaches)
    run.say(deadline.at, f"ESCALATION rung {deadline.rung}", f"{rung.name}: {deadline.says}")
    run.out(f"{'':>33}reaches {reaches}")
    run.out(
        f"{'':>33}channels {' → '.join(channels)}: NOT SENT, "
        "no notification adapter is configured in the demo"
    )
    visit = await run.apply(record_escalation(visit, deadline, deadline.at, channels=channels))
    assert run.summary is not None
    run.summary.escalations.append(deadline.rung)
    run.summary.undelivered.append(f"rung {deadline.rung} via {', '.join(channels)}")
    return visit


async def run_demo(
    out: Print,
    *,
    pack: PolicyPack,
    store: Store,
    start: datetime,
    disabled: frozenset[str] = frozenset(),
) -> DemoSummary:
    """Run one visit of the pack's school from request to close, printing its timeline.

    ``start`` is the demo's 'now' when the visit is requested (timezone-aware); the
    visit is planned for 13:00-14:00 school time on the next weekday. ``disabled``
    plugins are not loaded (``DOORSTEP_DISABLE_PLUGINS``).
    """
    school = School(id=pack.id, name=pack.school_name, policy_pack=pack.id, timezone=pack.timezone)
    store.save_school(school)
    roster = DemoRoster.generate(school.id)
    for member in roster.staff:
        store.save_staff(member)
    store.upsert_pupils(list(roster.pupils.values()))
    hooks = build_hooks(
        school, pack=pack, extra=[("demo_roster", roster)], recorder=store, disabled=disabled
    )
    run = _Run(
        school=school, pack=pack, hooks=hooks, store=store, roster=roster, out=out, now=start
    )
    lead = roster.staff_with(StaffRole.ATTENDANCE_OFFICER)
    second = roster.staff_with(StaffRole.STAFF)
    office = roster.staff_with(StaffRole.OFFICE)

    out(f"Doorstep demo: {school.name} (policy pack '{pack.id}')")
    out("Every person below is fake (Faker en_GB). Nothing is sent to anyone.")
    out("")

    pupil = await hooks.pull_pupil(pupil_id="pupil-1")
    contacts = await hooks.pull_contacts(pupil_id=pupil.id)
    household = pupil.address.household_id if pupil.address else None
    flags = await hooks.pull_risk_flags(pupil_id=pupil.id, household_id=household)
    holders = sum(1 for contact in contacts if contact.parental_responsibility)
    out(
        f"Pupil {pupil.reference} (year {pupil.year_group}); household {household}; "
        f"{holders} contact(s) with parental responsibility"
    )
    for flag in flags:
        out(
            f"Risk flag from {flag.source}: {flag.category} "
            f"({flag.severity.value}, {flag.applies_to})"
        )

    local_start = local_time(start, pack)
    visit_day = local_start + timedelta(days=1)
    while visit_day.weekday() >= 5:
        visit_day += timedelta(days=1)
    planned_start = visit_day.replace(hour=13, minute=0, second=0, microsecond=0)
    visit = Visit(
        id="visit-demo-1",
        school_id=school.id,
        pupil_id=pupil.id,
        reason=VisitReason.ATTENDANCE_CONCERN,
        planned_start=planned_start,
        planned_end=planned_start + timedelta(hours=1),
        staff_ids=(lead.id, second.id),
        announced=True,
        requested_by=lead.id,
        requested_at=start,
    )
    run.summary = DemoSummary(visit_id=visit.id, final_state="", events_recorded=0)
    authoriser = hooks.resolve_authoriser(visit=visit)
    approver = roster.staff_with(*authoriser.roles)

    out("")
    out(f"Timeline (times in {pack.timezone}):")
    visit = await run.apply(request(visit, pack, lead, run.now))
    run.say(run.now, "requested", f"{visit.reason.label}; {len(visit.staff_ids)} staff; announced")

    questionnaire = RiskQuestionnaire(
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
    run.now += timedelta(minutes=20)
    findings = hooks.assess_visit(
        visit=visit, flags=flags, questionnaire=questionnaire, now=run.now
    )
    assessment = RiskAssessment(
        id=f"{visit.id}-ra-1",
        visit_id=visit.id,
        completed_by=lead.id,
        completed_at=run.now,
        questionnaire=questionnaire,
        flags=tuple(flags),
        findings=tuple(findings),
    )
    store.save_risk_assessment(school.id, assessment)
    visit = await run.apply(assess(visit, pack, lead, assessment, run.now))
    run.say(run.now, "assessed", f"{len(findings)} finding(s)")
    for finding in findings:
        controls = "; ".join(sorted(control.label for control in finding.controls)) or "none"
        run.out(f"{'':>33}- {finding.summary} → {controls}")

    run.now += timedelta(minutes=5)
    visit = await run.apply(submit_for_authorisation(visit, pack, lead, assessment, run.now))
    who = " or ".join(role.label for role in authoriser.roles)
    run.say(
        run.now, "awaiting authorisation", f"by the {who} ({pack.authorisation.visit_list} list)"
    )

    run.now += timedelta(hours=1)
    visit = await run.apply(authorise(visit, pack, approver, assessment, run.now))
    run.say(run.now, "authorised", f"by {approver.reference}")
    run.now += timedelta(minutes=5)
    letter = pack.records.written_appointment_confirmation
    visit = await run.apply(schedule(visit, pack, lead, run.now, written_confirmation=letter))
    run.say(
        run.now,
        "scheduled",
        f"{run.clock(visit.planned_start)}-{run.clock(visit.planned_end)} "
        f"on {local_time(visit.planned_start, pack):%a %d %b}",
    )

    run.now = visit.planned_start - timedelta(minutes=15)
    visit = await run.checked_in(visit, lead, CheckInKind.DEPARTED)
    run.now = visit.planned_start + timedelta(minutes=2)
    visit = await run.checked_in(visit, lead, CheckInKind.ARRIVED)
    run.out(f"{'':>33}(the staff phone battery dies: no more check-ins arrive)")

    acknowledged = False
    while not acknowledged:
        deadline = next_deadline(visit, pack, run.day, run.now)
        if deadline is None:
            break
        run.now = deadline.at
        if deadline.kind is DeadlineKind.RETURN_DUE or deadline.kind is DeadlineKind.CHECK_IN_DUE:
            run.say(run.now, deadline.kind.value.replace("_", " "), deadline.says)
            run.now += timedelta(seconds=1)
            continue
        for due in rungs_due(visit, pack, run.day, run.now):
            if due.rung is not None and due.rung not in run.summary.escalations:
                visit = await _escalate(run, visit, due)
        if len(run.summary.escalations) >= 2:
            run.now += timedelta(minutes=3)
            ack = Acknowledgement(
                visit_id=visit.id, rung=run.summary.escalations[-1], by=office.id, at=run.now
            )
            store.save_acknowledgement(school.id, ack)
            run.day = run.day.model_copy(
                update={"acknowledgements": (*run.day.acknowledgements, ack)}
            )
            visit = await run.apply(acknowledge(visit, pack, office, ack, run.now))
            run.say(
                run.now,
                f"acknowledged rung {ack.rung}",
                f"by {office.reference} (office): the ladder stops",
            )
            run.summary.acknowledged_rung = ack.rung
            acknowledged = True
        else:
            run.now += timedelta(seconds=1)

    run.now += timedelta(minutes=7)
    recorded = record_outcome(visit, pack, lead, OutcomeKind.COMPLETED, run.now)
    assert recorded.outcome is not None
    store.save_outcome(school.id, visit.id, recorded.outcome)
    visit = await run.apply(recorded)
    run.say(run.now, "outcome: completed", "phoned in to the office from a colleague's phone")
    run.now += timedelta(minutes=20)
    visit = await run.checked_in(visit, lead, CheckInKind.RETURNED)

    parent = contacts[0]
    agreement = Agreement(
        id=f"{visit.id}-ag-1",
        visit_id=visit.id,
        pupil_id=pupil.id,
        action="Pupil to be at the school gate by 08:40 every day next week.",
        owner="parent",
        due_by=(local_time(run.now, pack) + timedelta(days=7)).date(),
        made_at=visit.planned_start + timedelta(minutes=40),
    )
    note = VisitNote(
        id=f"{visit.id}-note-1",
        visit_id=visit.id,
        pupil_id=pupil.id,
        written_by=lead.id,
        written_at=run.now,
        location="Pupil's home",
        seen=("parent", "pupil"),
        discussion="Discussed the pattern of Monday absences and the support on offer.",
        agreements=(agreement,),
        signatures=(
            Signature(signer="parent", signer_id=parent.id, signed_at=agreement.made_at),
            Signature(signer="staff", signer_id=lead.id, signed_at=agreement.made_at),
        ),
    )
    store.save_note(school.id, note)
    run.now += timedelta(minutes=10)
    transition = close(
        visit, pack, lead, run.now, outcome=store.outcome_for(school.id, visit.id), note=note
    )
    visit = await run.apply(transition)
    run.say(run.now, "closed", "note and 1 agreement kept in Doorstep's store")
    run.out(
        f"{'':>33}NOT DELIVERED: no safeguarding system or MIS adapter is configured in the demo"
    )
    run.summary.undelivered += ["visit note", "agreement"]

    run.summary.final_state = visit.state.value
    run.summary.events_recorded = len(store.events(school.id, visit.id))
    out("")
    out(f"Audit log: {run.summary.events_recorded} events recorded for {visit.reference}.")
    return run.summary
