"""Settings of the ``myconcern`` adapter: the organisation, its key, and how notes triage.

Beside its own fields it takes every ``HttpSettings`` field (timeouts, deadline,
attempts...).
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from hub.http import HttpSettings


class MyConcernSettings(HttpSettings):
    """One school's connection to its MyConcern-style safeguarding system."""

    api_key: SecretStr = Field(
        description=(
            "The API key from MyConcern Settings → Integrations, for this school's "
            "organisation. Give it through an env var or a secrets file."
        ),
    )
    organisation_id: str = Field(
        pattern=r"^[A-Za-z0-9-]{1,64}$",
        description="MyConcern's id for the school's organisation (Settings → Organisation).",
    )
    concern_type: str = Field(
        default="home_visit",
        pattern=r"^[a-z0-9_]+$",
        description="The concern type visit notes are raised as; it must exist in MyConcern.",
    )
    notify_user_ids: list[str] = Field(
        default_factory=list,
        description="MyConcern user ids told about every visit note (besides the DSL team).",
    )
    min_level: int = Field(
        default=2,
        ge=1,
        le=5,
        description="Risk indicators below this level (1 lowest, 5 highest) are not read.",
    )
    indicator_flags: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Renames of MyConcern indicator codes to the hub's flag categories, e.g. "
            '{ aggressive_adult = "violence_to_staff" }; other codes keep their name.'
        ),
    )
    page_size: int = Field(
        default=100, ge=1, le=250, description="Records asked for per page (cursor paging)."
    )
