"""Errors the hub raises on purpose.

Messages are safe to show and to log: they never hold names, addresses, phone
numbers, note text, request bodies, query strings or secrets.
"""

from __future__ import annotations


class DoorstepError(Exception):
    """Base of every error Doorstep raises on purpose."""


class UserError(DoorstepError):
    """Bad input from a person (a file, an option). The CLI prints it as one line."""


class ConfigError(UserError):
    """Settings that cannot work (unknown key, missing secret, bad value)."""


class PluginError(DoorstepError):
    """A plugin or adapter that cannot be loaded or registered."""


class HookCardinalityError(DoorstepError):
    """A hook that needs exactly one answer got none or several."""


class TransitionRefusedError(DoorstepError):
    """The visit workflow refused a transition; ``reasons`` says why, in plain words."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("; ".join(reasons))
