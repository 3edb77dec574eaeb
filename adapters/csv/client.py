"""The ``csv`` adapter's client: it reads export files where other adapters call an API.

Each file is decoded (UTF-8 with or without BOM, UTF-16, then Windows-1252), its
delimiter sniffed (comma, semicolon, tab or pipe), its headers matched to the
school's layout, and every row converted on its own: a bad row is reported with the
file, its line number and the reason, and the good rows are kept. A file is read
again only when it changes on disk.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

import structlog

from hub.adapters.csv.models import (
    EXPORTS,
    REQUIRED,
    Export,
    ImportReport,
    Layout,
    MarkRow,
    PupilRecord,
    RejectedRow,
    RowError,
    TotalsRow,
    layout_for,
    to_contact,
    to_mark,
    to_pupil_record,
    to_totals,
)
from hub.adapters.csv.settings import CsvSettings
from hub.errors import AdapterConfigError
from hub.models import Contact

log = structlog.get_logger(__name__)

ADAPTER = "csv"
DELIMITERS = ",;\t|"
_SNIFF_LINES = 50
T = TypeVar("T")

_COLUMN_SETTINGS: dict[Export, str] = {
    "pupils": "pupil_columns",
    "contacts": "contact_columns",
    "attendance": "attendance_columns",
}


def detect_encoding(data: bytes) -> str:
    """The encoding of an export: a BOM decides, else UTF-16 by its zero bytes,
    else UTF-8 if it decodes, else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = data[:4096]
    if len(sample) >= 4:
        even_zeros = sample[0::2].count(0)
        odd_zeros = sample[1::2].count(0)
        half = len(sample) // 2
        if odd_zeros > half * 0.4 and even_zeros == 0:
            return "utf-16-le"
        if even_zeros > half * 0.4 and odd_zeros == 0:
            return "utf-16-be"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def decode(data: bytes, encoding: str, *, name: str) -> tuple[str, str]:
    """The file's text and the encoding used; ``auto`` detects it."""
    chosen = detect_encoding(data) if encoding == "auto" else encoding
    try:
        return data.decode(chosen), chosen
    except UnicodeDecodeError:
        if encoding == "auto" and chosen == "cp1252":
            return data.decode("latin-1"), "latin-1"
        raise AdapterConfigError(
            f"{name}: is not {chosen} text; set encoding to the export's encoding or auto",
            adapter=ADAPTER,
        ) from None


def detect_delimiter(text: str) -> str:
    """The field separator: ``csv.Sniffer`` over comma, semicolon, tab and pipe,
    checked against the header line, else the candidate the header holds most of."""
    lines = text.splitlines()
    header = lines[0] if lines else ""
    try:
        sniffed = csv.Sniffer().sniff("\n".join(lines[:_SNIFF_LINES]), delimiters=DELIMITERS)
        if sniffed.delimiter in header:
            return sniffed.delimiter
    except csv.Error:
        pass
    counts = {candidate: header.count(candidate) for candidate in DELIMITERS}
    best = max(counts, key=lambda candidate: counts[candidate])
    return best if counts[best] else ","


@dataclass(frozen=True)
class Table:
    """A decoded export: its header cells and each record with the line it starts on."""

    name: str
    headers: tuple[str, ...]
    records: list[tuple[int, list[str]]]
    encoding: str
    delimiter: str


def parse_table(
    data: bytes, *, name: str, encoding: str = "auto", delimiter: str = "auto"
) -> Table:
    """Decode and split one export. Blank lines are skipped; quoted fields may span lines."""
    text, used = decode(data, encoding, name=name)
    separator = detect_delimiter(text) if delimiter == "auto" else delimiter
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        headers = tuple(cell.strip().lstrip("\ufeff") for cell in next(reader))
    except StopIteration:
        raise AdapterConfigError(f"{name}: is empty (no header line)", adapter=ADAPTER) from None
    except csv.Error:
        raise AdapterConfigError(f"{name}: line 1 is not CSV", adapter=ADAPTER) from None
    records: list[tuple[int, list[str]]] = []
    start = reader.line_num + 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error:
            records.append((start, []))
        else:
            if any(cell.strip() for cell in fields):
                records.append((start, fields))
        start = reader.line_num + 1
    return Table(name, headers, records, used, separator)


def _normal(header: str) -> str:
    return " ".join(header.casefold().split())


def column_indexes(table: Table, layout: Layout, required: tuple[str, ...]) -> dict[str, int]:
    """Each logical column found in the header, with its position; a missing required
    column stops the file with one error naming the file and the column."""
    positions = {_normal(header): index for index, header in enumerate(table.headers)}
    found = {
        column: positions[_normal(header)]
        for column, header in layout.headers.items()
        if _normal(header) in positions
    }
    for column in required:
        if column not in found:
            setting = f"{_COLUMN_SETTINGS[layout.export]}.{column}"
            raise AdapterConfigError(
                f"{table.name}: required column '{layout.header(column)}' is missing "
                f"(if the export names it differently, set {setting})",
                adapter=ADAPTER,
            )
    return found


@dataclass
class Imported(Generic[T]):
    """The rows of one export that converted, and the report of the read."""

    records: list[T]
    report: ImportReport
    columns: frozenset[str] = frozenset()
    _groups: dict[str, list[T]] | None = field(default=None, repr=False)

    def of_pupil(self, pupil_id: str, pupil_of: Callable[[T], str]) -> list[T]:
        """The records of one pupil, in file order; the index is built on first use."""
        if self._groups is None:
            groups: dict[str, list[T]] = {}
            for record in self.records:
                groups.setdefault(pupil_of(record), []).append(record)
            self._groups = groups
        return list(self._groups.get(pupil_id, ()))


def import_rows(
    table: Table,
    indexes: Mapping[str, int],
    convert: Callable[[Mapping[str, str]], T],
    *,
    key: Callable[[T], Hashable] | None = None,
) -> Imported[T]:
    """Convert every record on its own; a bad one becomes a ``RejectedRow``, never an error."""
    width = len(table.headers)
    records: list[T] = []
    rejected: list[RejectedRow] = []
    first_line: dict[Hashable, int] = {}
    for line, fields in table.records:
        try:
            record = convert(_cells(fields, width, indexes))
            if key is not None:
                seen = first_line.setdefault(key(record), line)
                if seen != line:
                    raise RowError(f"the same id is already on line {seen}")
        except RowError as exc:
            rejected.append(RejectedRow(file=table.name, line=line, reason=str(exc)))
            continue
        records.append(record)
    report = ImportReport(
        rows_read=len(table.records), imported=len(records), rejected=tuple(rejected)
    )
    return Imported(records, report, frozenset(indexes))


def _cells(fields: list[str], width: int, indexes: Mapping[str, int]) -> dict[str, str]:
    if not fields:
        raise RowError("is not valid CSV (check the quotes)")
    extra = fields[width:]
    if len(fields) < width or any(cell.strip() for cell in extra):
        raise RowError(f"has {len(fields)} fields, the header has {width}")
    return {column: fields[index] for column, index in indexes.items()}


@dataclass
class _Cached:
    signature: tuple[int, int]
    value: Any


@dataclass
class CsvExports:
    """The school's export files, read on demand and cached until a file changes."""

    settings: CsvSettings
    _cache: dict[str, _Cached] = field(default_factory=dict)

    def path(self, export: Export) -> Path | None:
        """The configured file of one export, or None when the school has none."""
        return self.settings.path_of(export)

    def setting_of(self, export: Export) -> str:
        """The setting that names the export's file: ``<export>_file`` or ``folder``."""
        explicit = f"{export}_file"
        return explicit if getattr(self.settings, explicit) is not None else "folder"

    def layout(self, export: Export) -> Layout:
        """The preset's headers for ``export`` with the school's renamed ones."""
        overrides = getattr(self.settings, _COLUMN_SETTINGS[export]).model_dump()
        return layout_for(self.settings.preset, export, overrides)

    def modified_at(self, export: Export) -> datetime | None:
        """When the export file last changed on disk (UTC), or None if it is absent."""
        path = self.path(export)
        if path is None or not path.is_file():
            return None
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)

    def pupils(self, school_id: str, household_key: bytes) -> Imported[PupilRecord]:
        """Every pupil row that converts, with the report; keyed on the pupil id."""
        layout = self.layout("pupils")
        return self._read(
            "pupils",
            lambda row: to_pupil_record(
                row, layout, school_id=school_id, household_key=household_key
            ),
            key=lambda record: record.pupil.id,
            tag=school_id,
        )

    def contacts(self) -> Imported[Contact]:
        """Every contact row that converts, keyed on pupil and contact id."""
        layout = self.layout("contacts")
        return self._read(
            "contacts",
            lambda row: to_contact(row, layout),
            key=lambda contact: (contact.pupil_id, contact.id),
        )

    def attendance(self) -> Imported[MarkRow | TotalsRow] | None:
        """Register marks or summary rows, whichever the export holds, or None without one.

        The attendance export is optional: with a folder and no ``attendance.csv`` in it,
        attendance is not known.
        """
        path = self.path("attendance")
        if path is None or self._optional_and_absent("attendance", path):
            return None
        layout = self.layout("attendance")
        return self._read("attendance", lambda row: _attendance_row(row, layout))

    def report(self) -> ImportReport:
        """The combined report of the latest read of every export."""
        total = ImportReport()
        for cached in self._cache.values():
            total = total + cached.value.report
        return total

    def problems(self) -> list[AdapterConfigError]:
        """What stops each configured export from being read; empty when all can be."""
        found: list[AdapterConfigError] = []
        for export in EXPORTS:
            path = self.path(export)
            if path is None:
                continue
            if self._optional_and_absent(export, path):
                continue
            try:
                table = self._table(export, path)
                column_indexes(table, self.layout(export), _required(export, table, self))
            except AdapterConfigError as exc:
                found.append(exc)
        return found

    def _optional_and_absent(self, export: Export, path: Path) -> bool:
        return (
            export == "attendance" and self.settings.attendance_file is None and not (path.exists())
        )

    def _read(
        self,
        export: Export,
        convert: Callable[[Mapping[str, str]], T],
        *,
        key: Callable[[T], Hashable] | None = None,
        tag: str = "",
    ) -> Imported[T]:
        path = self.path(export)
        if path is None:
            raise AdapterConfigError(f"no {export} export is configured", adapter=ADAPTER)
        signature = self._signature(export, path)
        cached = self._cache.get(export)
        if cached is not None and cached.signature == signature and cached.value.tag == tag:
            result: Imported[T] = cached.value.imported
            return result
        table = self._table(export, path)
        indexes = column_indexes(table, self.layout(export), _required(export, table, self))
        imported = import_rows(table, indexes, convert, key=key)
        self._cache[export] = _Cached(signature, _Entry(imported, imported.report, tag))
        log.info(
            "csv.imported",
            adapter=ADAPTER,
            export=export,
            file=table.name,
            encoding=table.encoding,
            rows_read=imported.report.rows_read,
            imported=imported.report.imported,
            rejected=len(imported.report.rejected),
        )
        return imported

    def _signature(self, export: Export, path: Path) -> tuple[int, int]:
        try:
            stat = path.stat()
        except OSError:
            self._table(export, path)  # raises the error naming the export and setting
            raise
        return stat.st_mtime_ns, stat.st_size

    def _table(self, export: Export, path: Path) -> Table:
        where = f"{export} export {path} (from {self.setting_of(export)})"
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise AdapterConfigError(f"{where} does not exist", adapter=ADAPTER) from None
        except OSError as exc:
            raise AdapterConfigError(
                f"{where} cannot be read ({exc.strerror})", adapter=ADAPTER
            ) from None
        return parse_table(
            data, name=path.name, encoding=self.settings.encoding, delimiter=self.settings.delimiter
        )


@dataclass(frozen=True)
class _Entry:
    imported: Any
    report: ImportReport
    tag: str


def _required(export: Export, table: Table, exports: CsvExports) -> tuple[str, ...]:
    if export != "attendance":
        return REQUIRED[export]
    layout = exports.layout("attendance")
    headers = {_normal(header) for header in table.headers}
    if _normal(layout.header("mark")) in headers:
        return ("pupil_id", "date", "mark")
    if _normal(layout.header("possible")) in headers:
        return ("pupil_id", "possible", "attended")
    return ("pupil_id", "mark")


def _attendance_row(row: Mapping[str, str], layout: Layout) -> MarkRow | TotalsRow:
    return to_mark(row, layout) if "mark" in row else to_totals(row, layout)
