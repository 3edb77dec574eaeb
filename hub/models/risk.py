"""Risk: flags from the safeguarding system, the risk assessment, findings and controls."""

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import Field

from hub.models.base import DomainModel, UtcDateTime, personal


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class RiskFlag(DomainModel):
    """A risk recorded in the safeguarding system (CPOMS-style), category level only.

    The narrative never leaves the safeguarding system: a flag carries its category,
    severity and whether it concerns the pupil or the whole household (siblings at
    the same address).
    """

    id: str = Field(min_length=1)
    source: str = Field(description="Adapter id the flag came from, e.g. 'cpoms'.")
    category: str = Field(
        min_length=1, description="e.g. 'violence_to_staff', 'dangerous_animal', 'domestic_abuse'."
    )
    severity: Severity
    applies_to: Literal["pupil", "household"]
    pupil_id: str | None = None
    household_id: str | None = None
    recorded_on: date | None = None


class Control(StrEnum):
    """A control a finding requires before the visit may go ahead."""

    PAIR_VISIT = "pair_visit"
    SENIOR_STAFF = "senior_staff"
    REMOTE_MEETING_FIRST = "remote_meeting_first"
    DO_NOT_VISIT = "do_not_visit"
    ANIMALS_SECURED = "animals_secured"
    CHECK_WITH_OTHER_AGENCY = "check_with_other_agency"

    @property
    def label(self) -> str:
        return {
            Control.PAIR_VISIT: "two members of staff must go",
            Control.SENIOR_STAFF: "a senior member of staff must go",
            Control.REMOTE_MEETING_FIRST: "try a remote or in-school meeting first",
            Control.DO_NOT_VISIT: "do not visit",
            Control.ANIMALS_SECURED: "animals must be secured in a separate room",
            Control.CHECK_WITH_OTHER_AGENCY: "check with the agency supporting the family",
        }[self]


class Finding(DomainModel):
    """One conclusion of the risk assessment, with the controls it requires."""

    code: str = Field(pattern=r"^[a-z0-9_.]+$", description="Stable machine code.")
    summary: str = Field(description="Plain words for staff; never personal data.")
    severity: Severity
    controls: frozenset[Control] = frozenset()
    source: str = Field(description="The plugin that made the finding.")


class RiskQuestionnaire(DomainModel):
    """The Home Visiting Risk Assessment (seed 001, appendix 1), one answer per question.

    ``None`` means not yet answered.
    """

    other_agency_identified_risk: bool | None = Field(
        None, description="Have any risks been identified by any other agency?"
    )
    entrances_exits_accessible: bool | None = Field(
        None, description="Are the entrances/exits to the property easily accessible?"
    )
    property_hazards: bool | None = Field(
        None, description="Are there any dangers/hazards associated with the property?"
    )
    intimidating_people: bool | None = Field(
        None,
        description="Any intimidating/threatening clients, relatives or friends at the property?",
    )
    pets_present: bool | None = Field(None, description="Are there pets in the household?")
    pets_threatening: bool | None = Field(None, description="Are the pets threatening?")
    safety_measures_in_place: bool | None = Field(
        None, description="Are you confident all safety measures are in place?"
    )
    household_smokes: bool | None = Field(
        None, description="Do any members of the household smoke?"
    )
    smoking_policy_discussed: bool | None = Field(
        None, description="Has the smoking policy been discussed?"
    )
    contact_outside_home: bool | None = Field(
        None, description="Do you think contact should be made outside of the home?"
    )
    pupil_self_isolating: bool | None = Field(
        None, description="Is the pupil self-isolating (seed 004 appendix)?"
    )
    areas_of_concern: str | None = personal(None, description="Free text; never logged.")
    actions_to_reduce_risk: str | None = personal(None, description="Free text; never logged.")

    def unanswered(self) -> list[str]:
        """Names of the yes/no questions still unanswered."""
        return [
            name
            for name, field in type(self).model_fields.items()
            if field.annotation == (bool | None) and getattr(self, name) is None
        ]


class RiskAssessment(DomainModel):
    """The questionnaire, the flags considered, and what the rules concluded."""

    id: str = Field(min_length=1)
    visit_id: str
    completed_by: str = Field(description="Staff id of who completed it.")
    completed_at: UtcDateTime
    questionnaire: RiskQuestionnaire
    flags: tuple[RiskFlag, ...] = ()
    findings: tuple[Finding, ...] = ()

    @property
    def required_controls(self) -> frozenset[Control]:
        controls: set[Control] = set()
        for finding in self.findings:
            controls |= finding.controls
        return frozenset(controls)
