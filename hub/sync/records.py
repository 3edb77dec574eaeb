"""What a roll sync keeps in the store about itself: one ``SyncRun`` per run.

A run holds counts, times and its high-water mark, never personal data. The next
incremental run asks the MIS only for what changed after the last successful run's
``high_water_mark``. This module imports nothing from the rest of ``hub.sync``, so
the store can use it.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from hub.models.base import DomainModel, Slug, UtcDateTime


class SyncMode(StrEnum):
    """Whether a run pulled the whole roll or only what changed."""

    FULL = "full"
    """The whole roll: the only mode that can see a pupil leave."""
    INCREMENTAL = "incremental"
    """Only the pupils the MIS says changed after the last run's high-water mark."""


class SyncStatus(StrEnum):
    """How a run ended."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    """An adapter error stopped it; nothing was written to the cache."""


class SyncCounts(DomainModel):
    """How many rows one run added, changed, removed or rejected, and how it got them."""

    pulled: int = Field(default=0, ge=0, description="Pupils the MIS sent.")
    added: int = Field(default=0, ge=0)
    changed: int = Field(default=0, ge=0)
    removed: int = Field(default=0, ge=0)
    unchanged: int = Field(default=0, ge=0)
    rejected: int = Field(default=0, ge=0, description="Rows refused, each with a reason.")
    contacts: int = Field(default=0, ge=0, description="Contacts written.")
    attendance: int = Field(default=0, ge=0, description="Attendance summaries written.")
    calls: int = Field(default=0, ge=0, description="Pull hook calls made to the MIS.")


class SyncRun(DomainModel):
    """One run of the roll sync for one school."""

    school_id: Slug
    id: str = Field(min_length=1, max_length=128)
    mode: SyncMode
    status: SyncStatus
    started_at: UtcDateTime
    finished_at: UtcDateTime
    since: UtcDateTime | None = Field(
        default=None, description="What the MIS was asked for: changes after this moment."
    )
    high_water_mark: UtcDateTime | None = Field(
        default=None,
        description="The next incremental run asks for changes after this (succeeded runs).",
    )
    counts: SyncCounts = Field(default_factory=SyncCounts)
    error: str | None = Field(
        default=None, max_length=200, description="The error's type, never its text."
    )
