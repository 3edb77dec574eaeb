"""A policy pack as plain-English numbered rules a member of staff can read.

``explain(pack)`` is pure: it turns the pack into rules grouped by the moment of the
visit they apply to, and marks each as the school's own rule (with the clauses of its
policy it comes from) or a Doorstep default where the policy is silent. The duress
code phrase is left out unless asked for: a printed sheet must not give it away.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hub.models import CheckInKind, StaffRole, VisitReason
from hub.policy import PolicyPack, Section

WIDTH = 88
"""Lines are wrapped to this width."""

_VISIT_LIST = {
    "daily": "from a daily list of visits",
    "weekly": "from a weekly list of visits",
    "daily_or_weekly": "from a daily or weekly list of visits",
}
_CHECK_IN_MOMENTS = {
    CheckInKind.DEPARTED: "when you set off",
    CheckInKind.ARRIVED: "when you arrive",
    CheckInKind.INTERVAL: "at each interval",
    CheckInKind.LEFT: "when you leave the home",
    CheckInKind.RETURNED: "when you are back",
}
_PLACES = {
    "cpoms": "CPOMS",
    "mis": "the MIS",
    "cpoms_and_mis": "CPOMS and the MIS",
    "paper": "paper",
    "mis_and_cpoms": "the MIS and CPOMS",
    "attendance_record": "the pupil's attendance record",
}
_RECORD_FIELDS = {
    "seen": "who was seen",
    "pupil": "the pupil's name",
    "parent_signature": "the parent's signature",
    "staff_signature": "the staff signature",
}
_REASONS = {
    VisitReason.ATTENDANCE_CONCERN: "an attendance concern",
    VisitReason.REFUSING_SCHOOL: "a pupil refusing school",
    VisitReason.EXCLUDED: "an excluded pupil",
    VisitReason.MEDICAL: "illness or a medical condition",
    VisitReason.EDUCATED_AT_HOME: "a pupil educated at home",
    VisitReason.WELFARE_CONCERN: "a welfare or safeguarding concern",
    VisitReason.OTHER_CONTACT_FAILED: "all other contact having failed",
    VisitReason.PARENT_CANNOT_COME_IN: "a parent who cannot come in",
    VisitReason.PARENT_REQUEST: "a parent's request",
    VisitReason.TRANSITION: "transition",
    VisitReason.DROPPING_OFF_WORK: "dropping off work",
    VisitReason.SUSPECTED_HOLIDAY: "a suspected holiday",
    VisitReason.HOME_WITHOUT_PARENT_KNOWLEDGE: "a pupil at home without the parent knowing",
    VisitReason.PARENT_COLLUDING: "a parent colluding in absence",
    VisitReason.PARENT_ABILITY_IN_QUESTION: "a parent's ability to cope in question",
}


@dataclass(frozen=True)
class Rule:
    """One numbered rule: what to do, and which keys of which sections it comes from."""

    text: str
    cites: tuple[tuple[Section, tuple[str, ...]], ...]

    @classmethod
    def of(cls, text: str, section: Section, *keys: str) -> Rule:
        """A rule drawn from ``keys`` of one section."""
        return cls(text, ((section, keys),))

    @property
    def marker(self) -> str:
        """Whether this is the school's own rule (with clauses) or a Doorstep default."""
        pairs = [(section, key) for section, keys in self.cites for key in keys]
        defaults = [key for section, key in pairs if section.is_default_key(key)]
        if len(defaults) == len(pairs):
            return "[Doorstep default: the policy is silent]"
        labels: list[str] = []
        for section, keys in self.cites:
            if not all(section.is_default_key(key) for key in keys):
                labels += [label for label in clauses_of(section) if label not in labels]
        cited = ", ".join(labels) or "see 'Where these rules come from'"
        if defaults:
            return f"[school policy: {cited}; partly a Doorstep default where it is silent]"
        return f"[school policy: {cited}]"


def clauses_of(section: Section) -> list[str]:
    """The clause labels a section's source cites: the text before each part's colon."""
    labels = []
    for part in section.source.split("; "):
        label, colon, _ = part.partition(":")
        if colon and not part.startswith("default:") and len(label) <= 60:
            labels.append(label.strip())
    return labels


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(items: Sequence[str], last: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def _role(role: StaffRole) -> str:
    article = "a" if role.label.startswith("member ") else "the"
    return f"{article} {role.label}"


def _roles(roles: Iterable[StaffRole], last: str = "or") -> str:
    return _join([_role(role) for role in roles], last) or "nobody"


def _before(pack: PolicyPack) -> list[Rule]:
    auth, staffing = pack.authorisation, pack.staffing
    who = _sentence(_roles(auth.roles))
    if auth.visit_list == "per_visit":
        text = f"{who} must authorise each visit before it happens."
    else:
        text = (
            f"{who} must authorise every visit, {_VISIT_LIST[auth.visit_list]}, before it happens."
        )
    rules = [Rule.of(text, auth, "roles", "visit_list")]
    if auth.senior_team_told:
        rules.append(
            Rule.of(
                "A member of the senior team must know of each visit.", auth, "senior_team_told"
            )
        )
    rules += [
        Rule.of(_pairs_text(pack), staffing, "pairs", "solo_requires_reason", "solo_notify"),
        Rule.of(
            f"Before going out, give your mobile number to {_roles(staffing.mobile_held_by)} "
            "and your car's make, model, registration and colour to "
            f"{_roles(staffing.vehicle_details_held_by)}.",
            staffing,
            "mobile_held_by",
            "vehicle_details_held_by",
        ),
        _unannounced_rule(pack),
    ]
    if pack.records.written_appointment_confirmation:
        rules.append(
            Rule.of(
                "Record written confirmation of the appointment before the visit.",
                pack.records,
                "written_appointment_confirmation",
            )
        )
    return rules + _clause_rules(pack)


def _pairs_text(pack: PolicyPack) -> str:
    staffing = pack.staffing
    text = {
        "required": "Two members of staff go on every visit.",
        "preferred": "Visits are made in pairs unless that is not possible.",
        "optional": "Staff may visit alone or in pairs.",
    }[staffing.pairs]
    if staffing.solo_requires_reason or staffing.pairs == "required":
        text += " Going alone needs a written reason the authoriser accepts."
    if staffing.solo_notify:
        text += f" {_sentence(_roles(staffing.solo_notify, 'and'))} must be told of a solo visit."
    return text


def _unannounced_rule(pack: PolicyPack) -> Rule:
    rule = pack.unannounced
    if not rule.allowed_reasons:
        text = "Every visit is announced: tell the parents first (letter, phone or SMS)."
    else:
        reasons = _join([_REASONS[reason] for reason in rule.allowed_reasons], "or")
        text = (
            "Tell the parents first (letter, phone or SMS). Only a visit for "
            f"{reasons} may be unannounced."
        )
        if rule.usually_by:
            text += f" Those visits are normally made by {_roles(rule.usually_by)}."
    return Rule.of(text, rule, "allowed_reasons", "usually_by")


def _clause_rules(pack: PolicyPack) -> list[Rule]:
    clauses = pack.clauses
    hours = clauses.outside_school_hours
    wanted = [
        (
            "remote_meeting_first",
            clauses.remote_meeting_first,
            "First try to meet the parents remotely; visit only if that cannot work.",
        ),
        (
            "no_visit_while_self_isolating",
            clauses.no_visit_while_self_isolating,
            "Do not visit while the pupil is self-isolating.",
        ),
        (
            "risk_questionnaire_first_visit",
            clauses.risk_questionnaire_first_visit,
            "Complete the home visiting risk assessment before visiting a home for the first time.",
        ),
        (
            "contact_other_services_first",
            clauses.contact_other_services_first,
            "Ask any other service supporting the family whether there are risks to staff.",
        ),
        ("book_calendar", clauses.book_calendar, "Book the visit in your calendar."),
        (
            "outside_school_hours",
            hours == "discouraged",
            "Avoid visits outside school opening hours: the policy strongly advises against them.",
        ),
        (
            "outside_school_hours",
            hours == "forbidden",
            "Never visit outside school opening hours.",
        ),
    ]
    return [Rule.of(text, clauses, key) for key, applies, text in wanted if applies]


def _while_out(pack: PolicyPack) -> list[Rule]:
    check_ins = pack.check_ins
    moments = [_CHECK_IN_MOMENTS[kind] for kind in check_ins.required]
    if check_ins.between_visits:
        moments.append("between one visit and the next")
    rules = [
        Rule.of(
            f"Check in with {_roles(check_ins.report_to)} {_join(moments)}.",
            check_ins,
            "required",
            "between_visits",
            "report_to",
        )
    ]
    if check_ins.interval_minutes is not None:
        every = _duration(check_ins.interval_minutes)
        rules.append(
            Rule.of(
                f"While you are out, check in at least every {every}.",
                check_ins,
                "interval_minutes",
            )
        )
    return rules


def _duration(minutes: int) -> str:
    if minutes % 60:
        return f"{minutes} minutes"
    hours = minutes // 60
    return "hour" if hours == 1 else f"{hours} hours"


def _on_the_doorstep(pack: PolicyPack) -> list[Rule]:
    door = pack.doorstep
    card = "leave a calling card and " if door.calling_card_on_no_access else ""
    rules = [
        Rule.of(
            "If nobody answers the door or the parent is not there at the arranged time, "
            f"wait at most {door.parent_absent_wait_minutes} minutes, then {card}"
            "cancel the visit.",
            door,
            "parent_absent_wait_minutes",
            "calling_card_on_no_access",
        )
    ]
    if door.late_arrival_cancel_minutes is not None:
        rules.append(
            Rule.of(
                "If the parent has said they will be late, do not go in until they arrive; "
                f"if they are more than {door.late_arrival_cancel_minutes} minutes late, "
                "cancel the visit.",
                door,
                "late_arrival_cancel_minutes",
            )
        )
    enter = (
        "Never go into the home unless a parent or responsible adult is there."
        if door.enter_only_if_parent_present
        else "Where possible, a parent or another adult should be there when you see the pupil."
    )
    rules.append(Rule.of(enter, door, "enter_only_if_parent_present"))
    rules.append(
        Rule.of(
            _unsafe_text(pack),
            door,
            "animals_must_be_secured",
            "cancellation_reasons_in_writing_to",
        )
    )
    return rules


def _unsafe_text(pack: PolicyPack) -> str:
    door = pack.doorstep
    text = "Do not go in if you feel unsafe."
    if door.animals_must_be_secured:
        text += (
            " If potentially dangerous animals are not kept in a separate room, cancel the visit."
        )
    if door.cancellation_reasons_in_writing_to:
        written_to = _roles(door.cancellation_reasons_in_writing_to, "and")
        text += f" Give the reason for cancelling in writing to {written_to}."
    return text


def _overdue(pack: PolicyPack) -> list[Rule]:
    escalation = pack.escalation
    lines = [
        f"If you have not checked in {pack.overdue.grace_minutes} minutes after the planned "
        "end of the visit or a check-in that was due, the school acts in this order:"
    ]
    for number, rung in enumerate(escalation.rungs, start=1):
        reaches = _join([target.label for target in rung.reaches])
        lines.append(
            f"{number}) {rung.says} This reaches {reaches}; someone must acknowledge "
            f"within {rung.ack_window_minutes} minutes or the next step starts."
        )
    lines.append(
        f"If nobody acknowledges step {len(escalation.rungs)}, "
        f"{_roles(escalation.exhausted_alerts, 'and')} are alerted."
    )
    cites = ((pack.overdue, ("grace_minutes",)), (escalation, ("rungs", "exhausted_alerts")))
    return [Rule("\n".join(lines), cites)]


def _in_danger(pack: PolicyPack, reveal_code_phrase: bool) -> list[Rule]:
    duress = pack.duress
    jump = (
        f"goes straight to step {pack.rung_number(duress.rung)} of the list above, "
        "silently: your screen looks normal."
    )
    rules = []
    if duress.code_phrase is not None:
        phrase = (
            f'"{duress.code_phrase.get_secret_value()}"'
            if reveal_code_phrase
            else "(hidden here; shown only with --reveal-code-phrase)"
        )
        rules.append(
            Rule.of(
                "To call for help without anyone noticing, use the school's code phrase when "
                f"you contact school: {phrase}. It {jump}",
                duress,
                "code_phrase",
                "rung",
            )
        )
    if duress.pin_enabled:
        rules.append(
            Rule.of(f"Your duress PIN on the check-in page {jump}", duress, "pin_enabled", "rung")
        )
    return rules


def _after(pack: PolicyPack) -> list[Rule]:
    records, attendance = pack.records, pack.attendance
    fields = [_RECORD_FIELDS.get(name, name.replace("_", " ")) for name in records.required_fields]
    rules = [
        Rule.of(
            f"Record the visit on {_PLACES[records.destination]} with {_join(fields)}.",
            records,
            "destination",
            "required_fields",
        ),
        Rule.of(
            f"Record any agreements on {_PLACES[records.agreements_to]}.", records, "agreements_to"
        ),
    ]
    if records.alert_roles:
        rules.append(
            Rule.of(
                f"Any safeguarding concern alerts {_roles(records.alert_roles, 'and')} at once.",
                records,
                "alert_roles",
            )
        )
    if attendance.enabled:
        text = (
            f"If the pupil's attendance falls below {attendance.below_percent:g}% over "
            f"{attendance.window_months} months, {_roles(attendance.notify, 'and')} "
            "is prompted to refer the pupil to the local authority."
        )
    else:
        text = "Doorstep does not prompt an attendance referral to the local authority."
    keys = ("enabled", "below_percent", "window_months", "notify")
    rules.append(Rule.of(text, attendance, *keys))
    return rules


def _numbered(number: int, rule: Rule) -> list[str]:
    first, *rest = rule.text.split("\n")
    lines = textwrap.wrap(first, WIDTH, initial_indent=f"{number:>3}. ", subsequent_indent=" " * 5)
    for step in rest:
        lines += textwrap.wrap(step, WIDTH, initial_indent=" " * 5, subsequent_indent=" " * 8)
    return lines + textwrap.wrap(
        rule.marker, WIDTH, initial_indent=" " * 5, subsequent_indent=" " * 6
    )


def explain(pack: PolicyPack, *, reveal_code_phrase: bool = False) -> str:
    """The pack as numbered plain-English rules, grouped by the moment they apply."""
    groups = [
        ("Before a visit", _before(pack)),
        ("While you are out", _while_out(pack)),
        ("On the doorstep", _on_the_doorstep(pack)),
        ("If you do not check in", _overdue(pack)),
        ("If you are in danger", _in_danger(pack, reveal_code_phrase)),
        ("After the visit", _after(pack)),
    ]
    seed = f", seed {pack.seed}" if pack.seed else ""
    lines = [
        f"{pack.school_name}: home visit rules",
        f"Policy pack {pack.id} (policy of {pack.policy_version}{seed}).",
        "Each rule says whether it is the school's own, with the clauses of its policy,",
        "or a Doorstep default, used where the policy is silent.",
    ]
    number = 0
    for title, rules in groups:
        lines += ["", title]
        for rule in rules:
            number += 1
            lines += _numbered(number, rule)
    lines += ["", "Where these rules come from"]
    for name in PolicyPack.model_fields:
        section = getattr(pack, name)
        if isinstance(section, Section):
            lines += textwrap.wrap(
                f"{name}: {section.source}", WIDTH, initial_indent="  ", subsequent_indent="    "
            )
    return "\n".join(lines) + "\n"
