"""Settings of attendance follow-up: ``[followup]`` and ``[schools.<school>.followup]``.

Light on purpose (pydantic only): ``hub.settings`` imports these models, and
everything imports ``hub.settings``. ``hub.followup.configured`` turns them into what
the daily evaluation, letters and evidence packs use.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

DEFAULT_DAILY_CRON = "0 6 * * 1-5"
"""06:00 school time, Monday to Friday: before the register opens."""


def _settings_config() -> ConfigDict:
    return ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


class ThresholdOverrides(BaseModel):
    """The national attendance measures, overridden; unset keeps the national default."""

    model_config = _settings_config()

    persistent_percent: float | None = Field(
        default=None,
        gt=0,
        le=100,
        description="Persistent absence: this % or more of possible sessions missed (10).",
        examples=[12.5],
    )
    severe_percent: float | None = Field(
        default=None,
        gt=0,
        le=100,
        description="Severe absence: this % or more of possible sessions missed (50).",
        examples=[45.5],
    )
    penalty_sessions: int | None = Field(
        default=None,
        ge=1,
        description="Penalty notice: this many unauthorised sessions (G/N/O/U) or more (10).",
        examples=[8],
    )
    penalty_school_weeks: int | None = Field(
        default=None,
        ge=1,
        description="Penalty notice: counted over this many school weeks, rolling (10).",
        examples=[12],
    )
    min_sessions: int | None = Field(
        default=None,
        ge=1,
        description="Percentages are judged on at least this many possible sessions (20).",
        examples=[30],
    )

    def given(self) -> dict[str, Any]:
        """The values set, by name."""
        return self.model_dump(exclude_none=True)


class FollowUpSettings(BaseModel):
    """Attendance follow-up for the whole hub: ``[followup]``."""

    model_config = _settings_config()

    dir: Path | None = Field(
        default=None,
        description=(
            "Where letters and evidence packs are written, one folder per school "
            "(files 0600, folders 0700). Unset: <data_dir>/followup."
        ),
        examples=["/var/lib/doorstep/followup"],
    )
    daily: bool = Field(
        default=True,
        description="Run the daily attendance evaluation of every school on the engine.",
    )
    daily_cron: str = Field(
        default=DEFAULT_DAILY_CRON,
        description="When the daily evaluation runs (cron: minute hour day month weekday).",
        examples=["30 5 * * 1-5"],
    )
    daily_timezone: str = Field(
        default="Europe/London",
        description="The IANA time zone daily_cron is read in.",
        examples=["Europe/Dublin"],
    )
    thresholds: ThresholdOverrides = Field(
        default_factory=ThresholdOverrides,
        description="The national attendance measures, for every school.",
    )

    @field_validator("daily_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        croniter: Any = importlib.import_module("croniter")
        if not croniter.croniter.is_valid(value):
            raise ValueError("not a cron expression (minute hour day month weekday)")
        return value

    @field_validator("daily_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not a known IANA time zone") from None
        return value


class SchoolFollowUpSettings(BaseModel):
    """Attendance follow-up for one school: ``[schools.<school>.followup]``."""

    model_config = _settings_config()

    term_calendar: Path | None = Field(
        default=None,
        description=(
            "The school's term dates (TOML: terms, half-term breaks, closures). Unset: the "
            "days the register holds possible sessions for are the school days."
        ),
        examples=["/etc/doorstep/terms/harrogate.toml"],
    )
    letter_templates: Path | None = Field(
        default=None,
        description="The school's own letter templates, searched before the built-in ones.",
        examples=["/etc/doorstep/letters/harrogate"],
    )
    notify_channel: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        max_length=64,
        description=(
            "The channel (e.g. email) on which the roles a referral prompt goes to are told "
            "of the day's new prompts (counts only). Unset: nobody is messaged; prompts wait "
            "in `doorstep attendance prompts`."
        ),
        examples=["email"],
    )
    thresholds: ThresholdOverrides = Field(
        default_factory=ThresholdOverrides,
        description="This school's national measures, over [followup.thresholds].",
    )
