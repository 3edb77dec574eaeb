"""The five seed packs: each states every key, cites its clauses and encodes its seed."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from hub.models import CheckInKind, LadderTarget, StaffRole, VisitReason
from hub.policy import (
    PolicyError,
    PolicyPack,
    bundled_packs_dir,
    load_pack,
    pack_keys,
    parse_pack,
)

SEEDS = {
    "st-michaels": "000",
    "blessed-trinity": "001",
    "le-rocquier": "002",
    "the-willows": "003",
    "harrogate": "004",
}
R = StaffRole
V = VisitReason


def raw(pack_id: str) -> dict[str, Any]:
    return tomllib.loads((bundled_packs_dir() / f"{pack_id}.toml").read_text())


def packs() -> dict[str, PolicyPack]:
    return {pack_id: load_pack(bundled_packs_dir() / f"{pack_id}.toml") for pack_id in SEEDS}


PACKS = packs()


def test_exactly_the_five_seed_packs_are_bundled():
    assert sorted(path.stem for path in bundled_packs_dir().glob("*.toml")) == sorted(SEEDS)


@pytest.mark.parametrize("pack_id", SEEDS)
def test_each_pack_is_named_after_its_file_and_seed(pack_id):
    assert (PACKS[pack_id].id, PACKS[pack_id].seed) == (pack_id, SEEDS[pack_id])


OPTIONAL_IN_FILE = {"duress.code_phrase"}
"""TOML has no null: a pack with no code phrase leaves the key out."""


def stated(data: dict[str, Any], key: str) -> bool:
    head, _, rest = key.partition(".")
    if head.endswith("[]"):
        return all(stated(item, rest) for item in data[head[:-2]])
    if not rest:
        return head in data
    return head in data and stated(data[head], rest)


@pytest.mark.parametrize("pack_id", SEEDS)
def test_each_pack_states_every_key_rather_than_lean_on_model_defaults(pack_id):
    data = raw(pack_id)
    for key, _ in pack_keys():
        if key.endswith(".silent_on") or key in OPTIONAL_IN_FILE:
            continue
        assert stated(data, key), f"{pack_id} does not state {key}"


@pytest.mark.parametrize("pack_id", SEEDS)
def test_every_silent_key_is_explained_by_a_default_part(pack_id):
    pack = PACKS[pack_id]
    for name in PolicyPack.model_fields:
        section = getattr(pack, name)
        if hasattr(section, "silent_on") and section.silent_on:
            assert "default:" in section.source, f"{pack_id}: {name}"


def test_wait_limits_differ_by_school():  # 000 8.1.2, 003 3.2, 004 4.2
    waits = {pack_id: p.doorstep.parent_absent_wait_minutes for pack_id, p in PACKS.items()}
    assert waits == {
        "st-michaels": 20,
        "blessed-trinity": 10,
        "le-rocquier": 10,
        "the-willows": 10,
        "harrogate": 20,
    }
    for silent in ("blessed-trinity", "le-rocquier"):
        assert PACKS[silent].doorstep.is_default_key("parent_absent_wait_minutes")
    for stated in ("st-michaels", "the-willows", "harrogate"):
        assert not PACKS[stated].doorstep.is_default_key("parent_absent_wait_minutes")


def test_late_limit_is_30_minutes_stated_only_by_the_willows_and_harrogate():  # 3.3, 4.3
    for pack_id, pack in PACKS.items():
        assert pack.doorstep.late_arrival_cancel_minutes == 30
        stated = pack_id in {"the-willows", "harrogate"}
        assert pack.doorstep.is_default_key("late_arrival_cancel_minutes") is not stated


def test_two_hour_check_ins_are_the_policy_only_in_seeds_000_and_004():  # 6.3, 2.4
    for pack_id, pack in PACKS.items():
        assert pack.check_ins.interval_minutes == 120
        stated = pack_id in {"st-michaels", "harrogate"}
        assert pack.check_ins.is_default_key("interval_minutes") is not stated


def test_blessed_trinity_overdue_grace_is_its_own_30_minutes_and_others_default():
    assert not PACKS["blessed-trinity"].overdue.is_default
    for pack_id in set(SEEDS) - {"blessed-trinity"}:
        assert PACKS[pack_id].overdue.is_default
        assert PACKS[pack_id].overdue.grace_minutes == 30


def test_authorisers_follow_each_policy():
    assert {pack_id: p.authorisation.roles for pack_id, p in PACKS.items()} == {
        "st-michaels": [R.DEPUTY_HEAD],  # 8.1.2
        "blessed-trinity": [R.LEAD_DSL],  # opening statement
        "le-rocquier": [R.DEPUTY_HEAD],  # default: lead person
        "the-willows": [R.HEADTEACHER],  # default: only senior role named
        "harrogate": [R.ASSISTANT_HEAD],  # appendix 1.2
    }
    assert PACKS["le-rocquier"].authorisation.is_default_key("roles")
    assert PACKS["the-willows"].authorisation.is_default


def test_pairs_and_who_is_told_of_a_solo_visit():
    staffing = {pack_id: p.staffing for pack_id, p in PACKS.items()}
    assert staffing["st-michaels"].pairs == "required"  # 6.5
    assert staffing["blessed-trinity"].pairs == "preferred"
    assert staffing["blessed-trinity"].solo_notify == [R.LEAD_DSL]
    assert staffing["le-rocquier"].pairs == "optional"
    assert PACKS["le-rocquier"].authorisation.senior_team_told
    assert staffing["harrogate"].mobile_held_by == [R.ASSISTANT_HEAD]  # 2.3
    assert staffing["harrogate"].vehicle_details_held_by == [R.FINANCE_TEAM]  # 2.6


def test_ladders_reach_staff_first_and_end_with_a_police_prompt():
    for pack_id, pack in PACKS.items():
        rungs = pack.escalation.rungs
        assert LadderTarget.VISITING_STAFF in rungs[0].reaches, pack_id
        assert LadderTarget.POLICE_PROMPT in rungs[-1].reaches, pack_id
        assert pack.rung_number(pack.duress.rung) == len(rungs), pack_id
        assert all(rung.ack_window_minutes == 10 for rung in rungs), pack_id
    st_michaels = [rung.name for rung in PACKS["st-michaels"].escalation.rungs]
    assert st_michaels == ["ring-staff", "ring-home", "duty-slt", "police"]  # 8.1.7


def test_only_blessed_trinity_has_a_code_phrase():
    phrases = {
        pack_id: p.duress.code_phrase.get_secret_value() if p.duress.code_phrase else None
        for pack_id, p in PACKS.items()
    }
    assert phrases.pop("blessed-trinity") == (
        "Please let Mrs Smith know I will be late for our appointment"
    )
    assert set(phrases.values()) == {None}
    assert "Mrs Smith" not in repr(PACKS["blessed-trinity"])


def test_unannounced_reasons_differ_by_school():
    assert {pack_id: set(p.unannounced.allowed_reasons) for pack_id, p in PACKS.items()} == {
        "st-michaels": set(),
        "blessed-trinity": {V.OTHER_CONTACT_FAILED, V.WELFARE_CONCERN},
        "le-rocquier": {
            V.WELFARE_CONCERN,
            V.HOME_WITHOUT_PARENT_KNOWLEDGE,
            V.PARENT_COLLUDING,
            V.OTHER_CONTACT_FAILED,
            V.PARENT_ABILITY_IN_QUESTION,
        },
        "the-willows": set(),
        "harrogate": {V.ATTENDANCE_CONCERN, V.WELFARE_CONCERN},  # 4.4
    }
    assert PACKS["le-rocquier"].unannounced.usually_by == [R.EDUCATION_WELFARE_OFFICER]


def test_written_cancellation_reasons_go_to_the_named_senior_role():
    assert {
        pack_id: p.doorstep.cancellation_reasons_in_writing_to for pack_id, p in PACKS.items()
    } == {
        "st-michaels": [R.DEPUTY_HEAD],  # 8.1.4-8.1.5
        "blessed-trinity": [R.LEAD_DSL],
        "le-rocquier": [R.DEPUTY_HEAD],
        "the-willows": [R.HEADTEACHER],  # 3.5
        "harrogate": [R.ASSISTANT_HEAD],  # 4.6-4.7
    }


def test_attendance_referral_below_90_percent_over_3_months_only_in_000_and_004():
    for pack_id, pack in PACKS.items():
        assert pack.attendance.enabled is (pack_id in {"st-michaels", "harrogate"})
        assert (pack.attendance.below_percent, pack.attendance.window_months) == (90.0, 3)


def test_record_fields_include_signatures_where_the_policy_asks():  # 000 6.7, 003 2.3
    for pack_id in ("st-michaels", "the-willows"):
        fields = PACKS[pack_id].records.required_fields
        assert {"parent_signature", "staff_signature"} <= set(fields)
    assert PACKS["harrogate"].records.destination == "cpoms_and_mis"  # 5.1


def test_optional_clauses():
    harrogate = PACKS["harrogate"].clauses
    assert harrogate.no_visit_while_self_isolating  # appendix 1.3
    assert harrogate.remote_meeting_first  # appendix 1.1
    assert harrogate.book_calendar  # 4.9
    assert PACKS["blessed-trinity"].clauses.outside_school_hours == "discouraged"
    assert PACKS["blessed-trinity"].check_ins.between_visits
    assert PACKS["the-willows"].clauses.is_default
    assert CheckInKind.DEPARTED in PACKS["le-rocquier"].check_ins.required


def _data(pack_id: str = "st-michaels") -> dict[str, Any]:
    return raw(pack_id)


def test_silent_on_must_name_a_key_of_its_section_without_echoing_it():
    data = _data()
    data["doorstep"]["silent_on"] = ["secret_looking_name"]
    with pytest.raises(PolicyError) as info:
        parse_pack(data, file="x.toml")
    assert str(info.value).startswith("x.toml: doorstep.silent_on: ")
    assert "secret_looking_name" not in str(info.value)


def test_silent_on_needs_a_default_part_in_the_source():
    data = _data()
    data["authorisation"]["silent_on"] = ["roles"]
    with pytest.raises(PolicyError, match=r"^x.toml: authorisation.silent_on: .*default"):
        parse_pack(data, file="x.toml")


def test_a_file_that_is_not_utf8_is_named_without_its_bytes(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"id = '\xff\xfe'")
    with pytest.raises(PolicyError) as info:
        load_pack(bad)
    assert str(info.value) == f"{bad}: (file): is not UTF-8 text"
