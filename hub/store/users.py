"""Users, their roles per school, API tokens, sessions and check-in PINs.

``UserStore`` shares the store's engine. Secrets never reach it: tokens and session
ids arrive hashed (SHA-256), passwords and PINs as Argon2id hashes (``hub.auth``).
Nothing about a caller is cached here; ``UserStore.changes`` counts the changes this
process made to users, tokens and roles, so a cache of callers (the API's) can drop
what it holds the moment one is made.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Engine, bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from hub.auth.records import ApiToken, User
from hub.auth.roles import Membership, Principal, Role
from hub.store.errors import StoreError, UnknownRecordError
from hub.store.tables import ApiTokenRow, MembershipRow, SchoolRow, UserRow, UserSessionRow
from hub.store.transact import Writer, read_rows, transaction

T = TypeVar("T")


class _Changes:
    """The changes made to users, tokens, roles and sessions by every ``UserStore`` of
    this process (a count that only grows; shared, because a cache of callers must see
    a change made through any repository). Repositories write from worker threads, so
    the count only moves under ``lock``: an in-process change is never lost."""

    count = 0
    lock = threading.Lock()

    @classmethod
    def add_one(cls) -> None:
        with cls.lock:
            cls.count += 1


class UserStore:
    """Repository of users, memberships, tokens and sessions."""

    def __init__(self, engine: Engine, *, writer: Writer | None = None) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._writer = writer or Writer.for_engine(engine)

    # users ---------------------------------------------------------------------------------

    def add_user(self, user_id: str, now: datetime, *, password_hash: str | None = None) -> User:
        """Create a user; ``StoreError`` when the id is taken."""
        user = User(id=user_id, created_at=now, has_password=password_hash is not None)

        def work(session: Session) -> None:
            if session.get(UserRow, user_id) is not None:
                raise StoreError(f"user {user_id} exists already")
            session.add(UserRow(id=user_id, password_hash=password_hash, created_at=now))

        self._run("adding a user", work)
        return user

    def get_user(self, user_id: str) -> User | None:
        """The user, or None."""
        row = self._read("reading a user", lambda s: s.get(UserRow, user_id))
        return _user(row) if row else None

    def list_users(self) -> list[User]:
        """Every user, by id."""
        rows = self._read(
            "listing users", lambda s: list(s.scalars(select(UserRow).order_by(UserRow.id)))
        )
        return [_user(row) for row in rows]

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        """Replace the user's password hash."""
        self._update_user(user_id, password_hash=password_hash)

    def set_pin_hashes(self, user_id: str, pin_hash: str, duress_pin_hash: str) -> None:
        """Set the user's check-in PIN and duress PIN (both hashed)."""
        self._update_user(user_id, pin_hash=pin_hash, duress_pin_hash=duress_pin_hash)

    def pin_hashes(self, user_id: str) -> tuple[str | None, str | None]:
        """The user's ``(pin_hash, duress_pin_hash)``."""
        row = self._read("reading PINs", lambda s: s.get(UserRow, user_id))
        return (row.pin_hash, row.duress_pin_hash) if row else (None, None)

    def password_hash(self, user_id: str) -> str | None:
        """The user's password hash, or None."""
        row = self._read("reading a password", lambda s: s.get(UserRow, user_id))
        return row.password_hash if row and row.disabled_at is None else None

    def disable_user(self, user_id: str, now: datetime) -> None:
        """Disable a user: every token and session stops working at once."""
        self._update_user(user_id, disabled_at=now)

    # memberships ---------------------------------------------------------------------------

    def grant(self, membership: Membership) -> None:
        """Give a user roles at a school (replacing their roles there)."""

        def work(session: Session) -> None:
            if session.get(UserRow, membership.user_id) is None:
                raise UnknownRecordError(f"no user {membership.user_id}")
            if session.get(SchoolRow, membership.school_id) is None:
                raise UnknownRecordError(f"no school {membership.school_id}: save it first")
            session.merge(
                MembershipRow(
                    user_id=membership.user_id,
                    school_id=membership.school_id,
                    staff_id=membership.staff_id,
                    roles=sorted(role.value for role in membership.roles),
                )
            )

        self._run("granting roles", work)

    def ungrant(self, user_id: str, school_id: str) -> bool:
        """Take every role at ``school_id`` away from a user; False when they had none."""

        def work(session: Session) -> bool:
            row = session.get(MembershipRow, (user_id, school_id))
            if row is None:
                return False
            session.delete(row)
            return True

        return self._run("removing roles", work)

    def memberships(self, user_id: str) -> list[Membership]:
        """The user's memberships, by school."""
        query = select(MembershipRow).where(MembershipRow.user_id == user_id)
        rows = self._read("reading memberships", lambda s: list(s.scalars(query)))
        return sorted((_membership(row) for row in rows), key=lambda m: m.school_id)

    # API tokens ----------------------------------------------------------------------------

    def add_token(
        self, user_id: str, token_id: str, token_hash: str, label: str, now: datetime
    ) -> ApiToken:
        """Store a new token's hash."""
        row = ApiTokenRow(
            id=token_id, user_id=user_id, token_hash=token_hash, label=label, created_at=now
        )

        def work(session: Session) -> None:
            if session.get(UserRow, user_id) is None:
                raise UnknownRecordError(f"no user {user_id}")
            session.add(row)

        self._run("adding a token", work)
        return _token(row)

    def revoke_token(self, token_id: str, now: datetime) -> bool:
        """Revoke a token; False when no active token has this id."""
        statement = (
            update(ApiTokenRow)
            .where(ApiTokenRow.id == token_id, ApiTokenRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return self._run("revoking a token", lambda s: _count(s.execute(statement)) == 1)

    def tokens(self, user_id: str | None = None) -> list[ApiToken]:
        """Tokens of one user (or everyone's), oldest first."""
        query = select(ApiTokenRow).order_by(ApiTokenRow.created_at, ApiTokenRow.id)
        if user_id is not None:
            query = query.where(ApiTokenRow.user_id == user_id)
        return [
            _token(row) for row in self._read("listing tokens", lambda s: list(s.scalars(query)))
        ]

    def principal_for_token(self, token_hash: str) -> Principal | None:
        """Who an active token of an enabled user belongs to, with their memberships.

        One query (token, user and memberships joined) on every API request.
        """
        rows = read_rows(self._engine, "checking a token", _PRINCIPAL_BY_TOKEN, {"h": token_hash})
        if not rows:
            return None
        memberships = tuple(
            Membership(
                user_id=row.user_id,
                school_id=row.school_id,
                staff_id=row.staff_id,
                roles=frozenset(Role(role) for role in row.roles),
            )
            for row in rows
            if row.school_id is not None
        )
        return Principal(user_id=rows[0].user_id, memberships=memberships)

    # sessions ------------------------------------------------------------------------------

    def add_session(self, user_id: str, id_hash: str, now: datetime, expires_at: datetime) -> None:
        """Store a new web session by the hash of its id."""
        row = UserSessionRow(
            id_hash=id_hash, user_id=user_id, created_at=now, expires_at=expires_at
        )
        self._run("adding a session", lambda s: s.add(row))

    def principal_for_session(self, id_hash: str, now: datetime) -> Principal | None:
        """Who an unexpired, unrevoked session of an enabled user belongs to."""

        def work(session: Session) -> Principal | None:
            query = (
                select(UserSessionRow.user_id)
                .join(UserRow, UserRow.id == UserSessionRow.user_id)
                .where(
                    UserSessionRow.id_hash == id_hash,
                    UserSessionRow.revoked_at.is_(None),
                    UserSessionRow.expires_at > now,
                    UserRow.disabled_at.is_(None),
                )
            )
            user_id = session.scalar(query)
            return None if user_id is None else _principal(session, user_id)

        return self._read("checking a session", work)

    def end_session(self, id_hash: str, now: datetime) -> None:
        """Revoke a session (sign out)."""
        statement = (
            update(UserSessionRow).where(UserSessionRow.id_hash == id_hash).values(revoked_at=now)
        )
        self._run("ending a session", lambda s: s.execute(statement))

    # plumbing ------------------------------------------------------------------------------

    @property
    def changes(self) -> int:
        """How many changes this process has written to users, tokens, roles and sessions.

        Read it before a look-up you keep: if it differs later, something changed since.
        Changes made by another process (``doorstep users revoke``) are not counted.
        """
        return _Changes.count

    def _update_user(self, user_id: str, **values: object) -> None:
        statement = update(UserRow).where(UserRow.id == user_id).values(**values)
        if not self._run("updating a user", lambda s: _count(s.execute(statement)) == 1):
            raise UnknownRecordError(f"no user {user_id}")

    def _run(self, what: str, work: Callable[[Session], T]) -> T:
        try:
            return transaction(self._sessions, what, work, writer=self._writer)
        finally:
            _Changes.add_one()

    def _read(self, what: str, work: Callable[[Session], T]) -> T:
        return transaction(self._sessions, what, work)


_PRINCIPAL_BY_TOKEN = (
    select(
        ApiTokenRow.user_id, MembershipRow.school_id, MembershipRow.staff_id, MembershipRow.roles
    )
    .join(UserRow, UserRow.id == ApiTokenRow.user_id)
    .outerjoin(MembershipRow, MembershipRow.user_id == ApiTokenRow.user_id)
    .where(
        ApiTokenRow.token_hash == bindparam("h"),
        ApiTokenRow.revoked_at.is_(None),
        UserRow.disabled_at.is_(None),
    )
)
"""A token's user and memberships, if the token is active and its user enabled."""


def _principal(session: Session, user_id: str) -> Principal:
    rows = session.scalars(select(MembershipRow).where(MembershipRow.user_id == user_id))
    return Principal(user_id=user_id, memberships=tuple(_membership(row) for row in rows))


def _membership(row: MembershipRow) -> Membership:
    return Membership(
        user_id=row.user_id,
        school_id=row.school_id,
        staff_id=row.staff_id,
        roles=frozenset(Role(role) for role in row.roles),
    )


def _user(row: UserRow) -> User:
    return User(
        id=row.id,
        created_at=row.created_at,
        disabled_at=row.disabled_at,
        has_password=row.password_hash is not None,
        has_pins=row.pin_hash is not None,
    )


def _token(row: ApiTokenRow) -> ApiToken:
    return ApiToken(
        id=row.id,
        user_id=row.user_id,
        label=row.label,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0))
