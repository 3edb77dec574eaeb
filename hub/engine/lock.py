"""One hub process per SQLite file: an operating-system lock held while the engine runs.

SQLite cannot be shared by several hub processes (DBOS recovers only its own
executor's workflows, and two writers would fight over the file), so a second hub
on the same file must refuse to start. The lock is ``flock`` on ``<file>.lock``: the
kernel releases it when the holder exits, even by ``kill -9``, so a crash never
leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType
from typing import Self

from hub.errors import DoorstepError


class EngineLockedError(DoorstepError):
    """Another hub process already runs the engine on this SQLite file."""


class ProcessLock:
    """An exclusive, non-blocking lock on ``path``, held until ``release()``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise ``EngineLockedError`` at once (never waits)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            who = f" (process {holder})" if holder else ""
            raise EngineLockedError(
                f"another Doorstep hub{who} is already running on {self.path.with_suffix('')}; "
                "SQLite allows one hub process: stop it, or use PostgreSQL to run several"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        """Let go of the lock (closing the file releases it)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _read_pid(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode(errors="ignore").strip()
    except OSError:
        return ""
    return text if text.isdigit() else ""
