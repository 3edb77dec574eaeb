"""``SuiteConfig``: an adapter's opt-outs and the few facts the kit cannot guess."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field


class SuiteConfig(BaseModel):
    """How the contract suite runs for one adapter. Opt-outs are data, with a reason.

    ``skip`` maps a check name (``push_is_idempotent``) or one case of it
    (``push_is_idempotent[hub_push_agreement]``) to the reason, shown in the report.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    skip: Mapping[str, str] = Field(
        default_factory=dict, description="Check name (or name[case]) → why it does not apply."
    )
    pupil_id: str | None = Field(
        default=None,
        description=(
            "A seeded pupil to pull by id; default: the fake's pupil_ids(), else the "
            "first pupil hub_pull_pupils returns."
        ),
    )
    notification_channel: str | None = Field(
        default=None,
        description="The channel hub_send_notification is tried on; default: the adapter id.",
    )
    auth_failure_requests: int = Field(
        default=1,
        ge=1,
        description=(
            "Requests one call may make before a 401 becomes AuthError: 1, or 3 for an "
            "OAuth adapter that fetches a new token once and tries again."
        ),
    )
