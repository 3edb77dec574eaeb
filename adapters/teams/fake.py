"""A fake Teams Workflows host: an ASGI app that checks each webhook's ``sig`` (401
otherwise), validates the Adaptive Card envelope (400 otherwise) and answers 202, as
the real trigger does. ``records`` holds every card accepted, in order.

The seeded webhooks (``WEBHOOKS``: name → workflow id and sig) are fixed, so settings
can be built for any base URL with ``webhook_urls(base_url)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from hub.adapters.teams.models import CARD_CONTENT_TYPE
from hub.adapters.webhook.fake import Answer, ASGIApp, FakeHttpState, Request, serve

WEBHOOKS: dict[str, tuple[str, str]] = {
    "office": ("5f0a1c2e7b9d4e31a2c4b6d8e0f1a3c5", "sig-office-Qm9vcnN0ZXA"),
    "dsl": ("8c3e5a7b9d1f4a2c6e8b0d2f4a6c8e0b", "sig-dsl-ZG9vcnN0ZXAt"),
    "senior": ("1b2d3f4a5c6e7b8d9f0a1c2e3b4d5f6a", "sig-senior-ZmFrZS10"),
}
"""The fake's workflows: name → (workflow id, sig)."""

_PATH = re.compile(r"^/workflows/(?P<id>[0-9a-f]{32})/triggers/manual/paths/invoke/?$")


def webhook_urls(base_url: str) -> dict[str, str]:
    """The URL of every seeded webhook on ``base_url``."""
    root = base_url.rstrip("/")
    return {
        name: f"{root}/workflows/{wid}/triggers/manual/paths/invoke"
        f"?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={sig}"
        for name, (wid, sig) in WEBHOOKS.items()
    }


@dataclass
class FakeState(FakeHttpState):
    """The fake host's state: ``records`` maps ``card-<n>`` to (webhook name, body)."""

    def personal_values(self) -> list[str]:
        """The webhooks' sigs: credentials, never to be logged."""
        return [sig for _, sig in WEBHOOKS.values()]


def envelope_problem(body: Any) -> str | None:
    """What is wrong with a Workflows request body, or None."""
    if not isinstance(body, dict) or body.get("type") != "message":
        return "type must be 'message'"
    attachments = body.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        return "attachments must be a non-empty list"
    first = attachments[0]
    if not isinstance(first, dict) or first.get("contentType") != CARD_CONTENT_TYPE:
        return f"attachments[0].contentType must be {CARD_CONTENT_TYPE}"
    content = first.get("content")
    if not isinstance(content, dict) or content.get("type") != "AdaptiveCard":
        return "attachments[0].content.type must be AdaptiveCard"
    if not isinstance(content.get("version"), str):
        return "the card needs a version"
    card_body = content.get("body")
    if not isinstance(card_body, list) or not card_body:
        return "the card needs a body"
    if not all(isinstance(item, dict) and "type" in item for item in card_body):
        return "every body element needs a type"
    return None


def create_app(state: FakeState) -> ASGIApp:
    """The fake Workflows host serving ``state``."""
    by_id = {wid: (name, sig) for name, (wid, sig) in WEBHOOKS.items()}

    def handle(request: Request) -> Answer:
        match = _PATH.match(request.path)
        if request.method != "POST" or match is None or match["id"] not in by_id:
            return 404, {"error": {"code": "TriggerNotFound"}}, {}
        name, sig = by_id[match["id"]]
        if parse_qs(request.query).get("sig") != [sig]:
            return 401, {"error": {"code": "DirectApiAuthorizationRequired"}}, {}
        problem = envelope_problem(request.json())
        if problem is not None:
            return 400, {"error": {"code": "InvalidRequestContent", "message": problem}}, {}
        run = f"run-{len(state.records) + 1}"
        state.records[f"card-{len(state.records) + 1}"] = (name, request.json())
        return 202, None, {"x-ms-workflow-run-id": run}

    return serve(state, handle)
