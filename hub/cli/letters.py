"""``doorstep letters preview``: a sample letter for a school, with invented data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from hub.followup.letters import produce_letter
from hub.followup.records import LetterKind
from hub.followup.samples import sample_facts
from hub.schools import school_and_pack
from hub.settings import load_settings

letters_app = typer.Typer(help="Letters to families: reminders, appointments, calling cards.")


def register(app: typer.Typer) -> None:
    """Add ``letters`` to ``app``."""
    app.add_typer(letters_app, name="letters")


@letters_app.command()
def preview(
    school: Annotated[str, typer.Option(help="The school, as [schools.<id>] names it.")],
    kind: Annotated[LetterKind, typer.Option(help="Which letter.")],
    out: Annotated[
        Path, typer.Option(help="Folder to write the sample into (files are made 0600).")
    ],
    templates: Annotated[
        Path | None,
        typer.Option(
            help="The school's own template folder, searched before the built-ins "
            "(default: the school's followup.letter_templates setting)."
        ),
    ] = None,
    pdf: Annotated[bool, typer.Option(help="Write the PDF as well as the HTML.")] = True,
) -> None:
    """Write a sample letter (fake family, the school's name and pack wording)."""
    settings = load_settings()
    found, pack = school_and_pack(settings, school)
    templates = templates or settings.schools[school].followup.letter_templates
    now = datetime.now(UTC)
    letter = produce_letter(
        sample_facts(kind, found, pack, now),
        letter_id=f"sample-{kind.value}",
        out_dir=out,
        created_at=now,
        templates=templates,
        pdf=pdf,
    )
    for path in (letter.html_path, letter.pdf_path):
        if path:
            typer.echo(path)
