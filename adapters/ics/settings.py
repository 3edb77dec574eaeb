"""Settings of the ``ics`` adapter: where the feeds are kept and how they look.

The feed is served by the hub itself, so there is no outside system, no base URL and
no secret here: each member of staff's feed URL carries its own token, issued with
``doorstep ics token`` and kept only as a hash.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field


class IcsSettings(BaseModel):
    """One school's visit feeds: one private calendar feed per member of staff."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    feed_dir: Path | None = Field(
        default=None,
        description=(
            "Folder where the school's bookings and hashed feed tokens are kept (one "
            "file per school, readable by the hub only). Empty: kept in memory and lost "
            "on restart, for trials only."
        ),
        examples=["/var/lib/doorstep/ics"],
    )
    public_url: AnyHttpUrl | None = Field(
        default=None,
        description=(
            "The hub's public address, used to print subscribe links, e.g. "
            "'https://doorstep.school.example/'. Feeds are served under /ics/."
        ),
    )
    calendar_name: str = Field(
        default="Home visits",
        min_length=1,
        max_length=60,
        description="The calendar's name in staff calendar apps.",
    )
    refresh_minutes: int = Field(
        default=15,
        ge=5,
        le=1440,
        description="How often calendar apps are asked to fetch the feed again.",
    )
    include_location: bool = Field(
        default=True,
        description=(
            "Put the visit's address in the event (only staff on the visit see their "
            "feed). Off: staff look the address up on the board."
        ),
    )
    keep_days: int = Field(
        default=60,
        ge=1,
        le=400,
        description="Visits that ended more than this many days ago leave the feed.",
    )
