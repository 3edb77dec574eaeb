"""Shared message rules for notification channels (the smtp adapter arrives next)."""
