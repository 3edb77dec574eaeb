"""What a notification says, and who it reaches: shared by every notification channel.

The smtp, govuk_notify and teams adapters build what they send from here, so the rule
is the same on every channel:

- **Minimal content by default.** The text is built from a fixed template whose only
  inputs are the visit id, the school's name, the urgency (``urgent``; ``silent`` for a
  duress alarm) and the board link. The notification's own ``subject`` and ``body`` are
  free text that may hold a pupil's name or note text, so they are *stripped*: never
  sent, never logged. What to do next is on the board, behind the link.
- **Full content only when a school's settings say so** (``content = "full"``): then the
  notification's subject and body are sent as given.
- **Recipients come from a per-school directory** in the adapter's settings: staff
  roles and staff ids map to addresses (e-mail addresses, mobile numbers, postal
  addresses or Teams webhook names). Family contacts are not in it: a notification
  addressed only to contacts is refused, because the hook carries contact ids, not
  their addresses.

Every channel adapter (smtp, govuk_notify, teams, webhook) imports these rules from
here, so a change of rule reaches every channel at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote

import structlog
from pydantic import BaseModel, ConfigDict, Field

from hub.adapter import Availability
from hub.errors import AdapterError, RejectedError
from hub.hooks.types import DeliveryReceipt, HealthReport, Notification
from hub.models import School, StaffRole

log = structlog.get_logger(__name__)

Content = Literal["minimal", "full"]

VISIT_PLACEHOLDER = "{visit_id}"


class MessageSettings(BaseModel):
    """How much a message may say, and where its link goes."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    content: Content = Field(
        default="minimal",
        description=(
            "'minimal': only the visit id, the school's name, the urgency and the board "
            "link are sent. 'full': the notification's own subject and body are sent too, "
            "which may hold a pupil's name or note text; only with the school's agreement."
        ),
    )
    board_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s]+$",
        description=(
            "The board's address, given in every message; '{visit_id}' in it is replaced "
            "by the visit id, e.g. https://doorstep.example.sch.uk/board/visits/{visit_id}."
        ),
    )


class Directory(BaseModel):
    """Who a notification reaches on one channel: roles and staff ids → addresses.

    An address is whatever the channel delivers to: an e-mail address, a mobile number,
    a postal address (lines separated by new lines) or a Teams webhook's name.
    """

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    roles: dict[StaffRole, list[str]] = Field(
        default_factory=dict,
        description="Staff role → the addresses that reach whoever holds it (an office inbox).",
    )
    staff: dict[str, list[str]] = Field(
        default_factory=dict, description="Staff id (as in the MIS) → that person's addresses."
    )

    def addresses(self) -> list[str]:
        """Every address in the directory, once."""
        found = [a for group in (*self.roles.values(), *self.staff.values()) for a in group]
        return list(dict.fromkeys(found))

    def resolve(self, notification: Notification, *, adapter: str) -> list[str]:
        """The addresses ``notification`` reaches, each once, roles first.

        Raises ``RejectedError`` when nobody is found (the engine then tries the next
        channel). Roles or staff ids without an entry are logged by name and count only.
        """
        found: list[str] = []
        missing_roles = []
        for role in sorted(notification.roles):
            entries = self.roles.get(role, [])
            missing_roles += [] if entries else [role.value]
            found += entries
        missing_staff = 0
        for staff_id in notification.staff_ids:
            entries = self.staff.get(staff_id, [])
            missing_staff += 0 if entries else 1
            found += entries
        if missing_roles or missing_staff:
            log.warning(
                "notification.unresolved",
                adapter=adapter,
                roles=missing_roles,
                staff_count=missing_staff,
            )
        if not found:
            raise RejectedError(
                f"{adapter}: no recipient in the directory for this notification "
                f"({len(notification.roles)} roles, {len(notification.staff_ids)} staff ids, "
                f"{len(notification.contact_ids)} family contacts)",
                adapter=adapter,
            )
        return list(dict.fromkeys(found))


@dataclass(frozen=True)
class Message:
    """The words sent on a channel: a subject, lines of text and the board link."""

    subject: str
    lines: tuple[str, ...]
    link: str | None
    urgent: bool

    @property
    def text(self) -> str:
        """The body as plain text: the lines, then the link."""
        parts = [*self.lines, *([f"Board: {self.link}"] if self.link else [])]
        return "\n\n".join(parts)


def compose(notification: Notification, school: School, settings: MessageSettings) -> Message:
    """The message for ``notification`` under ``settings`` (see the module's rule)."""
    link = _link(settings.board_url, notification.visit_id)
    if settings.content == "full":
        lines: tuple[str, ...] = (notification.body,)
        return Message(notification.subject, lines, link, notification.urgent)
    subject, line = _minimal(notification, school)
    return Message(subject, (line,), link, notification.urgent or notification.silent)


def _minimal(notification: Notification, school: School) -> tuple[str, str]:
    visit = notification.visit_id
    if visit is None:
        return (
            f"Doorstep: a message for {school.name}",
            "There is a new message in Doorstep. Open the board to read it.",
        )
    if notification.silent:
        return (
            f"DURESS ALARM: home visit {visit}",
            f"A duress alarm was raised on home visit {visit} ({school.name}). Follow the "
            "school's duress procedure now and do not call the visiting staff. Open the "
            "board for the details and acknowledge.",
        )
    if notification.urgent:
        return (
            f"Action needed: home visit {visit}",
            f"Home visit {visit} ({school.name}) needs action now. Open the board to see "
            "what to do, and acknowledge.",
        )
    return (
        f"Update: home visit {visit}",
        f"There is an update on home visit {visit} ({school.name}). Open the board for "
        "the details.",
    )


def _link(board_url: str | None, visit_id: str | None) -> str | None:
    if board_url is None:
        return None
    return board_url.replace(VISIT_PLACEHOLDER, quote(visit_id or "", safe=""))


class SentKeys:
    """Receipts of what this adapter instance already delivered, by idempotency key.

    A repeat of a key returns the first receipt and sends nothing. Bounded: the oldest
    keys are forgotten past ``limit`` (the engine's own record covers longer spans).
    """

    def __init__(self, limit: int = 10_000) -> None:
        self._limit = limit
        self._receipts: dict[str, DeliveryReceipt] = {}

    def get(self, idempotency_key: str) -> DeliveryReceipt | None:
        """The receipt of an earlier delivery with this key, if any."""
        return self._receipts.get(idempotency_key)

    def add(self, receipt: DeliveryReceipt) -> DeliveryReceipt:
        """Remember ``receipt``; return it."""
        self._receipts[receipt.idempotency_key] = receipt
        while len(self._receipts) > self._limit:
            del self._receipts[next(iter(self._receipts))]
        return receipt


def serves(channels: list[str], notification: Notification) -> bool:
    """Whether an adapter configured for ``channels`` delivers ``notification``."""
    return notification.channel in channels


def channels_field(default: str) -> Any:
    """The ``channels`` setting of a channel adapter: the pack's channel names it serves."""
    return Field(
        default_factory=lambda: [default],
        min_length=1,
        description="Notification channels (as named in the policy pack) this adapter serves.",
    )


def message_field() -> Any:
    """The ``message`` setting of a channel adapter (``MessageSettings``)."""
    return Field(
        default_factory=MessageSettings,
        description="How much a message may say (minimal by default) and the board link.",
    )


def utc_now() -> datetime:
    """The current instant, in UTC (the adapters' default clock)."""
    return datetime.now(UTC)


async def report_health(
    component: str,
    availability: Availability,
    probe: Callable[[], Awaitable[None]],
    now: datetime,
    *,
    ok_detail: str,
) -> HealthReport:
    """Run ``probe``; an ``AdapterError`` is a failed report with its (safe) text. Going
    down and coming back are logged once each through ``availability``."""
    try:
        await probe()
    except AdapterError as exc:
        availability.failed(exc)
        return HealthReport(component=component, ok=False, detail=str(exc), checked_at=now)
    availability.succeeded()
    return HealthReport(component=component, ok=True, detail=ok_detail, checked_at=now)
