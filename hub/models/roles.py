"""Who does what: staff roles named the way the seed policies name them."""

from enum import StrEnum


class StaffRole(StrEnum):
    """A role a member of staff holds at one school.

    Policy packs name authorisers, people told of solo visits, recipients of
    written cancellation reasons and escalation contacts by these roles.
    """

    STAFF = "staff"
    ATTENDANCE_OFFICER = "attendance_officer"
    EDUCATION_WELFARE_OFFICER = "education_welfare_officer"
    OFFICE = "office"
    OFFICE_MANAGER = "office_manager"
    HEADTEACHER_PA = "headteacher_pa"
    BUSINESS_MANAGER = "business_manager"
    FINANCE_TEAM = "finance_team"
    LINE_MANAGER = "line_manager"
    DSL = "dsl"
    LEAD_DSL = "lead_dsl"
    DEPUTY_DSL = "deputy_dsl"
    SENIOR_LEADER = "senior_leader"
    DUTY_SENIOR_LEADER = "duty_senior_leader"
    ASSISTANT_HEAD = "assistant_head"
    DEPUTY_HEAD = "deputy_head"
    HEADTEACHER = "headteacher"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        """The role as staff would say it."""
        return _LABELS.get(self, self.value.replace("_", " "))


_LABELS = {
    StaffRole.DSL: "designated safeguarding lead",
    StaffRole.LEAD_DSL: "lead designated safeguarding lead",
    StaffRole.DEPUTY_DSL: "deputy designated safeguarding lead",
    StaffRole.HEADTEACHER_PA: "headteacher's PA",
    StaffRole.DEPUTY_HEAD: "deputy headteacher",
    StaffRole.ASSISTANT_HEAD: "assistant headteacher",
    StaffRole.DUTY_SENIOR_LEADER: "duty member of the senior leadership team",
    StaffRole.SENIOR_LEADER: "member of the senior leadership team",
    StaffRole.EDUCATION_WELFARE_OFFICER: "education welfare officer",
}


class LadderTarget(StrEnum):
    """Who one rung of the escalation ladder reaches."""

    VISITING_STAFF = "visiting_staff"
    """Every member of staff on the visit (their mobiles)."""
    PUPIL_HOME = "pupil_home"
    """The pupil's home, through the contact with parental responsibility."""
    OFFICE = "office"
    SENIOR_LEADER = "senior_leader"
    """The duty senior leader or every senior leader, per the pack."""
    DSL = "dsl"
    POLICE_PROMPT = "police_prompt"
    """A prompt to a person to call the police, with the police pack; never an automatic call."""

    @property
    def label(self) -> str:
        return {
            LadderTarget.VISITING_STAFF: "both members of staff on the visit",
            LadderTarget.PUPIL_HOME: "the pupil's home",
            LadderTarget.OFFICE: "the school office",
            LadderTarget.SENIOR_LEADER: "the duty senior leader",
            LadderTarget.DSL: "the designated safeguarding lead",
            LadderTarget.POLICE_PROMPT: "a prompt to call the police",
        }[self]
