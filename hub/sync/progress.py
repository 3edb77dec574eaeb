"""Showing a sync's progress: a rich progress bar on a terminal, log lines otherwise.

The runner reports stages ("pupils", "contacts", "attendance") and counts only; no
progress line ever holds a name or any other personal value.
"""

from __future__ import annotations

from typing import IO, Protocol

import structlog
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

log = structlog.get_logger(__name__)

LOG_STEPS = 10
"""A log-line reporter writes a line each time a stage passes another tenth."""


class SyncProgress(Protocol):
    """Where the runner reports how far it is."""

    def stage(self, name: str, total: int | None) -> None:
        """A new stage begins, with ``total`` items when known."""

    def advance(self, count: int = 1) -> None:
        """``count`` more items of the current stage are done."""

    def close(self) -> None:
        """The sync is over (finished, held or failed)."""


class NoProgress:
    """Reports nothing (tests, the durable engine)."""

    def stage(self, name: str, total: int | None) -> None:
        """Ignore the stage."""

    def advance(self, count: int = 1) -> None:
        """Ignore the count."""

    def close(self) -> None:
        """Nothing to close."""


class LogProgress:
    """Structured ``sync.progress`` lines: stage, done, total; one per tenth of a stage."""

    def __init__(self, school_id: str) -> None:
        self._school_id = school_id
        self._stage = ""
        self._total: int | None = None
        self._done = 0
        self._next_step = 1

    def stage(self, name: str, total: int | None) -> None:
        """Log the start of a stage."""
        self._stage, self._total, self._done, self._next_step = name, total, 0, 1
        log.info("sync.progress", school=self._school_id, stage=name, done=0, total=total)

    def advance(self, count: int = 1) -> None:
        """Log when the stage passes another tenth (or finishes)."""
        self._done += count
        if not self._total:
            return
        if self._done * LOG_STEPS >= self._next_step * self._total:
            self._next_step = self._done * LOG_STEPS // self._total + 1
            log.info(
                "sync.progress",
                school=self._school_id,
                stage=self._stage,
                done=self._done,
                total=self._total,
            )

    def close(self) -> None:
        """Nothing to close."""


class RichProgress:
    """A progress bar per stage on a terminal."""

    def __init__(self, console: Console) -> None:
        self._bar = Progress(
            TextColumn("{task.description:<11}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=False,
        )
        self._task: TaskID | None = None
        self._bar.start()

    def stage(self, name: str, total: int | None) -> None:
        """Start a new bar for the stage."""
        if self._task is not None:
            self._bar.stop_task(self._task)
        self._task = self._bar.add_task(name, total=total)

    def advance(self, count: int = 1) -> None:
        """Move the current bar on."""
        if self._task is not None:
            self._bar.advance(self._task, count)

    def close(self) -> None:
        """Stop drawing."""
        self._bar.stop()


def progress_for(school_id: str, stream: IO[str]) -> SyncProgress:
    """A rich bar when ``stream`` is a terminal, structured log lines otherwise."""
    if stream.isatty():
        return RichProgress(Console(file=stream))
    return LogProgress(school_id)
