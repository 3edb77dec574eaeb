"""Progress reporting: log lines per tenth of a stage off a terminal, counts only."""

from __future__ import annotations

import io

from structlog.testing import capture_logs

from hub.sync.progress import LogProgress, NoProgress, RichProgress, progress_for


def test_log_progress_writes_a_line_per_tenth_with_counts_only() -> None:
    progress = LogProgress("st-michaels")
    with capture_logs() as lines:
        progress.stage("contacts", 50)
        for _ in range(50):
            progress.advance()
        progress.close()
    assert [line["done"] for line in lines] == [0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50]
    assert all(
        set(line) == {"event", "log_level", "school", "stage", "done", "total"} for line in lines
    )


def test_a_stage_of_unknown_size_logs_only_its_start() -> None:
    progress = LogProgress("st-michaels")
    with capture_logs() as lines:
        progress.stage("pupils", None)
        progress.advance(300)
    assert [(line["stage"], line["total"]) for line in lines] == [("pupils", None)]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_and_anything_else_log_lines() -> None:
    assert isinstance(progress_for("st-michaels", io.StringIO()), LogProgress)
    terminal = Terminal()
    bar = progress_for("st-michaels", terminal)
    assert isinstance(bar, RichProgress)
    bar.stage("attendance", 2)
    bar.advance(2)
    bar.close()
    assert "attendance" in terminal.getvalue()
    assert "2/2" in terminal.getvalue()
    quiet = NoProgress()
    quiet.stage("pupils", 1)
    quiet.advance()
    quiet.close()
