"""``FollowUpStore``: the follow-up tables, sharing the store's engine.

Every method takes a ``school_id`` and every query filters on it. Database failures
become ``StoreError`` with table names only (``hub.store.transact``), never row values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from hub.followup.records import (
    AgreementStatus,
    Decision,
    FollowUpNote,
    Letter,
    ProposalStatus,
    ReferralPrompt,
    TrackedAgreement,
    VisitProposal,
)
from hub.followup.register import SessionMark
from hub.store.errors import StoreError, UnknownRecordError
from hub.store.tables import (
    AgreementTrackingRow,
    AttendanceMarkRow,
    FollowUpNoteRow,
    LetterRow,
    ReferralPromptRow,
    VisitProposalRow,
)
from hub.store.transact import transaction

T = TypeVar("T")


class FollowUpStore:
    """Repository of register marks, prompts, proposals, tracking, letters and notes."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    # register marks ---------------------------------------------------------------------

    def save_marks(self, school_id: str, marks: Iterable[SessionMark]) -> int:
        """Insert or replace register marks of ``school_id``; returns how many."""
        rows = [AttendanceMarkRow(school_id=school_id, **m.model_dump()) for m in marks]

        def work(session: Session) -> int:
            for row in rows:
                session.merge(row)
            return len(rows)

        return self._run("saving register marks", work)

    def marks_of(
        self, school_id: str, pupil_id: str, *, since: date | None = None
    ) -> list[SessionMark]:
        """A pupil's register marks, oldest first (from ``since`` when given)."""
        query = select(AttendanceMarkRow).where(
            AttendanceMarkRow.school_id == school_id, AttendanceMarkRow.pupil_id == pupil_id
        )
        if since is not None:
            query = query.where(AttendanceMarkRow.day >= since)
        query = query.order_by(AttendanceMarkRow.day, AttendanceMarkRow.session)
        return [_mark(row) for row in self._all("reading register marks", query)]

    def pupils_with_marks(self, school_id: str) -> list[str]:
        """Ids of the pupils of ``school_id`` the register holds marks for."""
        query = (
            select(AttendanceMarkRow.pupil_id)
            .where(AttendanceMarkRow.school_id == school_id)
            .distinct()
            .order_by(AttendanceMarkRow.pupil_id)
        )
        return [str(pupil_id) for pupil_id in self._all("listing register pupils", query)]

    # referral prompts and decisions ------------------------------------------------------

    def add_prompt(self, prompt: ReferralPrompt) -> bool:
        """Store a new prompt; False (and nothing written) when its id exists."""
        return self._add("saving a referral prompt", ReferralPromptRow, _prompt_row(prompt))

    def prompts(
        self, school_id: str, *, pupil_id: str | None = None, open_only: bool = False
    ) -> list[ReferralPrompt]:
        """Prompts of ``school_id``, oldest first; ``open_only`` leaves decided ones out."""
        query = select(ReferralPromptRow).where(ReferralPromptRow.school_id == school_id)
        if pupil_id is not None:
            query = query.where(ReferralPromptRow.pupil_id == pupil_id)
        if open_only:
            query = query.where(ReferralPromptRow.decision.is_(None))
        query = query.order_by(ReferralPromptRow.raised_at, ReferralPromptRow.id)
        return [_prompt(row) for row in self._all("reading referral prompts", query)]

    def decide(
        self,
        school_id: str,
        prompt_id: str,
        *,
        decision: Decision,
        by: str,
        at: datetime,
        reason: str,
    ) -> ReferralPrompt:
        """Record a person's decision and reason on a prompt; a prompt is decided once."""

        def work(session: Session) -> ReferralPrompt:
            row = session.get(ReferralPromptRow, (school_id, prompt_id))
            if row is None:
                raise UnknownRecordError(f"school {school_id} holds no referral prompt {prompt_id}")
            if row.decision is not None:
                raise StoreError(f"referral prompt {prompt_id} is decided already")
            row.decision, row.decided_by, row.decided_at = decision.value, by, at
            row.reason = reason
            return _prompt(row)

        return self._run("recording a referral decision", work)

    # suggested visits -------------------------------------------------------------------

    def add_proposal(self, proposal: VisitProposal) -> bool:
        """Store a new suggested visit; False when its id exists."""
        row = VisitProposalRow(**proposal.model_dump(mode="python"))
        return self._add("saving a suggested visit", VisitProposalRow, row)

    def proposals(
        self,
        school_id: str,
        *,
        pupil_id: str | None = None,
        status: ProposalStatus | None = None,
    ) -> list[VisitProposal]:
        """Suggested visits of ``school_id``, oldest first."""
        query = select(VisitProposalRow).where(VisitProposalRow.school_id == school_id)
        if pupil_id is not None:
            query = query.where(VisitProposalRow.pupil_id == pupil_id)
        if status is not None:
            query = query.where(VisitProposalRow.status == status.value)
        query = query.order_by(VisitProposalRow.raised_at, VisitProposalRow.id)
        rows = self._all("reading suggested visits", query)
        return [VisitProposal.model_validate(row, from_attributes=True) for row in rows]

    # agreement tracking -----------------------------------------------------------------

    def save_tracking(self, tracked: TrackedAgreement) -> None:
        """Insert or replace how one agreement is going."""
        row = AgreementTrackingRow(**tracked.model_dump(mode="python"))
        self._run("saving agreement tracking", lambda s: s.merge(row))

    def tracking(
        self, school_id: str, *, status: AgreementStatus | None = None
    ) -> list[TrackedAgreement]:
        """Tracked agreements of ``school_id``, by agreement id."""
        query = select(AgreementTrackingRow).where(AgreementTrackingRow.school_id == school_id)
        if status is not None:
            query = query.where(AgreementTrackingRow.status == status.value)
        query = query.order_by(AgreementTrackingRow.agreement_id)
        rows = self._all("reading agreement tracking", query)
        return [TrackedAgreement.model_validate(row, from_attributes=True) for row in rows]

    # letters and notes ------------------------------------------------------------------

    def add_letter(self, letter: Letter) -> bool:
        """Record a produced letter; False when its id exists."""
        row = LetterRow(**letter.model_dump(mode="python"))
        return self._add("saving a letter", LetterRow, row)

    def letters(self, school_id: str, *, pupil_id: str | None = None) -> list[Letter]:
        """Letters of ``school_id`` (or of one pupil), oldest first."""
        query = select(LetterRow).where(LetterRow.school_id == school_id)
        if pupil_id is not None:
            query = query.where(LetterRow.pupil_id == pupil_id)
        query = query.order_by(LetterRow.created_at, LetterRow.id)
        rows = self._all("reading letters", query)
        return [Letter.model_validate(row, from_attributes=True) for row in rows]

    def add_note(self, note: FollowUpNote) -> None:
        """Append a line to a pupil's follow-up record."""
        row = FollowUpNoteRow(**note.model_dump(mode="python"))
        self._run("saving a follow-up note", lambda s: s.add(row))

    def notes(self, school_id: str, pupil_id: str) -> list[FollowUpNote]:
        """A pupil's follow-up notes, oldest first."""
        query = (
            select(FollowUpNoteRow)
            .where(FollowUpNoteRow.school_id == school_id, FollowUpNoteRow.pupil_id == pupil_id)
            .order_by(FollowUpNoteRow.at, FollowUpNoteRow.id)
        )
        rows = self._all("reading follow-up notes", query)
        return [FollowUpNote.model_validate(row, from_attributes=True) for row in rows]

    # plumbing ---------------------------------------------------------------------------

    def _add(self, what: str, table: Any, row: Any) -> bool:
        key = (row.school_id, row.id)

        def work(session: Session) -> bool:
            if session.get(table, key) is not None:
                return False
            session.add(row)
            return True

        return self._run(what, work)

    def _all(self, what: str, query: Any) -> list[Any]:
        return self._run(what, lambda s: list(s.scalars(query)))

    def _run(self, what: str, work: Callable[[Session], T]) -> T:
        return transaction(self._sessions, what, work)


def _mark(row: AttendanceMarkRow) -> SessionMark:
    return SessionMark(pupil_id=row.pupil_id, day=row.day, session=row.session, code=row.code)


def _prompt_row(prompt: ReferralPrompt) -> ReferralPromptRow:
    values = prompt.model_dump(mode="python")
    values["notify"] = [role.value for role in prompt.notify]
    values["decision"] = prompt.decision.value if prompt.decision else None
    return ReferralPromptRow(**values)


def _prompt(row: ReferralPromptRow) -> ReferralPrompt:
    return ReferralPrompt.model_validate(row, from_attributes=True)
