"""Settings of the ``csv`` adapter: where the exports are and how their columns are named.

The exports come from the school's MIS (SIMS or Arbor report exports, or any
spreadsheet saved as CSV). Give a ``folder`` holding ``pupils.csv``, ``contacts.csv``
and ``attendance.csv``, or each file's path. Column names follow the ``preset`` and
any header may be renamed in ``pupil_columns``, ``contact_columns`` and
``attendance_columns``.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

Preset = Literal["sims", "arbor"]
Delimiter = Literal["auto", ",", ";", "\t", "|"]

_COLUMNS = ConfigDict(extra="forbid", hide_input_in_errors=True, frozen=True)


def _header(what: str) -> Any:
    return Field(default=None, description=f"Header of the column holding {what}.")


class PupilColumns(BaseModel):
    """Header names in the pupils export; unset ones come from the preset."""

    model_config = _COLUMNS

    pupil_id: str | None = _header("the MIS's pupil id (required)")
    first_name: str | None = _header("the pupil's first name (required)")
    last_name: str | None = _header("the pupil's surname (required)")
    date_of_birth: str | None = _header("the date of birth")
    year_group: str | None = _header("the year group")
    address_line1: str | None = _header("the first address line")
    address_line2: str | None = _header("the second address line")
    town: str | None = _header("the town")
    postcode: str | None = _header("the postcode")
    household_id: str | None = _header("a household or family id, when the export has one")
    last_modified: str | None = _header("when the record last changed, when exported")


class ContactColumns(BaseModel):
    """Header names in the contacts export; unset ones come from the preset."""

    model_config = _COLUMNS

    pupil_id: str | None = _header("the pupil id the contact belongs to (required)")
    contact_id: str | None = _header("the MIS's contact id (required)")
    name: str | None = _header("the contact's name (required)")
    relationship: str | None = _header("the relationship to the pupil")
    parental_responsibility: str | None = _header("Yes/No: holds parental responsibility")
    phone: str | None = _header("the contact's phone number")
    email: str | None = _header("the contact's email address")
    priority: str | None = _header("the contact order (1 first)")


class AttendanceColumns(BaseModel):
    """Header names in the attendance export; unset ones come from the preset.

    An export either lists marks (one row per pupil per session, ``date`` and ``mark``)
    or summarises (``possible`` and ``attended`` sessions per pupil, optionally over
    ``period_start`` to ``period_end``).
    """

    model_config = _COLUMNS

    pupil_id: str | None = _header("the pupil id (required)")
    date: str | None = _header("the date of a mark (marks exports)")
    session: str | None = _header("AM or PM (marks exports)")
    mark: str | None = _header("the register mark, e.g. / \\ L N O (marks exports)")
    possible: str | None = _header("the number of possible sessions (summary exports)")
    attended: str | None = _header("the number of sessions attended (summary exports)")
    period_start: str | None = _header("the first day a summary row covers")
    period_end: str | None = _header("the last day a summary row covers")


class CsvSettings(BaseModel):
    """Settings of the ``csv`` adapter, ``[schools.<school>.adapters.csv]``."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, frozen=True)

    folder: Path | None = Field(
        default=None,
        description=(
            "Folder the MIS exports into; pupils.csv, contacts.csv and attendance.csv "
            "are read from it unless a file path below is given."
        ),
        examples=["/srv/mis-exports/harrogate"],
    )
    pupils_file: Path | None = Field(
        default=None, description="Path of the pupils export (overrides folder)."
    )
    contacts_file: Path | None = Field(
        default=None, description="Path of the contacts export (overrides folder)."
    )
    attendance_file: Path | None = Field(
        default=None, description="Path of the attendance export (overrides folder)."
    )
    agreements_folder: Path | None = Field(
        default=None,
        description=(
            "Folder the hub writes agreements.csv into for the MIS to import (agreements "
            "made with families); unset uses folder. Without either, agreements are not "
            "recorded by this adapter."
        ),
        examples=["/srv/mis-imports/harrogate"],
    )
    preset: Preset = Field(
        default="sims", description="Column names and date style of the exporting MIS."
    )
    pupil_columns: PupilColumns = Field(
        default_factory=PupilColumns, description="Header names of the pupils export."
    )
    contact_columns: ContactColumns = Field(
        default_factory=ContactColumns, description="Header names of the contacts export."
    )
    attendance_columns: AttendanceColumns = Field(
        default_factory=AttendanceColumns, description="Header names of the attendance export."
    )
    encoding: str = Field(
        default="auto",
        description=(
            "Text encoding of the files: auto (UTF-8 with or without BOM, UTF-16, "
            "then Windows-1252) or a Python codec name such as cp1252."
        ),
        examples=["cp1252"],
    )
    delimiter: Delimiter = Field(
        default="auto", description="Field separator: auto, comma, semicolon, tab or pipe."
    )
    household_secret: SecretStr | None = Field(
        default=None,
        description=(
            "Key for household ids made from addresses, so an id cannot be traced back "
            "to an address; unset uses the school id (ids stay stable either way)."
        ),
    )

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        if value != "auto":
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError("not a known text encoding") from None
        return value

    @model_validator(mode="after")
    def _files_given(self) -> CsvSettings:
        if self.folder is None and self.pupils_file is None:
            raise ValueError("give folder, or at least pupils_file")
        return self

    def outbox_folder(self) -> Path | None:
        """Where ``agreements.csv`` is written, or None when agreements are not recorded."""
        return self.agreements_folder or self.folder

    def path_of(self, export: Literal["pupils", "contacts", "attendance"]) -> Path | None:
        """The file to read for one export, or None when neither path nor folder gives one."""
        explicit = {
            "pupils": self.pupils_file,
            "contacts": self.contacts_file,
            "attendance": self.attendance_file,
        }[export]
        if explicit is not None:
            return explicit
        return None if self.folder is None else self.folder / f"{export}.csv"
