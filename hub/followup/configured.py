"""What the settings say follow-up should use: its folder, a school's calendar,
thresholds and templates, as the daily evaluation's ``DailyOptions``."""

from __future__ import annotations

from pathlib import Path

from hub.followup.calendar import TermCalendar
from hub.followup.triggers import DailyOptions
from hub.plugins.attendance import Thresholds
from hub.settings import HubSettings, SchoolSettings

FOLDER_NAME = "followup"


def followup_dir(settings: HubSettings) -> Path:
    """Where letters and evidence packs are written: ``followup.dir`` or
    ``<data_dir>/followup``."""
    return settings.followup.dir or settings.data_dir / FOLDER_NAME


def school_dir(settings: HubSettings, school_id: str) -> Path:
    """The school's folder under ``followup_dir`` (made 0700 when a file is written)."""
    return followup_dir(settings) / school_id


def _school(settings: HubSettings, school_id: str) -> SchoolSettings | None:
    return settings.schools.get(school_id)


def thresholds_for(settings: HubSettings, school_id: str) -> Thresholds:
    """The national measures: defaults, then ``[followup.thresholds]``, then the school's."""
    values = settings.followup.thresholds.given()
    school = _school(settings, school_id)
    if school is not None:
        values.update(school.followup.thresholds.given())
    return Thresholds.model_validate(values)


def calendar_for(settings: HubSettings, school_id: str) -> TermCalendar | None:
    """The school's term calendar from ``term_calendar``, or None when not set.

    A file that cannot be read or is wrong is a ``UserError`` naming the file.
    """
    school = _school(settings, school_id)
    if school is None or school.followup.term_calendar is None:
        return None
    return TermCalendar.from_toml(school.followup.term_calendar)


def daily_options(settings: HubSettings, school_id: str) -> DailyOptions:
    """How the daily evaluation runs for ``school_id``: letters into the school's
    folder, its calendar, templates and thresholds."""
    school = _school(settings, school_id)
    return DailyOptions(
        calendar=calendar_for(settings, school_id),
        thresholds=thresholds_for(settings, school_id),
        letters_dir=followup_dir(settings),
        templates=school.followup.letter_templates if school is not None else None,
        notify_channel=school.followup.notify_channel if school is not None else None,
    )
