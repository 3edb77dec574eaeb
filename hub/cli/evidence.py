"""``doorstep evidence``: the referral evidence pack for one pupil, as JSON and PDF,
written where the settings say (``followup.dir``), never elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from hub.errors import UserError
from hub.followup.configured import school_dir
from hub.followup.evidence import assemble, write_pack
from hub.followup.repository import FollowUpStore
from hub.schools import school_and_pack
from hub.settings import load_settings
from hub.store import Store


def register(app: typer.Typer) -> None:
    """Add ``evidence`` to ``app``."""
    app.command(name="evidence")(evidence)


def evidence(
    school: Annotated[str, typer.Option(help="The school, as [schools.<id>] names it.")],
    pupil: Annotated[str, typer.Option(help="The pupil's MIS id.")],
) -> None:
    """Write one pupil's referral evidence pack (JSON and PDF) into
    <followup.dir>/<school>/evidence (files 0600, folders 0700).

    The chronology of support in date order: visits with outcomes, letters, agreements
    and whether kept, referral prompts and decisions; and attendance by month.
    """
    settings = load_settings()
    found, _ = school_and_pack(settings, school)
    with Store.open(settings.database_url) as store:
        if store.get_pupil(school, pupil) is None:
            raise UserError(f"school '{school}' holds no pupil '{pupil[:64]}'")
        pack = assemble(store, FollowUpStore(store.engine), found, pupil, datetime.now(UTC))
    out = school_dir(settings, school) / "evidence"
    templates = settings.schools[school].followup.letter_templates
    json_path, pdf_path = write_pack(pack, found, out, templates=templates)
    typer.echo(f"{len(pack.chronology)} entries")
    typer.echo(str(json_path))
    typer.echo(str(pdf_path))
