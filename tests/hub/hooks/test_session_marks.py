"""``Hooks.pull_session_marks``: the school's register from at most one adapter."""

from __future__ import annotations

from datetime import date

import pytest

from hub import hookimpl
from hub.errors import HookCardinalityError, PluginError
from hub.followup.register import SessionMark
from tests.hub.hooks.support import hooks_for

SINCE, UNTIL = date(2026, 9, 1), date(2026, 11, 20)


class Register:
    def __init__(self, code: str) -> None:
        self.code = code
        self.asked: list[tuple[date, date]] = []

    @hookimpl
    async def hub_pull_session_marks(self, since, until):
        self.asked.append((since, until))
        return [SessionMark(pupil_id="p-1", day=since, session="am", code=self.code)]


class Broken:
    @hookimpl
    def hub_pull_session_marks(self, since):
        return [{"pupil_id": "p-1"}]


async def test_hook_pull_session_marks_is_none_without_a_register_and_refuses_two():
    assert await hooks_for().pull_session_marks(since=SINCE, until=UNTIL) is None
    register = Register("N")
    marks = await hooks_for(("mis", register)).pull_session_marks(since=SINCE, until=UNTIL)
    assert marks == [SessionMark(pupil_id="p-1", day=SINCE, session="am", code="N")]
    assert register.asked == [(SINCE, UNTIL)]
    two = hooks_for(("a", Register("N")), ("b", Register("/")))
    with pytest.raises(HookCardinalityError, match="hub_pull_session_marks"):
        await two.pull_session_marks(since=SINCE, until=UNTIL)


async def test_an_answer_that_is_not_session_marks_names_the_plugin():
    with pytest.raises(PluginError, match=r"plugin 'mis'.*list of SessionMark"):
        await hooks_for(("mis", Broken())).pull_session_marks(since=SINCE, until=UNTIL)
