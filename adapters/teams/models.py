"""The Teams Workflows webhook payload: one Adaptive Card in a ``message`` envelope.

The flow template "When a Teams webhook request is received" posts the first
attachment's ``content``. Only the composed message goes in (see
``hub.notify``): by default no name and no note text.
"""

from __future__ import annotations

from typing import Any

from hub.notify import Message

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.4"


def card(message: Message) -> dict[str, Any]:
    """The Adaptive Card for ``message``: a bold headline, the lines, a board button."""
    headline: dict[str, Any] = {
        "type": "TextBlock",
        "text": message.subject,
        "weight": "Bolder",
        "size": "Medium",
        "wrap": True,
    }
    if message.urgent:
        headline["color"] = "Attention"
    lines = [{"type": "TextBlock", "text": line, "wrap": True} for line in message.lines]
    content: dict[str, Any] = {
        "$schema": CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": [headline, *lines],
    }
    if message.link:
        content["actions"] = [
            {"type": "Action.OpenUrl", "title": "Open the board", "url": message.link}
        ]
    return content


def envelope(message: Message) -> dict[str, Any]:
    """The request body a Workflows webhook expects."""
    return {
        "type": "message",
        "attachments": [
            {"contentType": CARD_CONTENT_TYPE, "contentUrl": None, "content": card(message)}
        ],
    }
