"""The escalation ladder as data, and the default channel order."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.models import LadderTarget, StaffRole
from hub.plugins import ladder
from tests import factories
from tests.hub.hooks.support import hooks_for


def test_st_michaels_ladder_has_four_numbered_rungs_ending_in_a_police_prompt():
    built = ladder.build_ladder(factories.pack("st-michaels"))
    assert [(r.number, r.name) for r in built.rungs] == [
        (1, "ring-staff"),
        (2, "ring-home"),
        (3, "duty-slt"),
        (4, "police"),
    ]
    assert built.rung(1).reaches == (LadderTarget.VISITING_STAFF, LadderTarget.OFFICE)
    assert built.rung(1).channels == ("sms", "email")
    assert built.rung(4).prompts_police
    assert not built.rung(1).prompts_police
    assert built.exhausted_alerts == (StaffRole.SENIOR_LEADER, StaffRole.HEADTEACHER)


def test_duress_jumps_to_the_rung_the_pack_names():
    built = ladder.build_ladder(factories.pack("st-michaels"))
    assert built.rung(built.duress_rung).name == "police"


def test_each_rung_starts_after_the_grace_and_the_earlier_ack_windows():
    built = ladder.build_ladder(factories.pack("st-michaels"))
    assert built.grace == timedelta(minutes=30)
    assert [built.deadline_of(n) for n in (1, 2, 4)] == [
        timedelta(minutes=30),
        timedelta(minutes=40),
        timedelta(minutes=60),
    ]
    assert built.after(3) == built.rung(4)
    assert built.after(4) is None


def test_asking_for_a_rung_the_ladder_lacks_is_an_error():
    built = ladder.build_ladder(factories.pack("st-michaels"))
    with pytest.raises(IndexError, match="rungs 1 to 4, not 5"):
        built.rung(5)


def test_hook_resolve_channel_order_default_is_the_packs_order_for_each_rung():
    pack = factories.pack()
    hooks = hooks_for(("ladder", ladder))
    orders = [
        hooks.resolve_channel_order(visit=factories.visit(), rung=rung)
        for rung in pack.escalation.rungs
    ]
    assert orders == [tuple(rung.channels) for rung in pack.escalation.rungs]
    assert orders[2] == ("sms", "email", "teams")
