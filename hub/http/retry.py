"""The one retry policy for outbound HTTP, built by ``retry_policy()``.

Retried: ``TransientError`` from a transport failure, a timeout, or a status in
``RETRY_STATUSES`` (408, 425, 429, 500, 502, 503, 504). The wait is the server's
``Retry-After`` when it has one within the cap, else a random exponential backoff.
A ``Retry-After`` above the cap is not waited for: the ``TransientError`` (with its
``retry_after``) is raised at once so the durable engine can reschedule. The loop
stops after ``max_attempts`` or when the next wait would pass the request's deadline,
and re-raises the last error. Each retry logs one line: adapter, method, path
template, attempt, status and wait, never a query string.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_random_exponential,
)
from tenacity.wait import wait_base

from hub.errors import TransientError
from hub.http.defaults import BACKOFF_MAX_S, BACKOFF_MULTIPLIER_S, RETRY_STATUSES
from hub.http.settings import HttpSettings

Sleep = Callable[[float], Awaitable[None]]

log = structlog.get_logger(__name__)


def is_retryable(error: BaseException, *, cap_s: float) -> bool:
    """True for a transient failure worth another attempt now (Retry-After within the cap)."""
    if not isinstance(error, TransientError):
        return False
    if error.status is not None and error.status not in RETRY_STATUSES:
        return False
    return error.retry_after is None or error.retry_after <= cap_s


class WaitRetryAfter(wait_base):
    """Wait the server's ``Retry-After`` when the last error carried one, else ``fallback``."""

    def __init__(self, fallback: wait_base) -> None:
        self.fallback = fallback

    def __call__(self, retry_state: RetryCallState) -> float:
        """Seconds to sleep before the next attempt."""
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None and outcome.failed else None
        if isinstance(error, TransientError) and error.retry_after is not None:
            return error.retry_after
        return float(self.fallback(retry_state))


def retry_policy(
    adapter_id: str,
    settings: HttpSettings,
    *,
    sleep: Sleep = asyncio.sleep,
    retry: bool = True,
    method: str = "",
    path: str = "",
) -> AsyncRetrying:
    """A fresh ``AsyncRetrying`` for one request (tenacity keeps per-loop state, so
    never share one between concurrent requests).

    ``retry=False`` makes one attempt only (a write without an idempotency guarantee).
    ``method`` and ``path`` (the template) only label the retry log line.
    """
    cap_s = settings.retry_after_cap_s
    attempts = settings.max_attempts if retry else 1
    backoff = wait_random_exponential(
        multiplier=BACKOFF_MULTIPLIER_S, max=max(min(BACKOFF_MAX_S, cap_s), 0.0)
    )
    return AsyncRetrying(
        sleep=sleep,
        stop=stop_after_attempt(attempts) | stop_before_delay(settings.deadline_s),
        wait=WaitRetryAfter(backoff),
        retry=retry_if_exception(lambda error: is_retryable(error, cap_s=cap_s)),
        before_sleep=_log_retry(adapter_id, method, path),
        reraise=True,
    )


def _log_retry(adapter_id: str, method: str, path: str) -> Callable[[RetryCallState], None]:
    def before_sleep(state: RetryCallState) -> None:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None and outcome.failed else None
        wait = state.next_action.sleep if state.next_action is not None else None
        log.warning(
            "http.retry",
            adapter=adapter_id,
            method=method,
            path=path,
            attempt=state.attempt_number,
            status=getattr(error, "status", None),
            error=type(error).__name__ if error is not None else None,
            wait_s=round(wait, 3) if wait is not None else None,
        )

    return before_sleep
