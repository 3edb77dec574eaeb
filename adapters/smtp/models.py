"""The e-mail itself: built from the composed message only, with a Message-ID derived
from the idempotency key, so a repeat is recognisable as the same e-mail."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from hub.notify import Message


def message_id(idempotency_key: str, sender: str) -> str:
    """``<sha256(key)[:32]@sender's domain>``: stable per key, reveals nothing."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}@{sender.rsplit('@', 1)[1]}>"


def build_email(
    message: Message,
    *,
    sender: str,
    sender_name: str,
    recipients: list[str],
    idempotency_key: str,
    now: datetime,
) -> EmailMessage:
    """A plain-text e-mail of ``message`` to ``recipients``."""
    email = EmailMessage()
    email["From"] = Address(display_name=sender_name, addr_spec=sender)
    email["To"] = ", ".join(recipients)
    email["Subject"] = message.subject
    email["Date"] = format_datetime(now)
    email["Message-ID"] = message_id(idempotency_key, sender)
    email["Auto-Submitted"] = "auto-generated"
    if message.urgent:
        email["Importance"] = "high"
        email["X-Priority"] = "1"
    email.set_content(message.text + "\n")
    return email
