"""Microsoft Teams through Workflows webhooks, carrying Adaptive Cards. See README.md."""

from hub.adapters.teams.adapter import TeamsAdapter

__all__ = ["TeamsAdapter"]
