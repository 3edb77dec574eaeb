"""Who a bearer token belongs to, remembered for a few seconds.

The token look-up (token, user and roles joined) was a fifth of the API's CPU per
check-in. ``PrincipalCache`` keeps the answer for ``TOKEN_CACHE_SECONDS``, keyed by the
token's SHA-256 (never the token), and drops everything the moment this process changes
a user, token or role (``UserStore.changes``). So:

- revoked, disabled or ungranted through the hub itself (the API, the web pages, a test):
  refused on the very next request, as before;
- revoked by another process (``doorstep users revoke``, ``disable``, ``ungrant``):
  refused within ``TOKEN_CACHE_SECONDS``.

An unknown or revoked token is never remembered: a refusal always reads the database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hub.auth.roles import Principal

TOKEN_CACHE_SECONDS = 5.0
"""How long a token another process revoked may still be accepted (docs/api.md)."""

MAX_CACHED_TOKENS = 10_000
"""More than a school's staff; past this the cache starts again empty."""


@dataclass(frozen=True)
class _Entry:
    principal: Principal
    until: float
    changes: int


@dataclass
class PrincipalCache:
    """Token hash -> ``Principal``, each for ``ttl`` seconds of ``clock`` (monotonic)."""

    ttl: float = TOKEN_CACHE_SECONDS
    clock: Callable[[], float] = time.monotonic
    limit: int = MAX_CACHED_TOKENS
    _entries: dict[str, _Entry] = field(default_factory=dict)

    def get(self, token_hash: str, changes: int) -> Principal | None:
        """The remembered caller, unless it is older than ``ttl`` or ``changes`` (the user
        store's count now) differs from the count read before it was looked up."""
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        if entry.changes != changes or self.clock() >= entry.until:
            del self._entries[token_hash]
            return None
        return entry.principal

    def put(self, token_hash: str, principal: Principal, changes: int, read_at: float) -> None:
        """Remember ``principal``, looked up after the user store's count was ``changes``
        and the clock read ``read_at`` (``clock()`` taken before the look-up: the ``ttl``
        runs from when the database was read, not from when the answer came back)."""
        if len(self._entries) >= self.limit:
            self._entries.clear()
        self._entries[token_hash] = _Entry(principal, read_at + self.ttl, changes)
