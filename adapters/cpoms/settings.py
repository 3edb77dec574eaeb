"""Settings of the ``cpoms`` adapter: the school's host, its key, and how notes are filed.

Beside its own fields it takes every ``HttpSettings`` field (timeouts, deadline,
attempts...). ``base_url`` is the school's own CPOMS host, e.g.
``https://stmichaels.cpoms.example/api/v1/``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from hub.http import HttpSettings
from hub.models import Severity


class RiskCategory(BaseModel):
    """One CPOMS category whose incidents become a risk flag in the hub."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, frozen=True)

    category: str = Field(
        min_length=1, description="The category's name in CPOMS, exactly as the school set it."
    )
    flag: str = Field(
        pattern=r"^[a-z0-9_]+$",
        description="The hub's risk flag category it becomes, e.g. 'violence_to_staff'.",
    )
    severity: Severity = Field(description="How serious the flag is: low, medium or high.")
    scope: Literal["pupil", "household"] = Field(
        default="pupil",
        description=(
            "'household' when the risk is about the home (a dog, domestic abuse), so it "
            "applies to every visit to that address, whoever it was recorded on."
        ),
    )


DEFAULT_RISK_CATEGORIES: tuple[RiskCategory, ...] = (
    RiskCategory(category="Violence towards staff", flag="violence_to_staff", severity="high"),
    RiskCategory(
        category="Threats to staff", flag="threats_to_staff", severity="high", scope="household"
    ),
    RiskCategory(
        category="Dangerous animal", flag="dangerous_animal", severity="medium", scope="household"
    ),
    RiskCategory(
        category="Domestic abuse", flag="domestic_abuse", severity="high", scope="household"
    ),
    RiskCategory(
        category="Substance misuse", flag="substance_misuse", severity="medium", scope="household"
    ),
    RiskCategory(category="Child protection plan", flag="child_protection", severity="high"),
    RiskCategory(category="Child in need", flag="child_in_need", severity="medium"),
    RiskCategory(category="Looked after child", flag="looked_after", severity="low"),
)
"""The usual mapping; a school whose categories are named otherwise lists its own."""


class CpomsSettings(HttpSettings):
    """One school's connection to its CPOMS-style safeguarding system."""

    api_key: SecretStr = Field(
        description=(
            "The integration key from CPOMS Admin → Integrations (issued once the "
            "integration is ACTIVE). Give it through an env var or a secrets file."
        ),
    )
    auth_scheme: Literal["bearer", "header"] = Field(
        default="bearer",
        description=(
            "How the key is sent: 'bearer' (Authorization: Bearer <key>) or 'header' "
            "(X-API-Key: <key>), whichever the school's CPOMS integration page shows."
        ),
    )
    note_category: str = Field(
        default="Home visit",
        min_length=1,
        description=(
            "The CPOMS category visit notes are filed under; the key must be allowed to write it."
        ),
    )
    alert_staff: list[str] = Field(
        default_factory=list,
        description="CPOMS user ids alerted (e-mailed by CPOMS) about every visit note.",
    )
    alert_groups: list[str] = Field(
        default_factory=list,
        description="CPOMS staff group names alerted about every visit note, e.g. 'Pastoral'.",
    )
    dsl_group: str = Field(
        default="DSL Team",
        min_length=1,
        description=(
            "The CPOMS staff group alerted at once when a note raises a safeguarding concern."
        ),
    )
    unmatched_pupils: Literal["tray", "reject"] = Field(
        default="tray",
        description=(
            "A note about a pupil CPOMS does not know: 'tray' files it in the incident tray "
            "for a DSL to attach; 'reject' refuses the push (dead-letter)."
        ),
    )
    source_label: str = Field(
        default="Doorstep",
        min_length=1,
        max_length=40,
        description="The source label CPOMS shows on incidents Doorstep files.",
    )
    risk_categories: list[RiskCategory] = Field(
        default_factory=lambda: list(DEFAULT_RISK_CATEGORIES),
        description="CPOMS categories whose incidents become risk flags; others are not read.",
    )
    per_page: int = Field(
        default=100,
        ge=1,
        le=500,
        description="Records asked for per page; CPOMS sends at most this.",
    )
