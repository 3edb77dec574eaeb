"""``Check``: the base of every contract check, and two helpers the checks share."""

from __future__ import annotations

from typing import Any, ClassVar

from hub.testing.harness import Subject
from hub.testing.logs import assert_error_is_safe


class Check:
    """One contract check. Subclasses set ``name`` and implement ``run``."""

    name: ClassVar[str]
    empty: ClassVar[str] = "nothing to check"
    """Why the check is skipped when ``cases`` is empty."""

    def cases(self, subject: Subject) -> list[str] | None:
        """What the check is parametrised over; ``None`` for one plain test."""
        return None

    async def run(self, subject: Subject, case: str | None) -> None:
        """Assert the contract for one case."""
        raise NotImplementedError


def implemented(subject: Subject, hooks: tuple[str, ...]) -> list[str]:
    """Those of ``hooks`` the adapter implements, in the order given."""
    return [hook for hook in hooks if hook in subject.hooks]


async def expect_error(error: type[BaseException], subject: Subject, call: Any) -> BaseException:
    """Await ``call``, which must raise ``error``; the error's text must be safe."""
    try:
        await call
    except error as exc:
        assert_error_is_safe(exc, subject.needles())
        return exc
    raise AssertionError(f"expected {error.__name__}, but the call succeeded")
