"""The store: the one way the hub reads and writes its database.

Every method takes or derives a ``school_id`` and every query filters on it, so
one hub can serve many schools. Rows about a visit can only be saved for a visit
the same school holds. Visits use optimistic concurrency on ``Visit.version``;
visit events are append-only and numbered per visit. Errors never carry SQL
parameters or row values: the engine hides parameters and database errors are
turned into ``StoreError`` with ids and table names only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy import Engine, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hub.engine.records import BoardState, Delivery, DeliveryStatus
from hub.hooks.types import AttendanceSummary
from hub.models import (
    Acknowledgement,
    Agreement,
    CheckIn,
    Contact,
    DoorstepReport,
    Outcome,
    Pupil,
    RiskAssessment,
    School,
    StaffMember,
    Visit,
    VisitEvent,
    VisitNote,
    VisitState,
)
from hub.store import escalations, mapping, steps
from hub.store.engine import build_engine
from hub.store.errors import StoreError, UnknownRecordError
from hub.store.escalations import VisitRecords
from hub.store.migrate import upgrade_engine
from hub.store.steps import VisitStep
from hub.store.tables import (
    AcknowledgementRow,
    AgreementRow,
    AttendanceSummaryRow,
    BoardStateRow,
    CheckInRow,
    ContactRow,
    DeliveryRow,
    DoorstepReportRow,
    OutcomeRow,
    PupilRow,
    RiskAssessmentRow,
    SchoolRow,
    StaffRow,
    SyncRunRow,
    VisitEventRow,
    VisitNoteRow,
    VisitRow,
)
from hub.store.transact import Writer, read_rows, read_with, transaction
from hub.sync.records import SyncCounts, SyncRun, SyncStatus

T = TypeVar("T")
H = TypeVar("H")
"""What a transaction is run on: an ORM session or a plain connection."""

_VISIT_BY_ID = select(VisitRow.__table__).where(
    VisitRow.school_id == bindparam("w_school_id"), VisitRow.id == bindparam("w_id")
)
"""One visit by key: a prepared Core statement (``get_visit`` runs on every API request)."""

CONFLICT_RETRIES = 10
"""How often a write that lost a race (same event number, same new visit) is retried."""

IN_CHUNK = 500
"""Ids per ``IN (...)`` list, well under every backend's bound-parameter limit."""

WRITE_CHUNK = 2_000
"""Rows per bulk INSERT or UPDATE, so a large roll is never held twice as row values."""


class Store:
    """Repository over the hub's database: domain models in, domain models out."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._writer = Writer.for_engine(engine)

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Open the database at ``url``; with ``migrate`` (the default) bring it to head first.

        Pass ``migrate=False`` when an administrator runs migrations separately
        (several hub processes sharing one PostgreSQL database).
        """
        engine = build_engine(url)
        if migrate:
            upgrade_engine(engine)
        return cls(engine)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for migrations, health checks and tests)."""
        return self._engine

    @property
    def writer(self) -> Writer:
        """This database's one writer: pass it to repositories sharing the engine."""
        return self._writer

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # Schools, staff and the pupils cache -------------------------------------------------

    def save_school(self, school: School) -> None:
        """Insert or update a school."""
        self._run("saving a school", lambda s: s.merge(mapping.school_row(school)))

    def get_school(self, school_id: str) -> School | None:
        """The school with this id, or None."""
        row = self._read("reading a school", lambda s: s.get(SchoolRow, school_id))
        return mapping.to_school(row) if row else None

    def list_schools(self) -> list[School]:
        """Every school the hub serves, by id."""
        rows = self._all("listing schools", select(SchoolRow).order_by(SchoolRow.id))
        return [mapping.to_school(row) for row in rows]

    def save_staff(self, staff: StaffMember) -> None:
        """Insert or update a member of staff of an existing school."""

        def work(session: Session) -> None:
            _require_school(session, staff.school_id)
            session.merge(mapping.staff_row(staff))

        self._run("saving staff", work)

    def get_staff(self, school_id: str, staff_id: str) -> StaffMember | None:
        """A member of staff of ``school_id``, or None."""
        row = self._read("reading staff", lambda s: s.get(StaffRow, (school_id, staff_id)))
        return mapping.to_staff(row) if row else None

    def list_staff(self, school_id: str) -> list[StaffMember]:
        """Every member of staff of ``school_id``, by id."""
        query = select(StaffRow).where(StaffRow.school_id == school_id).order_by(StaffRow.id)
        return [mapping.to_staff(row) for row in self._all("listing staff", query)]

    def upsert_pupils(self, pupils: Iterable[Pupil]) -> int:
        """Insert or update pupils in the cache (each under its own school); returns how many."""
        rows = [mapping.pupil_row(pupil) for pupil in pupils]

        def work(session: Session) -> int:
            for school_id in {row.school_id for row in rows}:
                _require_school(session, school_id)
            for row in rows:
                session.merge(row)
            return len(rows)

        return self._run("saving pupils", work)

    def get_pupil(self, school_id: str, pupil_id: str) -> Pupil | None:
        """A cached pupil of ``school_id``, or None."""
        row = self._read("reading a pupil", lambda s: s.get(PupilRow, (school_id, pupil_id)))
        return mapping.to_pupil(row) if row else None

    # Visits and their events -------------------------------------------------------------

    def save_visit(self, visit: Visit) -> None:
        """Insert a new visit, or replace the stored one with a newer version.

        Saving the stored version again with the same content does nothing (a
        retried save); any other save of a version not newer than the stored one
        raises ``StaleVisitError``.
        """
        self._run(
            "saving a visit",
            lambda s: steps.save_visit_in(s.connection(), visit),
            conflicts=CONFLICT_RETRIES,
        )

    def save_step(self, step: VisitStep) -> list[int]:
        """Save one workflow step whole, in one transaction; returns its events' numbers.

        The visit (optimistic concurrency, as ``save_visit``), its records, its events
        (numbered as ``append_event`` numbers them) and the idempotent answer are all
        stored or none is. Use ``recorded`` while handing the events to the observers,
        so the audit plugin does not append them a second time.
        """
        return self._run_core(
            "saving a workflow step",
            lambda connection: steps.write_step(connection, step),
            conflicts=CONFLICT_RETRIES,
        )

    @contextmanager
    def recorded(self, events: Sequence[VisitEvent], seqs: Sequence[int]) -> Iterator[None]:
        """While inside, ``append_event`` of exactly these event objects (by identity)
        answers the number ``save_step`` gave them and writes nothing.

        The audit plugin appends every event it observes; events already saved with
        their step must not be appended twice. Scoped to the current task or thread
        (a context variable), so other writers are not affected; any ``Store`` over
        the same database honours it (the engine's hooks may hold another instance).
        """
        with steps.recorded(events, seqs):
            yield

    def get_visit(self, school_id: str, visit_id: str) -> Visit | None:
        """A visit of ``school_id``, or None (also when another school holds that id)."""
        where = {"w_school_id": school_id, "w_id": visit_id}
        rows = read_rows(self._engine, "reading a visit", _VISIT_BY_ID, where)
        return mapping.to_visit(rows[0]) if rows else None

    def list_visits(
        self, school_id: str, *, states: Iterable[VisitState] | None = None
    ) -> list[Visit]:
        """Visits of ``school_id``, optionally only in ``states``, by planned start."""
        query = select(VisitRow).where(VisitRow.school_id == school_id)
        if states is not None:
            query = query.where(VisitRow.state.in_([state.value for state in states]))
        query = query.order_by(VisitRow.planned_start, VisitRow.id)
        return [mapping.to_visit(row) for row in self._all("listing visits", query)]

    def append_event(self, event: VisitEvent) -> int:
        """Append ``event`` to its visit's history; returns its number (1, 2, 3...).

        Events are never updated or deleted. The number is worked out inside the
        INSERT itself, and on PostgreSQL the visit row is locked first, so writers
        appending at once get consecutive numbers; a lost race is retried. An event
        saved by ``save_step`` and announced inside ``recorded`` is not written again.
        """
        saved = steps.saved_seq(event)
        if saved is not None:
            return saved

        def work(session: Session) -> int:
            _require_visit(session, event.school_id, event.visit_id, lock=True)
            next_seq = (
                select(func.coalesce(func.max(VisitEventRow.seq), 0) + 1)
                .where(
                    VisitEventRow.school_id == event.school_id,
                    VisitEventRow.visit_id == event.visit_id,
                )
                .scalar_subquery()
            )
            values = mapping.event_values(event) | {"seq": next_seq}
            statement = insert(VisitEventRow).values(**values).returning(VisitEventRow.seq)
            return int(session.execute(statement).scalar_one())

        return self._run("appending a visit event", work, conflicts=CONFLICT_RETRIES)

    def events(self, school_id: str, visit_id: str) -> list[VisitEvent]:
        """The history of a visit of ``school_id``, oldest first."""
        query = (
            select(VisitEventRow)
            .where(VisitEventRow.school_id == school_id, VisitEventRow.visit_id == visit_id)
            .order_by(VisitEventRow.seq)
        )
        return [mapping.to_event(row) for row in self._all("reading visit events", query)]

    # What is recorded about a visit ------------------------------------------------------

    def save_risk_assessment(self, school_id: str, assessment: RiskAssessment) -> None:
        """Insert or update a risk assessment of a visit of ``school_id``."""
        row = mapping.risk_assessment_row(school_id, assessment)
        self._save_for_visit("saving a risk assessment", row, merge=True)

    def risk_assessment_for(self, school_id: str, visit_id: str) -> RiskAssessment | None:
        """The most recently completed risk assessment of a visit, or None."""
        query = (
            _of_visit(select(RiskAssessmentRow), RiskAssessmentRow, school_id, visit_id)
            .order_by(RiskAssessmentRow.completed_at.desc(), RiskAssessmentRow.id.desc())
            .limit(1)
        )
        rows = self._all("reading a risk assessment", query)
        return mapping.to_risk_assessment(rows[0]) if rows else None

    def save_check_in(self, school_id: str, check_in: CheckIn) -> None:
        """Record a check-in (saving the same check-in id again updates it)."""
        row = mapping.check_in_row(school_id, check_in)
        self._save_for_visit("saving a check-in", row, merge=True)

    def check_ins(self, school_id: str, visit_id: str) -> list[CheckIn]:
        """Check-ins of a visit, oldest first."""
        query = _of_visit(select(CheckInRow), CheckInRow, school_id, visit_id).order_by(
            CheckInRow.at, CheckInRow.id
        )
        return [mapping.to_check_in(row) for row in self._all("reading check-ins", query)]

    def save_acknowledgement(self, school_id: str, acknowledgement: Acknowledgement) -> None:
        """Record who acknowledged a rung; the first acknowledgement per person and rung stays."""
        row = mapping.acknowledgement_row(school_id, acknowledgement)
        self._save_for_visit("saving an acknowledgement", row, merge=False)

    def acknowledgements(self, school_id: str, visit_id: str) -> list[Acknowledgement]:
        """Acknowledgements of a visit's escalation rungs, oldest first."""
        query = _of_visit(
            select(AcknowledgementRow), AcknowledgementRow, school_id, visit_id
        ).order_by(AcknowledgementRow.at, AcknowledgementRow.rung)
        rows = self._all("reading acknowledgements", query)
        return [mapping.to_acknowledgement(row) for row in rows]

    def save_doorstep_report(self, school_id: str, report: DoorstepReport) -> None:
        """Record what staff found at the door (the same report twice is kept once)."""
        row = mapping.doorstep_report_row(school_id, report)
        self._save_for_visit("saving a doorstep report", row, merge=True)

    def doorstep_reports(self, school_id: str, visit_id: str) -> list[DoorstepReport]:
        """Doorstep reports of a visit, oldest first."""
        query = _of_visit(
            select(DoorstepReportRow), DoorstepReportRow, school_id, visit_id
        ).order_by(DoorstepReportRow.at)
        rows = self._all("reading doorstep reports", query)
        return [mapping.to_doorstep_report(row) for row in rows]

    def save_outcome(self, school_id: str, visit_id: str, outcome: Outcome) -> None:
        """Record a visit's outcome; every recording is kept and the latest one counts."""
        row = mapping.outcome_row(school_id, visit_id, outcome)
        self._save_for_visit("saving an outcome", row, merge=True)

    def outcome_for(self, school_id: str, visit_id: str) -> Outcome | None:
        """The latest outcome recorded for a visit, or None."""
        query = (
            _of_visit(select(OutcomeRow), OutcomeRow, school_id, visit_id)
            .order_by(OutcomeRow.recorded_at.desc())
            .limit(1)
        )
        rows = self._all("reading an outcome", query)
        return mapping.to_outcome(rows[0]) if rows else None

    def save_note(self, school_id: str, note: VisitNote) -> None:
        """Insert or replace a visit note together with the agreements recorded in it."""

        self._run("saving a visit note", lambda session: _merge_note(session, school_id, note))

    def notes(self, school_id: str, visit_id: str) -> list[VisitNote]:
        """Visit notes of a visit, oldest first, each with its agreements."""

        def work(session: Session) -> list[VisitNote]:
            query = _of_visit(select(VisitNoteRow), VisitNoteRow, school_id, visit_id)
            rows = session.scalars(query.order_by(VisitNoteRow.written_at, VisitNoteRow.id))
            agreements = _agreement_rows(session, school_id, visit_id)
            return [
                mapping.to_note(row, [a for a in agreements if a.note_id == row.id]) for row in rows
            ]

        return self._read("reading visit notes", work)

    def agreements(self, school_id: str, visit_id: str) -> list[Agreement]:
        """Agreements made on a visit, oldest first."""
        rows = self._read("reading agreements", lambda s: _agreement_rows(s, school_id, visit_id))
        return [mapping.to_agreement(row) for row in rows]

    # The engine's board states and delivery outbox -------------------------------------

    def visit_records(self, school_id: str, visit_id: str) -> VisitRecords | None:
        """A visit of ``school_id`` with its check-ins, doorstep reports and
        acknowledgements, read in one transaction; None when unknown."""
        return self._read(
            "reading a visit and its records",
            lambda s: escalations.read_visit_records(s.connection(), school_id, visit_id),
        )

    def planning_records(
        self, school_id: str, visit_id: str, now: datetime
    ) -> escalations.PlanningRecords | None:
        """A visit of ``school_id`` with the records the deadline calculator reads at
        ``now`` (``escalations.read_planning_records``: not every check-in), read in one
        transaction; None when unknown. What a check-in or an acknowledgement plans with."""
        return read_with(
            self._engine,
            "reading a visit and its records",
            lambda c: escalations.read_planning_records(c, school_id, visit_id, now),
        )

    def visits_out(self, school_id: str, states: Iterable[VisitState]) -> list[VisitRecords]:
        """Every visit of ``school_id`` in ``states`` with its records, by planned start
        (four statements however many visits are out)."""
        wanted = [state.value for state in states]
        return self._read(
            "reading the visits out",
            lambda s: escalations.read_school_records(s.connection(), school_id, wanted),
        )

    def save_escalation(
        self,
        visit: Visit,
        key: str,
        events: Sequence[VisitEvent],
        board: BoardState,
        keep: escalations.KeepBoard,
    ) -> list[int] | None:
        """Record one escalation of ``visit`` in one transaction: the board state (if
        ``keep`` lets the board move from what it shows) and ``events``, unless an
        ESCALATED event with ``key`` is recorded already (then None and nothing is
        written). Returns the events' numbers: announce the events inside ``recorded``."""
        if board.school_id != visit.school_id or board.visit_id != visit.id:
            raise UnknownRecordError("an escalation's board state must belong to its visit")
        return self._run(
            "saving an escalation",
            lambda s: escalations.save_escalation_in(
                s.connection(), visit, key, tuple(events), board, keep
            ),
            conflicts=CONFLICT_RETRIES,
        )

    def set_board_state(self, state: BoardState) -> None:
        """Insert or replace what the office board shows for one visit."""
        row = BoardStateRow(**state.model_dump(mode="python"))
        self._save_for_visit("saving a board state", row, merge=True)

    def board_state(self, school_id: str, visit_id: str) -> BoardState | None:
        """The board state of one visit of ``school_id``, or None."""
        row = self._read(
            "reading a board state", lambda s: s.get(BoardStateRow, (school_id, visit_id))
        )
        return _board_state(row) if row else None

    def board_states(self, school_id: str) -> list[BoardState]:
        """Every board state of ``school_id``, by visit id."""
        query = (
            select(BoardStateRow)
            .where(BoardStateRow.school_id == school_id)
            .order_by(BoardStateRow.visit_id)
        )
        return [_board_state(row) for row in self._all("listing board states", query)]

    def save_note_with_deliveries(
        self, school_id: str, note: VisitNote, deliveries: Iterable[Delivery]
    ) -> None:
        """Save a visit note and put its deliveries in the outbox in one transaction.

        Either both are stored or neither is. A delivery whose key is already in the
        outbox is left as it is (saving the same note version again sends nothing new).
        """
        rows = [DeliveryRow(**delivery.model_dump(mode="python")) for delivery in deliveries]

        def work(session: Session) -> None:
            _merge_note(session, school_id, note)
            for row in rows:
                if row.school_id != school_id or row.visit_id != note.visit_id:
                    raise UnknownRecordError("a delivery must belong to the note's visit")
                if session.get(DeliveryRow, (row.school_id, row.key)) is None:
                    session.add(row)

        self._run("saving a visit note and its deliveries", work)

    def save_delivery(self, delivery: Delivery) -> None:
        """Insert or replace one delivery of the outbox."""
        row = DeliveryRow(**delivery.model_dump(mode="python"))
        self._save_for_visit("saving a delivery", row, merge=True)

    def get_delivery(self, school_id: str, key: str) -> Delivery | None:
        """One delivery of ``school_id`` by its key, or None."""
        row = self._read("reading a delivery", lambda s: s.get(DeliveryRow, (school_id, key)))
        return _delivery(row) if row else None

    def deliveries(
        self,
        school_id: str | None = None,
        *,
        statuses: Iterable[DeliveryStatus] | None = None,
    ) -> list[Delivery]:
        """Deliveries of one school (or of every school, for the administrator), oldest first."""
        query = select(DeliveryRow)
        if school_id is not None:
            query = query.where(DeliveryRow.school_id == school_id)
        if statuses is not None:
            query = query.where(DeliveryRow.status.in_([status.value for status in statuses]))
        query = query.order_by(DeliveryRow.created_at, DeliveryRow.key)
        return [_delivery(row) for row in self._all("listing deliveries", query)]

    # The roll sync's cache and history -------------------------------------------------

    def cached_pupils(self, school_id: str, ids: Iterable[str] | None = None) -> dict[str, Pupil]:
        """Cached pupils of ``school_id`` by id: all of them, or only those in ``ids``."""

        def work(session: Session) -> dict[str, Pupil]:
            query = select(PupilRow).where(PupilRow.school_id == school_id)
            if ids is None:
                rows = list(session.scalars(query))
            else:
                rows = []
                for chunk in _chunks(sorted(set(ids))):
                    rows += session.scalars(query.where(PupilRow.id.in_(chunk)))
            return {row.id: mapping.to_pupil(row) for row in rows}

        return self._read("reading cached pupils", work)

    def count_pupils(self, school_id: str) -> int:
        """How many pupils of ``school_id`` the cache holds."""
        query = select(func.count()).select_from(PupilRow).where(PupilRow.school_id == school_id)
        return self._read("counting pupils", lambda s: int(s.scalar(query) or 0))

    def contacts_of(self, school_id: str, pupil_id: str) -> list[Contact]:
        """A cached pupil's contacts, first contacted first."""
        query = (
            select(ContactRow)
            .where(ContactRow.school_id == school_id, ContactRow.pupil_id == pupil_id)
            .order_by(ContactRow.priority, ContactRow.id)
        )
        return [_contact(row) for row in self._all("reading contacts", query)]

    def attendance_of(self, school_id: str, pupil_id: str) -> AttendanceSummary | None:
        """A cached pupil's attendance summary, or None."""
        key = (school_id, pupil_id)
        row = self._read("reading attendance", lambda s: s.get(AttendanceSummaryRow, key))
        return _attendance(row) if row else None

    def apply_sync(
        self,
        run: SyncRun,
        *,
        added: Sequence[Pupil] = (),
        changed: Sequence[Pupil] = (),
        removed: Sequence[str] = (),
        contacts: Mapping[str, Sequence[Contact]] | None = None,
        attendance: Sequence[AttendanceSummary] = (),
    ) -> None:
        """Write one sync's outcome and its run record in one transaction.

        ``added`` are inserted and ``changed`` replace their cached rows; ``removed``
        pupils go with their contacts and attendance. Each pupil in ``contacts`` gets
        exactly that list; each summary in ``attendance`` replaces the pupil's last.
        Every pupil must belong to ``run.school_id``.
        """
        school_id = run.school_id
        new_contacts = dict(contacts or {})
        for pupil in (*added, *changed):
            if pupil.school_id != school_id:
                raise UnknownRecordError(f"pupil {pupil.id} is not of school {school_id}")

        def work(session: Session) -> None:
            _require_school(session, school_id)
            _delete_by_pupil(session, school_id, ContactRow, [*new_contacts, *removed])
            refreshed = [summary.pupil_id for summary in attendance]
            _delete_by_pupil(session, school_id, AttendanceSummaryRow, [*refreshed, *removed])
            for chunk in _chunks(list(removed)):
                session.execute(
                    delete(PupilRow).where(PupilRow.school_id == school_id, PupilRow.id.in_(chunk))
                )
            for batch in _chunks(added, size=WRITE_CHUNK):
                session.execute(insert(PupilRow), [_pupil_values(p) for p in batch])
            for batch in _chunks(changed, size=WRITE_CHUNK):
                session.execute(update(PupilRow), [_pupil_values(p) for p in batch])
            rows = [
                _contact_values(school_id, contact)
                for listed in new_contacts.values()
                for contact in listed
            ]
            if rows:
                session.execute(insert(ContactRow), rows)
            if attendance:
                values = [_attendance_values(school_id, s) for s in attendance]
                session.execute(insert(AttendanceSummaryRow), values)
            session.add(_sync_run_row(run))

        self._run("applying a sync", work)

    def save_sync_run(self, run: SyncRun) -> None:
        """Record a sync run on its own (a failed run, which wrote nothing else)."""

        def work(session: Session) -> None:
            _require_school(session, run.school_id)
            session.merge(_sync_run_row(run))

        self._run("saving a sync run", work)

    def last_sync_run(
        self, school_id: str, *, status: SyncStatus | None = SyncStatus.SUCCEEDED
    ) -> SyncRun | None:
        """The latest run of ``school_id`` (by default the latest that succeeded), or None."""
        query = select(SyncRunRow).where(SyncRunRow.school_id == school_id)
        if status is not None:
            query = query.where(SyncRunRow.status == status.value)
        query = query.order_by(SyncRunRow.started_at.desc(), SyncRunRow.id.desc()).limit(1)
        rows = self._all("reading the last sync run", query)
        return _sync_run(rows[0]) if rows else None

    def sync_runs(self, school_id: str, *, limit: int = 20) -> list[SyncRun]:
        """The latest ``limit`` runs of ``school_id``, newest first."""
        query = (
            select(SyncRunRow)
            .where(SyncRunRow.school_id == school_id)
            .order_by(SyncRunRow.started_at.desc(), SyncRunRow.id.desc())
            .limit(limit)
        )
        return [_sync_run(row) for row in self._all("listing sync runs", query)]

    # Plumbing ----------------------------------------------------------------------------

    def _save_for_visit(self, what: str, row: Any, *, merge: bool) -> None:
        def work(session: Session) -> None:
            _require_visit(session, row.school_id, row.visit_id)
            if merge:
                session.merge(row)
            elif session.get(type(row), _primary_key(row)) is None:
                session.add(row)

        self._run(what, work)

    def _all(self, what: str, query: Any) -> list[Any]:
        return self._read(what, lambda s: list(s.scalars(query)))

    def _read(self, what: str, work: Callable[[Session], T]) -> T:
        """Run ``work``, which only reads, in one transaction (never waits for the writer)."""
        return transaction(self._sessions, what, work)

    def _run(self, what: str, work: Callable[[Session], T], *, conflicts: int = 0) -> T:
        """Run ``work``, which writes, in one transaction as this database's one writer;
        retry lost races; hide database detail."""
        return self._attempt(what, self._sessions.begin, work, conflicts)

    def _run_core(self, what: str, work: Callable[[Connection], T], *, conflicts: int = 0) -> T:
        """As ``_run``, on a plain connection: no ORM session to set up and tear down
        (Core statements only; the check-in's path)."""
        return self._attempt(what, self._engine.begin, work, conflicts)

    def _attempt(
        self,
        what: str,
        begin: Callable[[], AbstractContextManager[H]],
        work: Callable[[H], T],
        conflicts: int,
    ) -> T:
        """``work`` in a transaction from ``begin``, as the one writer, with retries.

        The database's own message can hold row values (PostgreSQL prints the
        failing row), so the ``StoreError`` is raised outside the ``except`` block:
        neither its cause nor its context keeps the original exception.
        """
        for attempt in range(conflicts + 1):
            try:
                with self._writer, begin() as handle:
                    return work(handle)
            except IntegrityError as exc:
                problem = f"the database refused {what}{_constraint(exc)}"
                if attempt < conflicts:
                    continue
            except DBAPIError as exc:
                problem = f"the database failed while {what} ({type(exc.orig).__name__})"
            break
        raise StoreError(problem)


def _merge_note(session: Session, school_id: str, note: VisitNote) -> None:
    """Insert or replace ``note`` and the agreements recorded in it, in ``session``."""
    _require_visit(session, school_id, note.visit_id)
    session.merge(mapping.note_row(school_id, note))
    session.flush()
    for agreement in note.agreements:
        _require_visit(session, school_id, agreement.visit_id)
        session.merge(mapping.agreement_row(school_id, note.id, agreement))


def _board_state(row: BoardStateRow) -> BoardState:
    return BoardState(
        school_id=row.school_id,
        visit_id=row.visit_id,
        state=row.state,
        since=row.since,
        rung=row.rung,
        detail=row.detail,
    )


def _delivery(row: DeliveryRow) -> Delivery:
    names = Delivery.model_fields
    return Delivery.model_validate({name: getattr(row, name) for name in names})


def _chunks(items: Sequence[T], *, size: int = IN_CHUNK) -> list[Sequence[T]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _delete_by_pupil(session: Session, school_id: str, table: Any, pupil_ids: list[str]) -> None:
    for chunk in _chunks(sorted(set(pupil_ids))):
        session.execute(
            delete(table).where(table.school_id == school_id, table.pupil_id.in_(chunk))
        )


def _pupil_values(pupil: Pupil) -> dict[str, Any]:
    """The pupils row as plain values: building ORM objects would cost ~0.1 ms a pupil."""
    return {
        "school_id": pupil.school_id,
        "id": pupil.id,
        "first_name": pupil.first_name,
        "last_name": pupil.last_name,
        "date_of_birth": pupil.date_of_birth,
        "year_group": pupil.year_group,
        **mapping.address_columns(pupil.address),
    }


def _contact_values(school_id: str, contact: Contact) -> dict[str, Any]:
    return {
        "school_id": school_id,
        "pupil_id": contact.pupil_id,
        "id": contact.id,
        "name": contact.name,
        "relationship": contact.relationship,
        "parental_responsibility": contact.parental_responsibility,
        "phone": contact.phone,
        "email": contact.email,
        "priority": contact.priority,
        **mapping.address_columns(contact.address),
    }


def _contact(row: ContactRow) -> Contact:
    return Contact(
        id=row.id,
        pupil_id=row.pupil_id,
        name=row.name,
        relationship=row.relationship,
        parental_responsibility=row.parental_responsibility,
        phone=row.phone,
        email=row.email,
        address=mapping.to_address(row),
        priority=row.priority,
    )


def _attendance_values(school_id: str, summary: AttendanceSummary) -> dict[str, Any]:
    return {"school_id": school_id, **summary.model_dump(mode="python")}


def _attendance(row: AttendanceSummaryRow) -> AttendanceSummary:
    return AttendanceSummary(
        pupil_id=row.pupil_id,
        since=row.since,
        until=row.until,
        possible_sessions=row.possible_sessions,
        attended_sessions=row.attended_sessions,
    )


def _sync_run_row(run: SyncRun) -> SyncRunRow:
    values = run.model_dump(mode="python", exclude={"counts"})
    return SyncRunRow(**values, counts=run.counts.model_dump(mode="json"))


def _sync_run(row: SyncRunRow) -> SyncRun:
    values = {name: getattr(row, name) for name in SyncRun.model_fields if name != "counts"}
    return SyncRun.model_validate({**values, "counts": SyncCounts.model_validate(row.counts)})


def _require_school(session: Session, school_id: str) -> None:
    if session.get(SchoolRow, school_id) is None:
        raise UnknownRecordError(f"no school {school_id}: save the school first")


def _require_visit(session: Session, school_id: str, visit_id: str, *, lock: bool = False) -> None:
    query = select(VisitRow.id).where(VisitRow.school_id == school_id, VisitRow.id == visit_id)
    found = session.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise UnknownRecordError(f"school {school_id} holds no visit {visit_id}")


def _of_visit(query: Any, table: Any, school_id: str, visit_id: str) -> Any:
    return query.where(table.school_id == school_id, table.visit_id == visit_id)


def _agreement_rows(session: Session, school_id: str, visit_id: str) -> list[AgreementRow]:
    query = _of_visit(select(AgreementRow), AgreementRow, school_id, visit_id)
    return list(session.scalars(query.order_by(AgreementRow.made_at, AgreementRow.id)))


def _primary_key(row: Any) -> tuple[Any, ...]:
    return tuple(getattr(row, column.key) for column in row.__table__.primary_key.columns)


def _constraint(exc: IntegrityError) -> str:
    name = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    return f" (constraint {name})" if name else " (a constraint failed)"
