"""A person's decision on a referral prompt: who may make it, and keeping it with its reason.

Nothing goes to a local authority from the hub. The prompt was raised to the pack's
roles (``pack.attendance.notify``); one of the school's staff holding one of those
roles decides (a prompt raised while the pack named no roles is refused, naming the
setting) ``refer``, ``support_first`` or ``no_referral``, once, and the decision,
who made it, when and why are kept on the prompt (and shown in the evidence pack).
"""

from __future__ import annotations

from datetime import datetime

import structlog

from hub.errors import UserError
from hub.followup.records import Decision, ReferralPrompt
from hub.followup.repository import FollowUpStore
from hub.store import Store
from hub.store.errors import StoreError

log = structlog.get_logger(__name__)

NO_ROLES = (
    "nobody may decide this prompt: the policy pack names no roles in attendance.notify; "
    "add the roles that decide referrals there"
)


def decide(
    store: Store,
    school_id: str,
    prompt_id: str,
    *,
    decision: Decision,
    by: str,
    reason: str,
    at: datetime,
) -> ReferralPrompt:
    """Record ``by``'s decision on the prompt; a ``UserError`` (one line, no personal
    data) when the prompt is unknown or decided, or ``by`` may not decide it."""
    followups = FollowUpStore(store.engine)
    prompt = next((p for p in followups.prompts(school_id) if p.id == prompt_id), None)
    if prompt is None:
        raise UserError(f"school '{school_id}' holds no referral prompt '{prompt_id[:80]}'")
    if prompt.decision is not None:
        raise UserError(f"referral prompt '{prompt_id[:80]}' is decided already")
    member = store.get_staff(school_id, by)
    if member is None:
        raise UserError(f"school '{school_id}' has no member of staff '{by[:64]}'")
    if not prompt.notify:
        raise UserError(NO_ROLES)
    if not member.has_any_role(set(prompt.notify)):
        roles = ", ".join(role.value for role in prompt.notify)
        raise UserError(f"only staff holding one of these roles may decide it: {roles}")
    try:
        decided = followups.decide(
            school_id, prompt_id, decision=decision, by=by, at=at, reason=reason
        )
    except StoreError as exc:  # decided meanwhile, by someone else
        if "decided already" not in str(exc):
            raise
        raise UserError(f"referral prompt '{prompt_id[:80]}' is decided already") from None
    log.info(
        "followup.decided",
        school=school_id,
        prompt=prompt_id,
        measure=prompt.measure,
        decision=decision.value,
        by=by,
    )
    return decided
