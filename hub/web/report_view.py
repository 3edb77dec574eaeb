"""The visits report as the reports page shows it, pure: its tables, the chart's text
alternative, the CSV download and the months either side."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from hub.followup.reports import VisitsReport, rows

LAST_YEAR = 9998
"""The report needs the month after: 9999-12 has none."""


@dataclass(frozen=True)
class Section:
    """One table of the page: a caption and its ``(item, value)`` rows."""

    title: str
    rows: tuple[tuple[str, str], ...]


ORDER = (
    "visits",
    "by reason",
    "by outcome",
    "no access",
    "cancellations",
    "alarms",
    "time to acknowledge",
    "deliveries",
)
EMPTY = {"time to acknowledge": ("no alarms", "-")}
"""What an empty section shows (otherwise ``none``, 0): the terminal leaves it out."""


def sections(report: VisitsReport) -> list[Section]:
    """The report's rows (exactly as the terminal and CSV show them), one table per
    section, every section shown even when the month has nothing in it."""
    grouped: dict[str, list[tuple[str, str]]] = {title: [] for title in ORDER}
    for section, item, value in rows(report):
        grouped.setdefault(section, []).append((item.replace("_", " "), value))
    return [
        Section(title, tuple(found) or (EMPTY.get(title, ("none", "0")),))
        for title, found in grouped.items()
    ]


def _counts(counts: dict[str, int]) -> str:
    if not counts:
        return "none recorded"
    return ", ".join(f"{label.replace('_', ' ')} {n}" for label, n in counts.items())


def chart_alt(report: VisitsReport) -> str:
    """The chart's figures in words, for its ``alt`` text."""
    return (
        f"Bar charts of {report.visits} visits in {report.month}. "
        f"By reason: {_counts(report.by_reason)}. "
        f"By outcome: {_counts(report.by_outcome)}."
    )


def csv_text(report: VisitsReport) -> str:
    """The rows as CSV, with the columns ``doorstep report visits --csv`` writes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["school", "month", "section", "item", "value"])
    writer.writerows([report.school_id, report.month, *row] for row in rows(report))
    return buffer.getvalue()


def step(month: str, months: int) -> str | None:
    """``YYYY-MM`` moved by ``months`` (negative: back); None past year 1 or 9998."""
    year, number = (int(part) for part in month.split("-"))
    index = year * 12 + number - 1 + months
    if not 1 <= index // 12 <= LAST_YEAR:
        return None
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
