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


class AdapterError(DoorstepError):
    """An outside system could not do what was asked.

    The message names the adapter, the method, the path *template* (``/pupils/{id}``),
    the status and the upstream request id: never a body, a query string, a token or
    personal data.
    """

    def __init__(
        self,
        message: str,
        *,
        adapter: str | None = None,
        status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        self.adapter = adapter
        self.status = status
        self.request_id = request_id
        super().__init__(message)


class TransientError(AdapterError):
    """Worth trying again later; ``retry_after`` (seconds) is the system's own hint."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        adapter: str | None = None,
        status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, adapter=adapter, status=status, request_id=request_id)


class AuthError(AdapterError):
    """Credentials refused (401/403): stop and alert the admin; retrying will not help."""


class RejectedError(AdapterError):
    """The system refused the request as invalid (400/409/422): dead-letter it."""


class NotFoundError(AdapterError):
    """The record asked for does not exist there (404)."""


class AdapterConfigError(AdapterError, ConfigError):
    """An adapter's settings cannot work (bad base URL, refused address, missing secret)."""
