"""OneRoster 1.2 rostering: pupils and their guardians, over OAuth 2 client credentials."""

from hub.adapters.oneroster.adapter import OneRosterAdapter

__all__ = ["OneRosterAdapter"]
