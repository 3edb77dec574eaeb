"""The risk rules: flags, questionnaire answers and pack clauses become findings."""

from __future__ import annotations

from typing import Literal

import pytest

from hub.models import Control, Finding, RiskFlag, RiskQuestionnaire, Severity
from hub.plugins import risk_rules
from hub.policy import PolicyPack
from tests import factories
from tests.factories import T0
from tests.hub.hooks.support import hooks_for


def _flag(
    category: str,
    severity: Severity,
    applies_to: Literal["pupil", "household"] = "pupil",
) -> RiskFlag:
    return RiskFlag(
        id=f"f-{category}",
        source="cpoms",
        category=category,
        severity=severity,
        applies_to=applies_to,
    )


def _controls(findings: list[Finding]) -> set[Control]:
    return {control for finding in findings for control in finding.controls}


def _pack_with(**clauses: bool) -> PolicyPack:
    pack = factories.pack()
    return pack.model_copy(update={"clauses": pack.clauses.model_copy(update=clauses)})


@pytest.mark.parametrize(
    ("category", "severity", "expected"),
    [
        ("violence_to_staff", Severity.HIGH, {Control.DO_NOT_VISIT}),
        ("violence_to_staff", Severity.MEDIUM, {Control.PAIR_VISIT, Control.SENIOR_STAFF}),
        ("dangerous_animal", Severity.LOW, {Control.ANIMALS_SECURED}),
        ("dangerous_animal", Severity.HIGH, {Control.ANIMALS_SECURED, Control.PAIR_VISIT}),
        ("other_agency", Severity.MEDIUM, {Control.CHECK_WITH_OTHER_AGENCY}),
        ("something_new", Severity.HIGH, {Control.PAIR_VISIT, Control.SENIOR_STAFF}),
        ("something_new", Severity.LOW, set()),
    ],
)
def test_a_flag_requires_the_controls_of_its_row(category, severity, expected):
    finding = risk_rules.flag_finding(_flag(category, severity))
    assert set(finding.controls) == expected
    assert finding.severity is severity
    assert finding.source == "risk_rules"


def test_a_household_flag_counts_like_a_pupil_flag_and_says_so():
    on_pupil = risk_rules.flag_finding(_flag("violence_to_staff", Severity.HIGH))
    on_household = risk_rules.flag_finding(
        _flag("violence_to_staff", Severity.HIGH, applies_to="household")
    )
    assert on_household.controls == on_pupil.controls == {Control.DO_NOT_VISIT}
    assert on_household.code.endswith(".household")
    assert "household" in on_household.summary


def test_threatening_pets_require_animals_secured():
    answers = RiskQuestionnaire(pets_present=True, pets_threatening=True)
    assert Control.ANIMALS_SECURED in _controls(risk_rules.question_findings(answers))
    calm = RiskQuestionnaire(pets_present=True, pets_threatening=False)
    assert risk_rules.question_findings(calm) == []


def test_no_confidence_in_safety_measures_means_do_not_visit():
    answers = RiskQuestionnaire(safety_measures_in_place=False, intimidating_people=True)
    controls = _controls(risk_rules.question_findings(answers))
    assert controls == {Control.DO_NOT_VISIT, Control.PAIR_VISIT, Control.SENIOR_STAFF}


def test_harrogate_clause_no_visit_while_the_pupil_self_isolates():
    isolating = RiskQuestionnaire(pupil_self_isolating=True)
    with_clause = risk_rules.clause_findings(
        _pack_with(no_visit_while_self_isolating=True), isolating
    )
    assert [f.code for f in with_clause] == ["clause.self_isolating"]
    assert _controls(with_clause) == {Control.DO_NOT_VISIT}
    without = risk_rules.clause_findings(_pack_with(no_visit_while_self_isolating=False), isolating)
    assert without == []


def test_a_remote_meeting_first_clause_adds_that_control():
    findings = risk_rules.clause_findings(_pack_with(remote_meeting_first=True), None)
    assert _controls(findings) == {Control.REMOTE_MEETING_FIRST}


def test_every_rule_row_names_a_real_question():
    questions = set(RiskQuestionnaire.model_fields)
    assert {rule.question for rule in risk_rules.QUESTION_RULES} <= questions


def test_hook_assess_visit_through_the_facade_combines_flags_answers_and_clauses():
    hooks = hooks_for(("risk_rules", risk_rules))
    findings = hooks.assess_visit(
        visit=factories.visit(),
        flags=[_flag("dangerous_animal", Severity.MEDIUM, applies_to="household")],
        questionnaire=RiskQuestionnaire(contact_outside_home=True),
        now=T0,
    )
    assert [f.code for f in findings] == [
        "flag.dangerous_animal.medium.household",
        "question.contact_outside_home",
    ]
    assert _controls(findings) == {Control.ANIMALS_SECURED, Control.REMOTE_MEETING_FIRST}
