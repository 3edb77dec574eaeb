"""Structured logs with personal data taken out before anything is written.

``configure_logging`` is called only by entry points (the CLI, the server). Every
other module writes ``log = structlog.get_logger(__name__)`` and binds request or
visit context through ``structlog.contextvars``.

The processor chain, shared by structlog and standard-library records (httpx,
uvicorn, sqlalchemy, alembic): merge contextvars → level → UTC ISO timestamp →
``redact_personal_data`` → exception rendering without locals → scrub of the
rendered exception → JSON or console renderer.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import Any, Literal, TextIO
from uuid import UUID

import structlog
from pydantic import BaseModel, SecretBytes, SecretStr
from structlog.processors import ExceptionRenderer
from structlog.testing import capture_logs
from structlog.tracebacks import ExceptionDictTransformer
from structlog.typing import EventDict, Processor, WrappedLogger

REDACTED = "[redacted]"
MASKED = "**********"

DENIED_KEYS = frozenset(
    {
        "name",
        "first_name",
        "last_name",
        "surname",
        "full_name",
        "forename",
        "dob",
        "date_of_birth",
        "address",
        "line1",
        "line2",
        "town",
        "postcode",
        "phone",
        "mobile",
        "email",
        "note",
        "notes",
        "text",
        "body",
        "discussion",
        "concerns",
        "agreements",
        "description",
        "registration",
        "vehicle",
        "token",
        "password",
        "secret",
        "authorization",
        "cookie",
        "set-cookie",
        "code_phrase",
        "api_key",
        "client_secret",
    }
)
"""Keys whose values are always replaced, wherever they sit (case-insensitive)."""

DENIED_SUFFIXES = (
    "_name",
    "_token",
    "_secret",
    "_password",
    "_phone",
    "_mobile",
    "_email",
    "_postcode",
    "_address",
    "_note",
    "_registration",
    "_text",
)
"""Key endings treated like the denied keys (``pupil_name``, ``access_token``)."""

SAFE_KEYS = frozenset(
    {"school_name", "hook_name", "plugin_name", "adapter_name", "rung_name", "state_name"}
)
"""Keys with a denied ending that name things, not people."""

UNTOUCHED_KEYS = frozenset({"timestamp", "level", "logger", "exc_info", "stack_info"})
"""Keys added by the chain itself; exceptions are scrubbed after they are rendered."""

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|\(?0)\d[\d\s()-]{7,12}\d(?!\w)")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b")
_VEHICLE = re.compile(r"\b(?:[A-Z]{2}\d{2}\s?[A-Z]{3}|[A-Z]\d{1,3}\s?[A-Z]{3})\b")
_URL = re.compile(r"\b([a-z][a-z0-9+.-]*://)([^\s/?#@]+@)?([^\s?#]*)([?#][^\s]*)?", re.I)
_PATH_QUERY = re.compile(r"(?<![\w:/])(/[\w./%-]*)\?[^\s\"']*")

_SAFE_SCALARS = (int, float, bool, Decimal, datetime, date, time, timedelta, UUID, Enum)


def _url_without_secrets(match: re.Match[str]) -> str:
    scheme, userinfo, rest, _query = match.groups()
    user = ""
    if userinfo:
        user = userinfo.split(":", 1)[0]
        user = f"{user}:{MASKED}@" if ":" in userinfo else userinfo
    return f"{scheme}{user}{rest}"


def scrub_text(text: str) -> str:
    """Free text with URL queries, e-mail addresses, UK phone numbers, postcodes and
    vehicle registrations taken out. The last line of defence, not the first."""
    text = _URL.sub(_url_without_secrets, text)
    text = _PATH_QUERY.sub(r"\1", text)
    text = _EMAIL.sub("[email]", text)
    text = _PHONE.sub("[phone]", text)
    text = _POSTCODE.sub("[postcode]", text)
    return _VEHICLE.sub("[registration]", text)


def _is_denied(key: object) -> bool:
    if not isinstance(key, str):
        return False
    lowered = key.lower()
    if lowered in SAFE_KEYS:
        return False
    return lowered in DENIED_KEYS or lowered.endswith(DENIED_SUFFIXES)


def redact_value(value: Any) -> Any:
    """One value made safe to log: walked through dicts and lists, models replaced."""
    if value is None or (isinstance(value, _SAFE_SCALARS) and not isinstance(value, str)):
        return value
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, SecretStr | SecretBytes):
        return MASKED
    if isinstance(value, BaseModel):
        reference = getattr(value, "reference", None)
        return reference if isinstance(reference, str) else f"<{type(value).__name__}>"
    if isinstance(value, Mapping):
        return {
            key: REDACTED if _is_denied(key) else redact_value(item) for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(item) for item in value]
    if isinstance(value, BaseException):
        return f"{type(value).__name__}: {scrub_text(str(value))}"
    if isinstance(value, PurePath):
        return scrub_text(str(value))
    return f"<{type(value).__name__}>"


def redact_personal_data(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """structlog processor: personal data and secrets out of every key and value.

    Denied keys become ``[redacted]``; ``SecretStr`` is masked; a hub domain model
    becomes its ``reference`` (``pupil:p-1``), any other model its class name; strings
    lose e-mail addresses, UK phone numbers, postcodes, vehicle registrations and URL
    queries. If redaction fails, only the event name and the error type are kept.
    """
    try:
        return {
            key: _redact_entry(key, value)
            for key, value in event_dict.items()  # keys with "_" are the formatter's own
        }
    except Exception as exc:
        return _fail_closed(event_dict, exc)


def _redact_entry(key: str, value: Any) -> Any:
    if key.startswith("_") or key in UNTOUCHED_KEYS:
        return value
    if key == "event":
        return scrub_text(value) if isinstance(value, str) else redact_value(value)
    return REDACTED if _is_denied(key) else redact_value(value)


def _fail_closed(event_dict: EventDict, exc: Exception) -> EventDict:
    event = event_dict.get("event")
    try:
        safe_event = scrub_text(event) if isinstance(event, str) else "[unloggable event]"
    except Exception:
        safe_event = "[unloggable event]"
    kept = {k: v for k, v in event_dict.items() if k.startswith("_") or k in {"level", "timestamp"}}
    return {**kept, "event": safe_event, "redaction_error": type(exc).__name__}


def scrub_exception(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """structlog processor: free-text scrub of a rendered ``exception`` (text or dicts)."""
    if "exception" in event_dict:
        event_dict["exception"] = _scrub_strings(event_dict["exception"])
    return event_dict


def _scrub_strings(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, Mapping):
        return {key: _scrub_strings(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_strings(item) for item in value]
    return value


def shared_processors() -> list[Processor]:
    """The chain every record goes through before its exception and renderer."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_personal_data,
    ]


def _rendering(mode: Literal["json", "console"]) -> list[Processor]:
    if mode == "json":
        return [
            ExceptionRenderer(ExceptionDictTransformer(show_locals=False)),
            scrub_exception,
            structlog.processors.JSONRenderer(sort_keys=False),
        ]
    return [
        structlog.processors.format_exc_info,
        scrub_exception,
        structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        ),
    ]


QUIET_LOGGERS = ("httpx", "httpcore")
OWN_HANDLER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
"""Loggers that servers give handlers of their own; they are routed back through ours."""
"""Loggers held at WARNING: at INFO they write full URLs, queries included."""


def configure_logging(
    mode: Literal["json", "console"] = "json",
    level: str = "info",
    *,
    stream: TextIO | None = None,
) -> None:
    """Send structlog and standard-library logs through the redacting chain.

    Called only by entry points. ``stream`` defaults to stderr, so command output on
    stdout stays clean.
    """
    numeric = logging.getLevelNamesMapping()[level.upper()]
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared_processors(),
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *_rendering(mode),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(numeric)
    for name in OWN_HANDLER_LOGGERS:
        # uvicorn's default config writes these itself, past the redaction processor.
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
        logging.getLogger(name).setLevel(logging.NOTSET)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, numeric))
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )


def choose_log_format(setting: str, stream: TextIO | None = None) -> Literal["json", "console"]:
    """Resolve the ``log_format`` setting: ``auto`` is console on a terminal, else JSON."""
    if setting == "json":
        return "json"
    if setting == "console":
        return "console"
    target = stream or sys.stderr
    return "console" if target.isatty() else "json"


@contextmanager
def capture_redacted_logs() -> Iterator[list[EventDict]]:
    """Capture structlog events as they would be written: after redaction.

    structlog's ``capture_logs`` bypasses the configured chain; this applies the
    contextvars merge and ``redact_personal_data`` first. For tests.
    """
    processors: list[Processor] = [structlog.contextvars.merge_contextvars, redact_personal_data]
    with capture_logs(processors=processors) as events:
        yield events


def assert_no_personal_data(events: Iterable[EventDict], values: Iterable[str]) -> None:
    """Fail if any of ``values`` (names, addresses, tokens...) appears in any event.

    Matching ignores case and spacing. The failure names the event and the value's
    position in ``values``, never the value itself.
    """
    needles = [(i, _squash(v)) for i, v in enumerate(values) if len(_squash(v)) >= 2]
    for event in events:
        text = _squash(_flatten(event))
        for position, needle in needles:
            if needle in text:
                raise AssertionError(
                    f"personal value #{position} found in log event {event.get('event')!r}"
                )


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def _flatten(value: Any, render: Callable[[Any], str] = repr) -> str:
    if isinstance(value, Mapping):
        return " ".join(f"{k} {_flatten(v)}" for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return " ".join(_flatten(item) for item in value)
    if isinstance(value, BaseException):
        return f"{type(value).__name__} {value}"
    if isinstance(value, str):
        return value
    return render(value)
