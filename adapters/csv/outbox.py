"""Agreements to the MIS as an outbox file the MIS imports: ``agreements.csv``.

One row per agreement, written once per idempotency key. The row's ``reference`` is
derived from the key, so a repeat (an engine retry, a restart, an administrator's
retry) finds the row it wrote and writes nothing. Every write happens under an OS
lock and replaces the file in one step (a new file renamed over the old), so an
import job never reads half a row. A small ledger (``.agreements-sent``) remembers
each reference even after the import job has moved ``agreements.csv`` away.

The file holds what an MIS import needs to attach an agreement to a pupil: the MIS's
pupil id, never a name or an address.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from hub.models import Agreement

AGREEMENTS_FILE = "agreements.csv"
LEDGER_FILE = ".agreements-sent"
LOCK_FILE = ".agreements.lock"
FILE_MODE = 0o640
"""Owner writes, the MIS import job's group reads, nobody else."""
COLUMNS = (
    "reference",
    "pupil_id",
    "agreement_id",
    "visit_id",
    "owner",
    "action",
    "due_by",
    "made_at",
)
"""The header row of ``agreements.csv``, in order."""

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def reference_for(idempotency_key: str) -> str:
    """The row reference for a key: the same key always gives the same reference."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()
    return f"DS-{digest[:20].upper()}"


def _cell(value: str) -> str:
    """A value safe to open in a spreadsheet: a leading formula character is quoted."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def to_row(agreement: Agreement, reference: str) -> list[str]:
    """The ``agreements.csv`` row of one agreement (dates ISO 8601, times UTC)."""
    return [
        reference,
        agreement.pupil_id,
        agreement.id,
        agreement.visit_id,
        agreement.owner,
        _cell(agreement.action),
        agreement.due_by.isoformat() if agreement.due_by else "",
        agreement.made_at.isoformat(),
    ]


def _encode(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


class AgreementOutbox:
    """The ``agreements.csv`` outbox in one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / AGREEMENTS_FILE

    def record(self, agreement: Agreement, idempotency_key: str) -> tuple[str, bool]:
        """Add the agreement's row unless its key was recorded; ``(reference, created)``."""
        reference = reference_for(idempotency_key)
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._locked():
            if reference in self._sent() or reference in self._references():
                return reference, False
            current = self.path.read_bytes() if self.path.exists() else _encode([list(COLUMNS)])
            self._replace(current + _encode([to_row(agreement, reference)]))
            with (self.folder / LEDGER_FILE).open("a", encoding="utf-8") as ledger:
                ledger.write(f"{reference}\n")
                ledger.flush()
                os.fsync(ledger.fileno())
        return reference, True

    def rows(self) -> list[dict[str, str]]:
        """The rows now in ``agreements.csv`` (none when the import job took the file)."""
        if not self.path.exists():
            return []
        text = self.path.read_text(encoding="utf-8")
        return list(csv.DictReader(io.StringIO(text, newline="")))

    def _references(self) -> set[str]:
        return {row["reference"] for row in self.rows()}

    def _sent(self) -> set[str]:
        ledger = self.folder / LEDGER_FILE
        if not ledger.exists():
            return set()
        return set(ledger.read_text(encoding="utf-8").split())

    def _replace(self, data: bytes) -> None:
        handle, temporary = tempfile.mkstemp(prefix=".agreements.csv.tmp-", dir=self.folder)
        try:
            with os.fdopen(handle, "wb") as out:
                os.fchmod(out.fileno(), FILE_MODE)
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with (self.folder / LOCK_FILE).open("a") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
