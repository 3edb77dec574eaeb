"""``doorstep report visits``: one school's month of visits for leaders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.followup.chart import write_chart
from hub.followup.reports import as_table, month_bounds, visits_report, write_csv
from hub.schools import school_and_pack
from hub.settings import load_settings
from hub.store import Store

report_app = typer.Typer(help="Reports for leaders.")


def register(app: typer.Typer) -> None:
    """Add ``report`` to ``app``."""
    app.add_typer(report_app, name="report")


@report_app.command()
def visits(
    school: Annotated[str, typer.Option(help="The school, as [schools.<id>] names it.")],
    month: Annotated[str, typer.Option(help="The calendar month, YYYY-MM.")],
    csv: Annotated[Path | None, typer.Option(help="Also write the rows as CSV here.")] = None,
    chart: Annotated[
        Path | None, typer.Option(help="Also draw the counts as a PNG chart here.")
    ] = None,
) -> None:
    """Visits by reason and outcome, no-access rate, cancellations, alarms, time to
    acknowledge per rung (p50/p95) and delivery failures."""
    month_bounds(month)
    settings = load_settings()
    school_and_pack(settings, school)
    with Store.open(settings.database_url) as store:
        report = visits_report(store, school, month)
    typer.echo(as_table(report))
    if csv is not None:
        typer.echo(f"csv: {write_csv(report, csv)}")
    if chart is not None:
        typer.echo(f"chart: {write_chart(report, chart)}")
