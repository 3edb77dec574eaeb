"""``doorstep attendance``: referral prompts, a person's decision on one, suggested
visits, and running a school's daily evaluation by hand.

The group is registered by the attendance plugin (``hub_register_commands``), so
``DOORSTEP_DISABLE_PLUGINS=attendance`` takes it away with the daily run. Output is
ids, measures, dates and counts: never a name or an attendance figure.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

import typer

from hub.errors import UserError
from hub.followup.configured import daily_options
from hub.followup.daily import run_daily_and_close
from hub.followup.decisions import decide
from hub.followup.records import Decision, ProposalStatus, ReferralPrompt
from hub.followup.repository import FollowUpStore
from hub.schools import hooks_for_school, school_and_pack
from hub.settings import load_settings
from hub.store import Store

attendance_app = typer.Typer(
    help="Attendance follow-up: referral prompts, decisions, the daily evaluation.",
    no_args_is_help=True,
)

REASON_MAX = 2000


def _line(prompt: ReferralPrompt) -> str:
    roles = ",".join(role.value for role in prompt.notify) or "-"
    decided = (
        f"{prompt.decision.value} by {prompt.decided_by}" if prompt.decision is not None else "open"
    )
    raised = prompt.raised_at.date().isoformat()
    return (
        f"{prompt.id}  {prompt.measure}  pupil:{prompt.pupil_id}  {raised}  to:{roles}  {decided}"
    )


@attendance_app.command()
def prompts(
    school: Annotated[str, typer.Option(help="The school, as [schools.<id>] names it.")],
    every: Annotated[
        bool, typer.Option("--all", help="Decided prompts too, not only open ones.")
    ] = False,
) -> None:
    """List referral prompts waiting for a person's decision (one line each)."""
    settings = load_settings()
    school_and_pack(settings, school)
    with Store.open(settings.database_url) as store:
        found = FollowUpStore(store.engine).prompts(school, open_only=not every)
    for prompt in found:
        typer.echo(_line(prompt))
    typer.echo(f"{len(found)} prompt{'s' if len(found) != 1 else ''}")


@attendance_app.command()
def suggestions(
    school: Annotated[str, typer.Option(help="The school, as [schools.<id>] names it.")],
) -> None:
    """List open suggested visits (attendance concerns, broken agreements), one line each."""
    settings = load_settings()
    school_and_pack(settings, school)
    with Store.open(settings.database_url) as store:
        found = FollowUpStore(store.engine).proposals(school, status=ProposalStatus.OPEN)
    for proposal in found:
        raised = proposal.raised_at.date().isoformat()
        why = proposal.cause.value + (f" {proposal.agreement_id}" if proposal.agreement_id else "")
        typer.echo(
            f"{proposal.id}  {proposal.reason.value}  pupil:{proposal.pupil_id}  {raised}  {why}"
        )
    typer.echo(f"{len(found)} suggested visit{'s' if len(found) != 1 else ''}")


@attendance_app.command(name="decide")
def decide_command(
    school: Annotated[str, typer.Option(help="The school, as [schools.<id>] names it.")],
    prompt: Annotated[str, typer.Option(help="The prompt's id (from `attendance prompts`).")],
    decision: Annotated[Decision, typer.Option(help="What was decided.")],
    by: Annotated[str, typer.Option(help="Your staff id; you must hold a role the prompt is to.")],
    reason: Annotated[str, typer.Option(help="Why, in your words (kept with the decision).")],
) -> None:
    """Record a person's decision on a referral prompt, with the reason.

    Nothing is sent to the local authority by the hub: `refer` records that the school
    refers, by its own route.
    """
    settings = load_settings()
    school_and_pack(settings, school)
    if not reason.strip():
        raise UserError("--reason must say why")
    if len(reason) > REASON_MAX:
        raise UserError(f"--reason is longer than {REASON_MAX} characters")
    with Store.open(settings.database_url) as store:
        decided = decide(
            store,
            school,
            prompt,
            decision=decision,
            by=by,
            reason=reason.strip(),
            at=datetime.now(UTC),
        )
    typer.echo(_line(decided))


@attendance_app.command()
def evaluate(
    school: Annotated[str, typer.Option(help="The school, as [schools.<id>] names it.")],
) -> None:
    """Run the school's daily evaluation now (the engine runs it every school day).

    Pulls the register from the MIS, then raises what is due today; run twice in a day
    it raises nothing new.
    """
    settings = load_settings()
    found, _ = school_and_pack(settings, school)
    options = daily_options(settings, school)
    with Store.open(settings.database_url) as store:
        store.save_school(found)
        hooks = hooks_for_school(settings, school, recorder=store)
        outcome = asyncio.run(
            run_daily_and_close(store, hooks, now=datetime.now(UTC), options=options)
        )
    typer.echo(outcome.summary())
