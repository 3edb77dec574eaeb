"""``FeedStore``: one school's bookings and feed tokens, in memory or in one file.

The ics adapter has no outside system: it writes bookings here and the feed app
(``hub.adapters.ics.feed``) reads them. With ``feed_dir`` set, each school's store is
one JSON file (mode 0600) written atomically under an exclusive lock, so the engine
that pushes and the web process that serves feeds may be different processes.

Feed tokens are ``secrets.token_urlsafe(32)``, shown once when issued and kept only
as SHA-256 hashes; a presented token is compared with every stored hash in constant
time, without stopping at a match.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from hub.adapters.ics.models import FeedEvent, changed, render, uid_for
from hub.adapters.ics.settings import IcsSettings
from hub.hooks.types import CalendarEvent
from hub.models import Visit

TOKEN_BYTES = 32


class FeedData(BaseModel):
    """What one school's store holds."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    tokens: dict[str, str] = Field(default_factory=dict, description="Token hash → staff id.")
    events: dict[str, FeedEvent] = Field(default_factory=dict, description="UID → booking.")
    keys: dict[str, str] = Field(default_factory=dict, description="Idempotency key → UID.")


def token_hash(token: str) -> str:
    """The stored form of a feed token."""
    return hashlib.sha256(token.encode()).hexdigest()


class FeedStore:
    """One school's bookings and feed tokens."""

    def __init__(self, school_id: str, settings: IcsSettings) -> None:
        self.school_id = school_id
        self.settings = settings
        folder = settings.feed_dir
        self.path = None if folder is None else folder / f"{school_id}.json"
        """The store's file, or None when it is kept in memory."""
        self._memory = FeedData()
        self._guard = threading.Lock()

    # --- bookings -----------------------------------------------------------------------

    def push(
        self, event: CalendarEvent, visit: Visit, key: str, now: datetime
    ) -> tuple[FeedEvent, bool]:
        """Apply one push; a key seen before changes nothing. Returns the booking and
        whether this call changed it."""
        with self._editing() as data:
            uid = data.keys.get(key)
            if uid is not None and uid in data.events:
                return data.events[uid], False
            uid = uid_for(event.school_id, event.visit_id)
            after = changed(data.events.get(uid), event, visit, key=key, now=now)
            data.events[uid] = after
            data.keys[key] = uid
            self._prune(data, now)
            return after, True

    def events(self) -> list[FeedEvent]:
        """Every booking kept, cancelled ones included."""
        return list(self._read().events.values())

    def feed(self, staff_id: str, now: datetime) -> bytes:
        """The iCalendar feed of one member of staff (old visits left out)."""
        oldest = now - timedelta(days=self.settings.keep_days)
        return render(
            (e for e in self._read().events.values() if e.ends_at >= oldest),
            staff_id,
            name=self.settings.calendar_name,
            refresh_minutes=self.settings.refresh_minutes,
            include_location=self.settings.include_location,
        )

    # --- tokens -------------------------------------------------------------------------

    def issue_token(self, staff_id: str) -> str:
        """A new feed token for ``staff_id``, replacing any earlier one. Shown once."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        with self._editing() as data:
            data.tokens = {h: s for h, s in data.tokens.items() if s != staff_id}
            data.tokens[token_hash(token)] = staff_id
        return token

    def revoke(self, staff_id: str) -> bool:
        """Stop ``staff_id``'s feed; True if they had one."""
        with self._editing() as data:
            kept = {h: s for h, s in data.tokens.items() if s != staff_id}
            revoked = len(kept) != len(data.tokens)
            data.tokens = kept
        return revoked

    def staff_for(self, token: str) -> str | None:
        """Whose feed ``token`` opens, or None; every stored hash is compared."""
        presented = token_hash(token).encode()
        found: str | None = None
        for stored, staff_id in self._read().tokens.items():
            if hmac.compare_digest(presented, stored.encode()):
                found = staff_id
        return found

    def subscribed(self) -> int:
        """How many staff hold a feed token."""
        return len(self._read().tokens)

    # --- storage ------------------------------------------------------------------------

    def _prune(self, data: FeedData, now: datetime) -> None:
        oldest = now - timedelta(days=self.settings.keep_days)
        old = {uid for uid, e in data.events.items() if e.ends_at < oldest}
        data.events = {uid: e for uid, e in data.events.items() if uid not in old}
        data.keys = {k: uid for k, uid in data.keys.items() if uid not in old}

    def _read(self) -> FeedData:
        if self.path is None:
            return self._memory
        try:
            return FeedData.model_validate_json(self.path.read_bytes())
        except FileNotFoundError:
            return FeedData()

    @contextmanager
    def _editing(self) -> Iterator[FeedData]:
        with self._guard:
            if self.path is None:
                yield self._memory
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock():
                data = self._read()
                yield data
                self._write(data)

    @contextmanager
    def _lock(self) -> Iterator[None]:
        assert self.path is not None
        lock = self.path.with_name(f".{self.path.name}.lock")
        with lock.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _write(self, data: FeedData) -> None:
        assert self.path is not None
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data.model_dump_json().encode())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
