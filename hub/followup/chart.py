"""The visits report as a chart (matplotlib, drawn off-screen to a PNG)."""

from __future__ import annotations

import io
from pathlib import Path

from hub.followup.files import write_private
from hub.followup.reports import VisitsReport


def chart_png(report: VisitsReport) -> bytes:
    """Two bar charts side by side: visits by reason, and by outcome."""
    import matplotlib  # heavy: only when a chart is drawn

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, (reasons, outcomes) = pyplot.subplots(1, 2, figsize=(10, 4), dpi=100)
    try:
        for axes, counts, title, colour in (
            (reasons, report.by_reason, "Visits by reason", "#1f3a5f"),
            (outcomes, report.by_outcome, "Visits by outcome", "#6a8caf"),
        ):
            labels = [label.replace("_", " ") for label in counts] or ["none"]
            axes.barh(labels, list(counts.values()) or [0], color=colour)
            axes.set_title(title)
            axes.invert_yaxis()
        figure.suptitle(f"{report.school_id}: {report.month} ({report.visits} visits)")
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        pyplot.close(figure)


def write_chart(report: VisitsReport, path: Path) -> Path:
    """Write the chart as a PNG (mode 0600)."""
    return write_private(path, chart_png(report))
