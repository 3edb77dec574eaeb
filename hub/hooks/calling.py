"""How the facade calls hook implementations: awaiting, naming, counting, logging.

pluggy calls implementations synchronously and returns bare results. For hooks that
may be async, and wherever the answer's plugin must be known (cardinality errors,
health reports), the facade calls each implementation itself here, in pluggy's order
and with pluggy's argument rules. Logs carry hook and plugin names, timings and the
outcome, never argument values or results.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar

import pluggy
import structlog

from hub.errors import HookCardinalityError, PluginError

log = structlog.get_logger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Answer:
    """A non-None value returned by the implementation of one named plugin."""

    plugin: str
    value: object


def implementations(caller: pluggy.HookCaller) -> list[pluggy.HookImpl]:
    """The non-wrapper implementations of a hook, in the order pluggy would call them."""
    return [i for i in reversed(caller.get_hookimpls()) if not (i.wrapper or i.hookwrapper)]


def plugin_names(caller: pluggy.HookCaller) -> list[str]:
    """Names of the plugins implementing a hook, in call order."""
    return [impl.plugin_name for impl in implementations(caller)]


async def _run(
    hook: str, impl: pluggy.HookImpl, kwargs: dict[str, object], *, trace: bool
) -> object:
    start = time.perf_counter()
    value = impl.function(*[kwargs[name] for name in impl.argnames])
    if inspect.isawaitable(value):
        value = await value
    if trace:
        log.debug("hook.trace", hook=hook, plugin=impl.plugin_name, ms=_ms_since(start))
    return value


async def settle(
    caller: pluggy.HookCaller, kwargs: dict[str, object], *, trace: bool = False
) -> list[tuple[str, object]]:
    """Call every implementation concurrently; in call order, each plugin's name with
    its value or the exception it raised."""
    impls = implementations(caller)
    outcomes = await asyncio.gather(
        *(_run(caller.name, impl, kwargs, trace=trace) for impl in impls), return_exceptions=True
    )
    return [(impl.plugin_name, outcome) for impl, outcome in zip(impls, outcomes, strict=True)]


async def gather(
    caller: pluggy.HookCaller, kwargs: dict[str, object], *, trace: bool = False
) -> list[Answer]:
    """Call every implementation concurrently; return the non-None answers in call order.

    Every implementation finishes before the first exception, if any, is raised.
    """
    answers: list[Answer] = []
    for plugin, outcome in await settle(caller, kwargs, trace=trace):
        if isinstance(outcome, BaseException):
            raise outcome
        if outcome is not None:
            answers.append(Answer(plugin, outcome))
    return answers


async def observe(
    caller: pluggy.HookCaller, kwargs: dict[str, object], *, trace: bool = False
) -> list[str]:
    """Call every observer in order; log and skip any that fails. Returns who failed."""
    failed: list[str] = []
    for impl in implementations(caller):
        try:
            await _run(caller.name, impl, kwargs, trace=trace)
        except Exception as exc:
            failed.append(impl.plugin_name)
            log.error(
                "hook.observer_failed",
                hook=caller.name,
                plugin=impl.plugin_name,
                error=type(exc).__name__,
            )
    return failed


def exactly_one(
    hook: str, school_id: str, answers: Sequence[Answer], implementers: list[str]
) -> Answer:
    """The single answer, or a HookCardinalityError naming who answered or could have."""
    if len(answers) == 1:
        return answers[0]
    if not answers:
        who = ", ".join(implementers) or "no plugin or adapter"
        raise HookCardinalityError(
            f"{hook} needs exactly one answer for school '{school_id}' and got none "
            f"(implemented by: {who})"
        )
    raise _too_many(hook, school_id, answers)


def at_most_one(hook: str, school_id: str, answers: Sequence[Answer]) -> Answer | None:
    """The single answer or None; two or more is a HookCardinalityError naming them."""
    if len(answers) > 1:
        raise _too_many(hook, school_id, answers)
    return answers[0] if answers else None


def _too_many(hook: str, school_id: str, answers: Sequence[Answer]) -> HookCardinalityError:
    who = ", ".join(answer.plugin for answer in answers)
    return HookCardinalityError(
        f"{hook} needs exactly one answer for school '{school_id}' and got {len(answers)}, "
        f"from: {who}; enable only one of them for this school"
    )


def expect(hook: str, answer: Answer, kind: type[T]) -> T:
    """The answer's value if it is a ``kind``; otherwise a PluginError naming the plugin."""
    if not isinstance(answer.value, kind):
        raise PluginError(
            f"plugin '{answer.plugin}' returned {type(answer.value).__name__} from {hook}, "
            f"expected {kind.__name__}"
        )
    return answer.value


def expect_list(hook: str, answer: Answer, kind: type[T]) -> list[T]:
    """The answer as a list of ``kind``; otherwise a PluginError naming the plugin."""
    value = answer.value
    if not isinstance(value, list | tuple) or not all(isinstance(v, kind) for v in value):
        raise PluginError(
            f"plugin '{answer.plugin}' returned {type(value).__name__} from {hook}, "
            f"expected a list of {kind.__name__}"
        )
    return list(value)


@dataclass
class HookCall:
    """Context manager writing the one canonical log line of a facade call."""

    hook: str
    school_id: str
    plugins: list[str]
    answered: list[str] = field(default_factory=list)
    outcome: str = "ok"
    _start: float = 0.0

    def __enter__(self) -> HookCall:
        self._start = time.perf_counter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        fields: dict[str, Any] = {
            "hook": self.hook,
            "school": self.school_id,
            "plugins": self.plugins,
            "answered": self.answered,
            "ms": _ms_since(self._start),
            "outcome": "error" if exc_type else self.outcome,
        }
        if exc_type is not None:
            fields["error"] = exc_type.__name__
        # Registration is start-up wiring run by every command: debug, unless it failed.
        wiring = self.hook.startswith("hub_register_") and exc_type is None
        (log.debug if wiring else log.info)("hook.call", **fields)


def _ms_since(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)
