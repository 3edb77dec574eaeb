"""``doorstep ics``: issue and revoke the feed tokens of staff.

A token is printed once, inside the staff member's subscribe link; the store keeps
only its hash. Issuing a new one stops the old link.
"""

from __future__ import annotations

from typing import Annotated

import typer

from hub.adapters.ics.client import FeedStore
from hub.adapters.ics.settings import IcsSettings
from hub.errors import ConfigError
from hub.settings import adapter_settings, load_settings

ics_cli = typer.Typer(help="Private calendar feeds of visit bookings (the ics adapter).")

School = Annotated[str, typer.Option(help="The school, as [schools.<id>] names it.")]
Staff = Annotated[str, typer.Option(help="The member of staff's id, as visits name them.")]


def _store(school: str) -> FeedStore:
    settings = adapter_settings(load_settings(), school, "ics", IcsSettings)
    if settings.feed_dir is None:
        raise ConfigError(
            f"schools.{school}.adapters.ics.feed_dir is not set: tokens issued here "
            "would not reach the running hub"
        )
    return FeedStore(school, settings)


def subscribe_link(settings: IcsSettings, token: str) -> str:
    """The URL a calendar app subscribes to (a path when ``public_url`` is not set)."""
    base = str(settings.public_url).rstrip("/") if settings.public_url else ""
    return f"{base}/ics/{token}.ics"


@ics_cli.command()
def token(school: School, staff: Staff) -> None:
    """Issue a feed link for one member of staff (stops any earlier link)."""
    store = _store(school)
    link = subscribe_link(store.settings, store.issue_token(staff))
    typer.echo("Give this link to the member of staff only; it is shown once:")
    typer.echo(link)


@ics_cli.command()
def revoke(school: School, staff: Staff) -> None:
    """Stop a member of staff's feed link."""
    done = _store(school).revoke(staff)
    typer.echo("Feed link stopped." if done else "That member of staff had no feed link.")
