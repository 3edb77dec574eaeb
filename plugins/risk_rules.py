"""Built-in plugin: risk flags and the risk questionnaire become findings and controls.

The rules are tables a DSL can read and argue with: one row per flag category and
minimum severity, one row per questionnaire answer, and the pack's optional clauses.
A household flag (a sibling or adult at the address) counts exactly like a pupil flag;
its finding says it concerns the household. A flag in no row still makes a finding,
with controls by severity alone, so no flag is ever silently ignored.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime

from hub import hookimpl
from hub.models import Control, Finding, RiskFlag, RiskQuestionnaire, School, Severity, Visit
from hub.policy import PolicyPack

SOURCE = "risk_rules"

PAIR = Control.PAIR_VISIT
SENIOR = Control.SENIOR_STAFF
REMOTE = Control.REMOTE_MEETING_FIRST
DO_NOT_VISIT = Control.DO_NOT_VISIT
ANIMALS = Control.ANIMALS_SECURED
AGENCY = Control.CHECK_WITH_OTHER_AGENCY

LOW, MEDIUM, HIGH = Severity.LOW, Severity.MEDIUM, Severity.HIGH
_RANK = {LOW: 0, MEDIUM: 1, HIGH: 2}


@dataclass(frozen=True)
class FlagRule:
    """Flags of ``category`` at ``at_least`` severity or above require ``controls``."""

    category: str
    at_least: Severity
    controls: frozenset[Control]
    summary: str


def _rule(category: str, at_least: Severity, summary: str, *controls: Control) -> FlagRule:
    return FlagRule(category, at_least, frozenset(controls), summary)


FLAG_RULES: tuple[FlagRule, ...] = (
    # category              at least  what staff are told                    controls
    _rule("violence_to_staff", HIGH, "serious violence to staff recorded", DO_NOT_VISIT),
    _rule("violence_to_staff", LOW, "violence to staff recorded", PAIR, SENIOR),
    _rule("threats_to_staff", HIGH, "serious threats to staff recorded", PAIR, SENIOR),
    _rule("threats_to_staff", LOW, "threats to staff recorded", PAIR),
    _rule("weapons", HIGH, "weapons at the address", DO_NOT_VISIT),
    _rule("weapons", LOW, "weapons reported at the address", PAIR, SENIOR),
    _rule("dangerous_animal", HIGH, "dangerous animal at the address", ANIMALS, PAIR),
    _rule("dangerous_animal", LOW, "animal at the address", ANIMALS),
    _rule("domestic_abuse", HIGH, "serious domestic abuse", REMOTE, PAIR, SENIOR, AGENCY),
    _rule("domestic_abuse", LOW, "domestic abuse recorded", PAIR, AGENCY),
    _rule("substance_misuse", LOW, "substance misuse at the address", PAIR),
    _rule("other_agency", LOW, "another agency is involved", AGENCY),
    _rule("infection_risk", HIGH, "serious infection risk at the address", DO_NOT_VISIT),
    _rule("infection_risk", LOW, "infection risk at the address", REMOTE),
)
"""Most specific first: the first row whose category matches and whose severity the
flag reaches decides. Unknown categories fall back to ``UNLISTED``."""

UNLISTED: dict[Severity, frozenset[Control]] = {
    HIGH: frozenset({PAIR, SENIOR}),
    MEDIUM: frozenset({PAIR}),
    LOW: frozenset(),
}
"""Controls for a flag whose category no row names, by severity."""


@dataclass(frozen=True)
class QuestionRule:
    """When ``question`` is answered ``answer``, require ``controls``."""

    question: str
    answer: bool
    severity: Severity
    controls: frozenset[Control]
    summary: str


def _q(question: str, answer: bool, severity: Severity, summary: str, *c: Control) -> QuestionRule:
    return QuestionRule(question, answer, severity, frozenset(c), summary)


QUESTION_RULES: tuple[QuestionRule, ...] = (
    # question (seed 001 appendix 1)   answer  severity  what staff are told     controls
    _q("other_agency_identified_risk", True, MEDIUM, "another agency has identified risks", AGENCY),
    _q("entrances_exits_accessible", False, MEDIUM, "exits are hard to reach", PAIR),
    _q("property_hazards", True, MEDIUM, "hazards at the property", PAIR),
    _q("intimidating_people", True, HIGH, "intimidating people at the property", PAIR, SENIOR),
    _q("pets_threatening", True, HIGH, "threatening pets at the property", ANIMALS),
    _q("safety_measures_in_place", False, HIGH, "safety measures not in place", DO_NOT_VISIT),
    _q("contact_outside_home", True, MEDIUM, "contact should be made outside the home", REMOTE),
)


def flag_finding(flag: RiskFlag) -> Finding:
    """The finding one flag makes, by the first matching row of ``FLAG_RULES``."""
    rule = next(
        (
            r
            for r in FLAG_RULES
            if r.category == flag.category and _RANK[flag.severity] >= _RANK[r.at_least]
        ),
        None,
    )
    summary = rule.summary if rule else f"{flag.category.replace('_', ' ')} recorded"
    controls = rule.controls if rule else UNLISTED[flag.severity]
    where = "household" if flag.applies_to == "household" else "pupil"
    return _finding(
        f"flag.{_code(flag.category)}.{flag.severity.value}.{where}",
        f"{summary} (on the {where})",
        flag.severity,
        *controls,
    )


def question_findings(questionnaire: RiskQuestionnaire) -> list[Finding]:
    """The findings the questionnaire's answers make, by ``QUESTION_RULES``."""
    return [
        _finding(f"question.{rule.question}", rule.summary, rule.severity, *rule.controls)
        for rule in QUESTION_RULES
        if getattr(questionnaire, rule.question) is rule.answer
    ]


def clause_findings(pack: PolicyPack, questionnaire: RiskQuestionnaire | None) -> list[Finding]:
    """Findings from the pack's optional clauses (seed 004: no visit while isolating)."""
    findings: list[Finding] = []
    isolating = questionnaire is not None and questionnaire.pupil_self_isolating is True
    if isolating and pack.clauses.no_visit_while_self_isolating:
        summary = "the pupil is self-isolating; no home visit until isolation ends"
        findings.append(_finding("clause.self_isolating", summary, HIGH, DO_NOT_VISIT))
    if pack.clauses.remote_meeting_first:
        summary = "the school's policy asks for a remote or in-school meeting first"
        findings.append(_finding("clause.remote_meeting_first", summary, LOW, REMOTE))
    return findings


def assess(
    pack: PolicyPack, flags: list[RiskFlag], questionnaire: RiskQuestionnaire | None
) -> list[Finding]:
    """Every finding for one visit: flags (pupil and household), answers, clauses."""
    findings = [flag_finding(flag) for flag in flags]
    if questionnaire is not None:
        findings += question_findings(questionnaire)
    return findings + clause_findings(pack, questionnaire)


@hookimpl
def hub_assess_visit(
    school: School,
    pack: PolicyPack,
    visit: Visit,
    flags: list[RiskFlag],
    questionnaire: RiskQuestionnaire | None,
    now: datetime,
) -> list[Finding]:
    """Findings and required controls from the flags, the questionnaire and the pack."""
    return assess(pack, flags, questionnaire)


def _code(category: str) -> str:
    allowed = string.ascii_lowercase + string.digits + "_"
    return "".join(ch if ch in allowed else "_" for ch in category.lower())


def _finding(code: str, summary: str, severity: Severity, *controls: Control) -> Finding:
    return Finding(
        code=code, summary=summary, severity=severity, controls=frozenset(controls), source=SOURCE
    )
