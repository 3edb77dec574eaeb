"""Guards: the policy pack's rules, each a small function returning why not.

Every guard returns a list of reasons (empty when the rule is met), written so a
member of staff understands them and never holding personal data: no names, no
addresses, no note or reason text. Workflow steps gather the reasons of every guard
that applies and refuse with all of them at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from hub.models import (
    Control,
    Finding,
    OutcomeKind,
    RiskAssessment,
    StaffMember,
    StaffRole,
    Visit,
)
from hub.policy import PolicyPack

WRITTEN_REASON_OUTCOMES = frozenset({OutcomeKind.UNSAFE, OutcomeKind.ANIMALS})
"""Cancellations whose reason goes in writing to the roles the pack names."""


def _roles(roles: Iterable[StaffRole]) -> str:
    labels = [role.label for role in roles]
    if len(labels) < 2:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " or " + labels[-1]


def authoriser_problems(actor: StaffMember, pack: PolicyPack) -> list[str]:
    """Only a role named in ``pack.authorisation.roles`` may authorise or reject."""
    if actor.has_any_role(set(pack.authorisation.roles)):
        return []
    return [f"only the {_roles(pack.authorisation.roles)} may authorise visits at this school"]


def controls(findings: Iterable[Finding]) -> frozenset[Control]:
    """Every control the findings require."""
    required: set[Control] = set()
    for finding in findings:
        required |= finding.controls
    return frozenset(required)


def do_not_visit_problems(findings: Iterable[Finding]) -> list[str]:
    """A finding whose controls include ``do_not_visit`` blocks the visit."""
    return [
        f"the risk assessment says do not visit: {finding.summary}"
        for finding in findings
        if Control.DO_NOT_VISIT in finding.controls
    ]


def solo_needs_reason(pack: PolicyPack) -> bool:
    """Whether a solo visit needs a written reason the authoriser accepts."""
    return pack.staffing.pairs == "required" or pack.staffing.solo_requires_reason


def staffing_problems(
    visit: Visit, pack: PolicyPack, findings: Iterable[Finding], *, solo_accepted: bool
) -> list[str]:
    """Pairs: a pair-visit control forces two staff; the pack may need an accepted reason."""
    if not visit.is_solo:
        return []
    if Control.PAIR_VISIT in controls(findings):
        return ["the risk assessment requires two members of staff on this visit"]
    if not solo_needs_reason(pack):
        return []
    if not visit.solo_reason:
        if pack.staffing.pairs == "required":
            return [
                "this school's policy requires two members of staff, and no reason for "
                "going alone has been recorded"
            ]
        return ["a solo visit needs a written reason for going alone"]
    if not solo_accepted:
        return ["the authoriser has not accepted the reason for going alone"]
    return []


def unannounced_problems(visit: Visit, pack: PolicyPack) -> list[str]:
    """An unannounced visit only for a reason in ``pack.unannounced.allowed_reasons``."""
    if visit.announced or visit.reason in pack.unannounced.allowed_reasons:
        return []
    if not pack.unannounced.allowed_reasons:
        return ["this school's policy does not allow unannounced visits; tell the parents first"]
    allowed = ", ".join(reason.label for reason in pack.unannounced.allowed_reasons)
    return [f"an unannounced visit is not allowed for {visit.reason.label}; only for: {allowed}"]


def self_isolation_problems(assessment: RiskAssessment | None, pack: PolicyPack) -> list[str]:
    """The optional clause: no visit while the pupil self-isolates."""
    if not pack.clauses.no_visit_while_self_isolating or assessment is None:
        return []
    if assessment.questionnaire.pupil_self_isolating:
        return ["no home visit while the pupil is self-isolating"]
    return []


def questionnaire_problems(assessment: RiskAssessment, pack: PolicyPack) -> list[str]:
    """Every question of the risk assessment that applies must be answered."""
    answers = assessment.questionnaire
    not_needed = set()
    if answers.pets_present is False:
        not_needed.add("pets_threatening")
    if answers.household_smokes is False:
        not_needed.add("smoking_policy_discussed")
    if not pack.clauses.no_visit_while_self_isolating:
        not_needed.add("pupil_self_isolating")
    fields = type(answers).model_fields
    return [
        f"risk assessment question not answered: {fields[name].description}"
        for name in answers.unanswered()
        if name not in not_needed
    ]


def visit_plan_problems(
    visit: Visit,
    pack: PolicyPack,
    assessment: RiskAssessment | None,
    *,
    solo_accepted: bool,
) -> list[str]:
    """The guards on the plan itself, checked on submission and again on authorisation."""
    findings = assessment.findings if assessment is not None else ()
    return [
        *do_not_visit_problems(findings),
        *self_isolation_problems(assessment, pack),
        *staffing_problems(visit, pack, findings, solo_accepted=solo_accepted),
        *unannounced_problems(visit, pack),
    ]


def outcome_problems(kind: OutcomeKind, reason: str | None, pack: PolicyPack) -> list[str]:
    """Unsafe and animals cancellations need a written reason when the pack names readers."""
    readers = pack.doorstep.cancellation_reasons_in_writing_to
    if kind in WRITTEN_REASON_OUTCOMES and readers and not (reason and reason.strip()):
        return [
            f"write down why the visit was cancelled ({kind.label}); "
            f"it goes in writing to the {_roles(readers).replace(' or ', ' and ')}"
        ]
    return []
