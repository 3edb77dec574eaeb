"""Errors the store raises. Messages name ids and versions only, never personal data."""

from __future__ import annotations

from hub.errors import DoorstepError


class StoreError(DoorstepError):
    """The store could not do what was asked."""


class StaleVisitError(StoreError):
    """A visit was saved from an older version than the one stored (optimistic concurrency)."""

    def __init__(self, school_id: str, visit_id: str, given: int, stored: int) -> None:
        self.school_id = school_id
        self.visit_id = visit_id
        self.given = given
        self.stored = stored
        super().__init__(
            f"visit {visit_id} of school {school_id}: version {given} is not newer than the "
            f"stored version {stored}; reload the visit and apply the change again"
        )


class UnknownRecordError(StoreError):
    """A row refers to a school or visit the store does not hold for that school."""
