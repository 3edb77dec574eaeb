"""The ``csv`` adapter's fake: a seeded MIS that writes SIMS- or Arbor-style exports.

``FakeState`` holds generated pupils (siblings share an address), their contacts and
their register marks, all from Faker ``en_GB`` with a fixed seed. ``write(folder)``
writes ``pupils.csv``, ``contacts.csv`` and ``attendance.csv`` the way the chosen MIS
exports them (headers, date style, encoding, delimiter); ``FakeState(folder=...)``
writes them there at once (as does ``use_folder(folder)``, which the fake server calls),
and its ``fail_next`` takes them away until ``fail_next(times=0)``, so health and
recovery can be tested. ``records`` are the rows the adapter wrote to the agreements
outbox (``agreements.csv``) in that folder. ``create_app(state)`` serves the same files
over HTTP (``GET /pupils.csv``) for the demo and the contract kit; the adapter itself
reads files, never HTTP.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs

from faker import Faker

from hub.adapters.csv.models import EXPORTS, PRESETS, Export
from hub.adapters.csv.outbox import AgreementOutbox

SEED = 20261123
FIRST_DAY = date(2026, 9, 7)
"""The first school day of the generated register (a Monday)."""
EXPORTED_AT = datetime(2026, 11, 20, 16, 0)
"""When the generated exports were made (school time)."""

AttendanceStyle = Literal["marks", "totals"]
_MARKS = ("/", "\\", "/", "\\", "/", "\\", "/", "\\", "L", "N", "O", "I", "M")


@dataclass(frozen=True)
class FakeFiles:
    """Where ``FakeState.write`` put each export."""

    folder: Path
    pupils: Path
    contacts: Path
    attendance: Path


@dataclass
class _Failure:
    status: int
    times: int
    retry_after: int | None


@dataclass
class FakeState:
    """Seeded fake MIS data and the knobs the contract kit turns."""

    folder: Path | None = None
    seed: int = SEED
    pupil_count: int = 24
    school_days: int = 40
    page_size: int = 100
    latency_s: float = 0.0
    pupils: list[dict[str, str]] = field(default_factory=list)
    contacts: list[dict[str, str]] = field(default_factory=list)
    marks: list[dict[str, str]] = field(default_factory=list)
    _requests: list[tuple[str, str]] = field(default_factory=list)
    _failure: _Failure | None = None

    def __post_init__(self) -> None:
        if not self.pupils:
            self._generate()
        if self.folder is not None:
            self.write(self.folder)

    # --- the contract kit's members ----------------------------------------------------

    def fail_next(self, status: int = 503, times: int = 2, retry_after: int | None = None) -> None:
        """Answer the next ``times`` HTTP requests with ``status``.

        With a ``folder``, the exports are also taken away (as when the MIS export
        did not arrive) until ``fail_next(times=0)`` puts them back.
        """
        self._failure = _Failure(status, times, retry_after)
        if self.folder is None:
            return
        for export in EXPORTS:
            present, held = self.folder / f"{export}.csv", self.folder / f"{export}.csv.held"
            if times > 0 and present.exists():
                present.replace(held)
            elif times == 0 and held.exists():
                held.replace(present)

    def personal_values(self) -> list[str]:
        """Every generated personal value: names, address lines, postcodes, phones, e-mails."""
        keys = ("first_name", "last_name", "address_line1", "address_line2", "town", "postcode")
        values = [row[key] for row in self.pupils for key in keys if row.get(key)]
        values += [
            row[key] for row in self.contacts for key in ("name", "phone", "email") if row[key]
        ]
        return sorted(set(values))

    @property
    def requests(self) -> list[tuple[str, str]]:
        """``(method, path)`` of every HTTP request the app received."""
        return self._requests

    @property
    def records(self) -> list[dict[str, str]]:
        """The agreements the adapter wrote to ``agreements.csv`` in the folder."""
        return AgreementOutbox(self.folder).rows() if self.folder is not None else []

    def use_folder(self, folder: Path) -> None:
        """Write the exports into ``folder``; agreements are read back from it."""
        self.folder = folder
        self.write(folder)

    def pupil_ids(self) -> list[str]:
        """The generated pupils' ids."""
        return [row["pupil_id"] for row in self.pupils]

    # --- files ----------------------------------------------------------------------------

    def table(
        self,
        export: Export,
        *,
        preset: str = "sims",
        attendance: AttendanceStyle = "marks",
    ) -> tuple[list[str], list[list[str]]]:
        """The headers and rows of one export as ``preset``'s MIS writes it."""
        rows, columns = self._rows(export, attendance)
        headers = PRESETS[preset][export]
        return (
            [headers[column] for column in columns],
            [[_styled(column, row.get(column, ""), preset) for column in columns] for row in rows],
        )

    def write(
        self,
        folder: Path,
        *,
        preset: str = "sims",
        encoding: str = "utf-8",
        delimiter: str = ",",
        attendance: AttendanceStyle = "marks",
    ) -> FakeFiles:
        """Write the three exports into ``folder`` and say where they are."""
        folder.mkdir(parents=True, exist_ok=True)
        for export in EXPORTS:
            headers, rows = self.table(export, preset=preset, attendance=attendance)
            write_table(folder / f"{export}.csv", headers, rows, encoding, delimiter)
        return FakeFiles(
            folder, folder / "pupils.csv", folder / "contacts.csv", folder / "attendance.csv"
        )

    def _rows(
        self, export: Export, attendance: AttendanceStyle
    ) -> tuple[list[dict[str, str]], list[str]]:
        if export == "pupils":
            return self.pupils, [c for c in PRESETS["sims"]["pupils"] if c != "household_id"]
        if export == "contacts":
            return self.contacts, list(PRESETS["sims"]["contacts"])
        if attendance == "marks":
            return self.marks, ["pupil_id", "date", "session", "mark"]
        return _totals(self.marks), [
            "pupil_id",
            "period_start",
            "period_end",
            "possible",
            "attended",
        ]

    # --- generation -----------------------------------------------------------------------

    def _generate(self) -> None:
        faker = Faker("en_GB")
        faker.seed_instance(self.seed)
        home: dict[str, str] = {}
        parents: list[dict[str, str]] = []
        for index in range(self.pupil_count):
            pupil_id = str(100_001 + index)
            if not home or faker.random.random() < 0.7:
                home, parents = _household(faker, len(self.pupils))
            surname = parents[0]["name"].split(" ")[-1]
            self.pupils.append(
                {
                    "pupil_id": pupil_id,
                    "first_name": faker.first_name(),
                    "last_name": surname,
                    "date_of_birth": faker.date_of_birth(minimum_age=5, maximum_age=16).isoformat(),
                    "year_group": str(faker.random.randint(7, 11)),
                    **home,
                    "last_modified": (
                        EXPORTED_AT - timedelta(days=faker.random.randint(0, 60))
                    ).isoformat(sep=" "),
                }
            )
            for priority, parent in enumerate(parents, start=1):
                self.contacts.append({**parent, "pupil_id": pupil_id, "priority": str(priority)})
            self.marks += _register(faker, pupil_id, self.school_days)


def _household(faker: Faker, number: int) -> tuple[dict[str, str], list[dict[str, str]]]:
    home = {
        "address_line1": faker.street_address().replace("\n", ", "),
        "address_line2": faker.secondary_address() if faker.random.random() < 0.2 else "",
        "town": faker.city(),
        "postcode": faker.postcode(),
    }
    surname = faker.last_name()
    parents = [
        {
            "contact_id": f"C{5000 + number * 3 + n}",
            "name": f"{faker.first_name()} {surname}",
            "relationship": relationship,
            "parental_responsibility": "yes" if responsible else "no",
            "phone": faker.phone_number(),
            "email": faker.email(),
        }
        for n, (relationship, responsible) in enumerate(
            [("Mother", True), ("Father", True), ("Grandparent", False)][
                : faker.random.randint(1, 3)
            ]
        )
    ]
    return home, parents


def _register(faker: Faker, pupil_id: str, days: int) -> list[dict[str, str]]:
    marks: list[dict[str, str]] = []
    day = FIRST_DAY
    while len(marks) < days * 2:
        if day.weekday() < 5:
            for session in ("AM", "PM"):
                mark = faker.random.choice(_MARKS)
                if mark == "\\" and session == "AM":
                    mark = "/"
                if mark == "/" and session == "PM":
                    mark = "\\"
                marks.append(
                    {
                        "pupil_id": pupil_id,
                        "date": day.isoformat(),
                        "session": session,
                        "mark": mark,
                    }
                )
        day += timedelta(days=1)
    return marks


def _totals(marks: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    by_pupil: dict[str, list[dict[str, str]]] = {}
    for mark in marks:
        by_pupil.setdefault(mark["pupil_id"], []).append(mark)
    rows = []
    for pupil_id, own in by_pupil.items():
        attended = sum(1 for m in own if m["mark"] in {"/", "\\", "L"})
        rows.append(
            {
                "pupil_id": pupil_id,
                "period_start": own[0]["date"],
                "period_end": own[-1]["date"],
                "possible": str(len(own)),
                "attended": str(attended),
            }
        )
    return rows


def _styled(column: str, value: str, preset: str) -> str:
    """A value as the MIS writes it: SIMS has DD/MM/YYYY and Yes/No, Arbor ISO and TRUE."""
    if not value:
        return value
    if column in {"date_of_birth", "date", "period_start", "period_end", "last_modified"}:
        if preset == "sims":
            on, _, clock = value.partition(" ")
            day = date.fromisoformat(on).strftime("%d/%m/%Y")
            return f"{day} {clock[:5]}" if clock else day
        return value
    if column == "parental_responsibility":
        yes = value == "yes"
        if preset == "sims":
            return "Yes" if yes else "No"
        return "TRUE" if yes else "FALSE"
    return value


def write_table(
    path: Path,
    headers: list[str],
    rows: Iterable[list[str]],
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> None:
    """Write one CSV file the way a spreadsheet saves it (CRLF line ends, minimal quoting)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def create_app(state: FakeState) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """An ASGI app serving the exports: ``GET /<export>.csv?preset=sims|arbor``."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        method = scope["method"]
        path = scope["path"][len(scope.get("root_path", "")) :] or "/"
        state.requests.append((method, path))
        if state.latency_s:
            await asyncio.sleep(state.latency_s)
        failure = state._failure
        if failure is not None and failure.times > 0:
            failure.times -= 1
            retry = (
                [] if failure.retry_after is None else [("retry-after", str(failure.retry_after))]
            )
            await _respond(send, failure.status, b"", retry)
            return
        export = next((e for e in EXPORTS if path == f"/{e}.csv"), None)
        if method != "GET" or export is None:
            await _respond(send, 404, b"not found", [])
            return
        preset = parse_qs(scope.get("query_string", b"").decode()).get("preset", ["sims"])[0]
        if preset not in PRESETS:
            await _respond(send, 400, b"unknown preset", [])
            return
        buffer = io.StringIO(newline="")
        headers_row, rows = state.table(export, preset=preset)
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(headers_row)
        writer.writerows(rows)
        await _respond(send, 200, buffer.getvalue().encode(), [("content-type", "text/csv")])

    return app


async def _respond(send: Send, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
    raw = [(name.encode(), value.encode()) for name, value in headers]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
