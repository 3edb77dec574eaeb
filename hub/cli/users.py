"""``doorstep users add|token|revoke|list|grant|ungrant|pin|disable``: who may use the API.

A token is printed once, when it is made; the hub keeps only its hash. Revoking a
token, disabling a user or taking a role away works on the very next request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from hub.auth.roles import Membership, Role
from hub.auth.secrets import hash_password, hash_pin, new_token, token_hash
from hub.errors import UserError
from hub.schools import school_and_pack
from hub.settings import load_settings
from hub.store import Store, UnknownRecordError
from hub.store.users import UserStore

app = typer.Typer(help="Users, their API tokens and their roles per school.")


def register(root: typer.Typer) -> None:
    """Add ``users`` to ``root``."""
    root.add_typer(app, name="users")


@contextmanager
def _users() -> Iterator[tuple[Store, UserStore]]:
    settings = load_settings()
    parsed = make_url(settings.database_url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
    with Store.open(settings.database_url) as store:
        yield store, UserStore(store.engine)


def _now() -> datetime:
    return datetime.now(UTC)


@app.command()
def add(
    user: Annotated[str, typer.Argument(help="Sign-in name (letters, digits, . _ @ -).")],
    password: Annotated[
        bool, typer.Option("--password", help="Ask for a password (for the web UI).")
    ] = False,
) -> None:
    """Add a user. Give them roles with `users grant` and a token with `users token`."""
    hashed = None
    if password:
        hashed = hash_password(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    with _users() as (_store, users):
        users.add_user(user, _now(), password_hash=hashed)
    typer.echo(f"{user}: added")


@app.command()
def token(
    user: Annotated[str, typer.Argument(help="Whose token.")],
    label: Annotated[str, typer.Option(help="What the token is for.")] = "api",
) -> None:
    """Make an API token. It is shown once: copy it now."""
    token_id, secret = new_token()
    with _users() as (_store, users):
        try:
            users.add_token(user, token_id, token_hash(secret), label, _now())
        except UnknownRecordError:
            raise UserError(f"no user {user}: add them first") from None
    typer.echo(f"token {token_id} for {user} (shown once; the hub keeps only its hash):")
    typer.echo(secret)


@app.command()
def revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (see `users list`).")],
) -> None:
    """Revoke a token; it stops working at once."""
    with _users() as (_store, users):
        if not users.revoke_token(token_id, _now()):
            raise UserError(f"no active token {token_id}")
    typer.echo(f"token {token_id}: revoked")


@app.command("list")
def list_users() -> None:
    """Every user with their roles per school and their tokens (ids only)."""
    with _users() as (_store, users):
        for user in users.list_users():
            state = " (disabled)" if user.disabled_at else ""
            typer.echo(f"{user.id}{state}")
            for m in users.memberships(user.id):
                roles = ",".join(sorted(m.roles))
                typer.echo(f"  school {m.school_id} as staff {m.staff_id}: {roles}")
            for t in users.tokens(user.id):
                status = "revoked" if t.revoked_at else "active"
                typer.echo(f"  token {t.id} ({t.label}): {status}")


@app.command()
def grant(
    user: Annotated[str, typer.Argument(help="The user.")],
    school: Annotated[str, typer.Option(help="The school id.")],
    role: Annotated[list[Role], typer.Option(help="A role at that school (repeatable).")],
    staff: Annotated[str, typer.Option(help="Their staff id at that school (from the MIS).")],
) -> None:
    """Give a user roles at a school (replacing any they had there)."""
    configured, _pack = school_and_pack(load_settings(), school)
    with _users() as (store, users):
        store.save_school(configured)
        try:
            users.grant(
                Membership(user_id=user, school_id=school, staff_id=staff, roles=frozenset(role))
            )
        except UnknownRecordError:
            raise UserError(f"no user {user}: add them first") from None
    typer.echo(f"{user} at {school}: {','.join(sorted(role))}")


@app.command()
def ungrant(
    user: Annotated[str, typer.Argument(help="The user.")],
    school: Annotated[str, typer.Option(help="The school id.")],
) -> None:
    """Take every role at a school away from a user."""
    with _users() as (_store, users):
        if not users.ungrant(user, school):
            raise UserError(f"{user} holds no role at {school}")
    typer.echo(f"{user} at {school}: no roles")


@app.command()
def pin(user: Annotated[str, typer.Argument(help="The user.")]) -> None:
    """Set a user's check-in PIN and duress PIN (asked for, never shown)."""
    normal = typer.prompt("Check-in PIN", hide_input=True, confirmation_prompt=True)
    duress = typer.prompt("Duress PIN", hide_input=True, confirmation_prompt=True)
    if normal == duress:
        raise UserError("the duress PIN must differ from the check-in PIN")
    if not (4 <= len(normal) <= 12 and 4 <= len(duress) <= 12):
        raise UserError("PINs are 4 to 12 characters")
    with _users() as (_store, users):
        try:
            users.set_pin_hashes(user, hash_pin(normal), hash_pin(duress))
        except UnknownRecordError:
            raise UserError(f"no user {user}") from None
    typer.echo(f"{user}: PINs set")


@app.command()
def disable(user: Annotated[str, typer.Argument(help="The user.")]) -> None:
    """Disable a user: every token stops working at once."""
    with _users() as (_store, users):
        try:
            users.disable_user(user, _now())
        except UnknownRecordError:
            raise UserError(f"no user {user}") from None
    typer.echo(f"{user}: disabled")
