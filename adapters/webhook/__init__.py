"""Outgoing webhooks signed per Standard Webhooks, and verifying incoming ones. See README.md."""

from hub.adapters.webhook.adapter import WebhookAdapter

__all__ = ["WebhookAdapter"]
