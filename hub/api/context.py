"""What every request handler works with, held on ``app.state`` (never a module global)."""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import ParamSpec, TypeVar

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from hub.api.principals import PrincipalCache
from hub.auth.roles import Principal
from hub.engine.service import Engine
from hub.hooks.manager import Hooks
from hub.policy import PolicyPack
from hub.settings import HubSettings
from hub.store import Store
from hub.store.requests import RequestStore
from hub.store.users import UserStore

P = ParamSpec("P")
T = TypeVar("T")

HooksFor = Callable[[str], Hooks]


def utc_now() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


@dataclass
class ApiContext:
    """The app's resources: settings, the store and its repositories, hooks, the engine."""

    settings: HubSettings
    store: Store
    hooks_for: HooksFor
    engine: Engine | None = None
    clock: Callable[[], datetime] = utc_now
    users: UserStore = field(init=False)
    principals: PrincipalCache = field(default_factory=PrincipalCache)
    requests: RequestStore = field(init=False)
    _hooks: dict[str, Hooks] = field(default_factory=dict)
    _started: list[Hooks] = field(default_factory=list)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _writer: ThreadPoolExecutor | None = None

    def __post_init__(self) -> None:
        self.users = UserStore(self.store.engine, writer=self.store.writer)
        self.requests = RequestStore(self.store.engine, writer=self.store.writer)

    def now(self) -> datetime:
        """Now, by the engine's clock when there is an engine (so both agree)."""
        if self.engine is not None:
            return self.engine.runtime.clock()
        return self.clock()

    async def hooks(self, school_id: str) -> Hooks:
        """The school's hooks: the engine's own when it runs, else built and started once."""
        if self.engine is not None:
            return self.engine.runtime.hooks(school_id)
        found = self._hooks.get(school_id)
        if found is not None:
            return found
        async with self._lock:
            found = self._hooks.get(school_id)
            if found is None:
                found = self.hooks_for(school_id)
                await found.start()
                self._started.append(found)
                self._hooks[school_id] = found
        return found

    async def pack(self, school_id: str) -> PolicyPack:
        """The school's policy pack."""
        return (await self.hooks(school_id)).pack

    async def principal_for(self, token_hash: str) -> Principal | None:
        """Who the token with this hash belongs to (remembered for a few seconds:
        ``hub.api.principals``), or None."""
        changes = self.users.changes
        found = self.principals.get(token_hash, changes)
        if found is None:
            read_at = self.principals.clock()
            found = await self.look_up(self.users.principal_for_token, token_hash)
            if found is not None:
                self.principals.put(token_hash, found, changes, read_at)
        return found

    async def io(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a blocking store call off the event loop."""
        return await run_in_threadpool(fn, *args, **kwargs)

    async def look_up(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """A point read by key on every request (the caller's token, the visit).

        On SQLite it runs right here on the event loop: in WAL mode a reader never
        waits for the writer, the read takes about a tenth of a millisecond, and
        handing it to a worker thread and back costs more than the read itself (the
        bench's profile). Elsewhere (a database across the network) it runs in a thread.
        """
        if self.store.writer.exclusive:
            return fn(*args, **kwargs)
        return await run_in_threadpool(fn, *args, **kwargs)

    async def write(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a blocking store write off the event loop, one at a time on SQLite.

        SQLite has one writer. The app's writes queue for one thread of their own, first
        come first served, rather than each holding a worker thread while it waits for
        the store's lock (the threads are needed for the reads meanwhile); a plain
        executor hands over for less CPU than the general thread pool (the bench's
        profile). The commit, and WAL checkpoints with their fsync, stay off the loop.
        """
        if not self.store.writer.exclusive:
            return await run_in_threadpool(fn, *args, **kwargs)
        if self._writer is None:
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="doorstep-api-writer")
        call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._writer, call)

    async def aclose(self) -> None:
        """Stop the adapters this app started."""
        for hooks in self._started:
            await hooks.aclose()
        self._started.clear()
        self._hooks.clear()
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None


def context_of(request: Request) -> ApiContext:
    """The ``ApiContext`` of the app serving ``request``."""
    ctx: ApiContext = request.app.state.ctx
    return ctx
