"""``doorstep deliveries list|retry|discard``: the delivery outbox and its dead letters.

These commands work on the store directly, with or without a running hub: a retried
delivery goes back to ``pending`` in a new round and the running engine (or the next
one to start) sends it with the same idempotency key, so the receiver never gets it
twice.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer

from hub.engine import deliveries as outbox
from hub.engine.records import Delivery, DeliveryStatus
from hub.errors import UserError
from hub.settings import load_settings
from hub.store import Store

app = typer.Typer(help="The delivery outbox: list, retry or discard deliveries.")

HEADERS = ("school", "status", "purpose", "attempts", "updated", "key", "reason")


def register(root: typer.Typer) -> None:
    """Add ``deliveries`` to ``root``."""
    root.add_typer(app, name="deliveries")


def _store() -> Store:
    return Store.open(load_settings().database_url)


@app.command("list")
def list_deliveries(
    status: Annotated[
        list[DeliveryStatus] | None,
        typer.Option(help="Only these statuses (repeatable). Default: dead."),
    ] = None,
    school: Annotated[str | None, typer.Option(help="Only this school.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines, not a table.")] = False,
) -> None:
    """List deliveries: by default the dead letters, with the reason each was given up."""
    wanted = status or [DeliveryStatus.DEAD]
    with _store() as store:
        found = store.deliveries(school, statuses=wanted)
    if as_json:
        for delivery in found:
            typer.echo(json.dumps(delivery.model_dump(mode="json"), sort_keys=True))
        return
    if not found:
        typer.echo(f"no deliveries with status {', '.join(s.value for s in wanted)}")
        return
    typer.echo(render_table(found))


def render_table(found: list[Delivery]) -> str:
    """The deliveries as a plain-text table (ids, statuses and reasons: no personal data)."""
    cells = [HEADERS] + [
        (
            d.school_id,
            d.status.value,
            d.purpose.value,
            str(d.attempts),
            d.updated_at.strftime("%Y-%m-%d %H:%M"),
            d.key,
            d.reason or "-",
        )
        for d in found
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADERS) - 1)]
    return "\n".join(
        "  ".join([*(c.ljust(w) for c, w in zip(line, widths, strict=False)), line[-1]]).rstrip()
        for line in cells
    )


def _one(store: Store, school: str, key: str) -> Delivery:
    found = store.get_delivery(school, key)
    if found is None:
        raise UserError(f"school {school} has no delivery {key}")
    return found


@app.command()
def retry(
    school: Annotated[str, typer.Argument(help="The school id.")],
    key: Annotated[str, typer.Argument(help="The delivery's key (see `deliveries list`).")],
) -> None:
    """Send a dead (or discarded) delivery again, with the same idempotency key."""
    with _store() as store:
        delivery = _one(store, school, key)
        if delivery.status in (DeliveryStatus.DELIVERED, DeliveryStatus.PENDING):
            typer.echo(f"{key}: already {delivery.status.value}; nothing to do")
            return
        store.save_delivery(outbox.retried(delivery, datetime.now(UTC)))
    typer.echo(f"{key}: pending again; the running hub sends it")


@app.command()
def discard(
    school: Annotated[str, typer.Argument(help="The school id.")],
    key: Annotated[str, typer.Argument(help="The delivery's key.")],
    reason: Annotated[
        str, typer.Option(help="Why it must not be sent (kept with the delivery).")
    ] = "discarded by an administrator",
) -> None:
    """Decide a delivery must not be sent; it stays listed as discarded."""
    with _store() as store:
        delivery = _one(store, school, key)
        if delivery.status is DeliveryStatus.DELIVERED:
            raise UserError(f"{key} was delivered already and cannot be discarded")
        store.save_delivery(outbox.discarded(delivery, datetime.now(UTC), reason))
    typer.echo(f"{key}: discarded")
