"""explain(): each seed pack read back as plain-English rules, with clauses or defaults."""

from __future__ import annotations

import re

import pytest

from hub.policy import PolicyPack, Section
from hub.policy_explain import clauses_of, explain
from tests.factories import pack

PHRASE = "Please let Mrs Smith know I will be late for our appointment"
ALL = ["st-michaels", "blessed-trinity", "le-rocquier", "the-willows", "harrogate"]


def flat(text: str) -> str:
    """The explanation with line wrapping undone, so sentences can be matched whole."""
    return re.sub(r"\s+", " ", text)


def rule(text: str, starting: str) -> str:
    """The numbered rule whose text starts with ``starting``, with its marker line."""
    for block in re.split(r"\n(?=\s*\d+\. )", text):
        body = flat(block.split("\n\n")[0]).strip()
        if re.match(rf"\d+\. {re.escape(starting)}", body):
            return body
    raise AssertionError(f"no rule starting {starting!r}")


def test_st_michaels_reads_as_its_own_rules_with_clauses():
    text = explain(pack("st-michaels"))
    assert text.startswith("St Michael's Church of England High School: home visit rules\n")
    assert rule(text, "The deputy headteacher must authorise every visit").endswith(
        "from a daily or weekly list of visits, before it happens. [school policy: 8.1.1-8.1.2]"
    )
    assert "wait at most 20 minutes, then leave a calling card and cancel the visit" in (
        rule(text, "If nobody answers the door")
    )
    late = rule(text, "If the parent has said they will be late")
    assert "more than 30 minutes late" in late
    assert late.endswith("[Doorstep default: the policy is silent]")
    assert "check in at least every 2 hours. [school policy: 6.3, 8.1.6]" in flat(text)
    assert "Two members of staff go on every visit." in flat(text)
    assert "Every visit is announced" in flat(text)
    assert "the deputy headteacher is prompted to refer the pupil" in flat(text)


def test_st_michaels_ladder_is_numbered_steps_after_the_default_grace():
    ladder = rule(explain(pack("st-michaels")), "If you have not checked in 30 minutes")
    steps = re.findall(r"(\d)\) ([^.]+)\.", ladder)
    assert [number for number, _ in steps] == ["1", "2", "3", "4"]
    assert steps[0][1] == "Ring both members of staff on their mobiles now"
    assert "reaches the pupil's home and the school office" in ladder
    assert "within 10 minutes or the next step starts" in ladder
    assert "If nobody acknowledges step 4, a member of the senior leadership team" in ladder
    assert ladder.endswith("[school policy: 8.1.7; partly a Doorstep default where it is silent]")


def test_blessed_trinity_code_phrase_is_hidden_unless_revealed():
    blessed = pack("blessed-trinity")
    hidden = explain(blessed)
    assert "Mrs Smith" not in hidden
    assert "shown only with --reveal-code-phrase" in flat(hidden)
    shown = flat(explain(blessed, reveal_code_phrase=True))
    assert f'contact school: "{PHRASE}". It goes straight to step 3 of the list above' in shown
    assert "your screen looks normal" in shown


def test_blessed_trinity_rules_and_defaults():
    text = explain(pack("blessed-trinity"))
    assert rule(text, "The lead designated safeguarding lead must authorise each visit")
    assert "A member of the senior team must know of each visit." in flat(text)
    assert "The lead designated safeguarding lead must be told of a solo visit." in flat(text)
    wait = rule(text, "If nobody answers the door")
    assert "wait at most 10 minutes" in wait
    assert wait.endswith("partly a Doorstep default where it is silent]")
    assert "Avoid visits outside school opening hours" in flat(text)
    assert "between one visit and the next" in flat(text)
    assert rule(text, "If you have not checked in 30 minutes").count(")") >= 3
    assert "Only a visit for all other contact having failed or a welfare or" in flat(text)


def test_le_rocquier_names_the_ewo_for_unannounced_visits_and_defaults_its_authoriser():
    text = explain(pack("le-rocquier"))
    assert rule(text, "The deputy headteacher must authorise each visit").endswith(
        "[Doorstep default: the policy is silent]"
    )
    assert rule(text, "A member of the senior team must know of each visit").endswith(
        "[school policy: Mobile phone paragraph]"
    )
    assert "normally made by the education welfare officer" in flat(text)
    assert "Staff may visit alone or in pairs." in flat(text)
    assert "a parent or another adult should be there when you see the pupil" in flat(text)
    assert "Doorstep does not prompt an attendance referral" in flat(text)


def test_the_willows_waits_10_minutes_and_reports_to_the_headteacher():
    text = explain(pack("the-willows"))
    assert rule(text, "If nobody answers the door").endswith(
        "[school policy: 3.2, 3.3, 3.5, 3.6; partly a Doorstep default where it is silent]"
    )
    assert "wait at most 10 minutes" in flat(text)
    assert rule(text, "The headteacher must authorise each visit").endswith(
        "[Doorstep default: the policy is silent]"
    )
    assert "Give the reason for cancelling in writing to the headteacher." in flat(text)


def test_harrogate_lists_its_appendix_clauses():
    text = flat(explain(pack("harrogate")))
    assert "The assistant headteacher must authorise each visit" in text
    assert "[school policy: Appendix 1.2]" in text
    assert "First try to meet the parents remotely" in text
    assert "Do not visit while the pupil is self-isolating." in text
    assert "Book the visit in your calendar." in text
    assert "below 90% over 3 months, the assistant headteacher is prompted" in text
    assert "Check in with the office, the attendance officer or the line manager" in text


@pytest.mark.parametrize("pack_id", ALL)
def test_every_rule_is_numbered_in_order_and_marked(pack_id):
    text = explain(pack(pack_id))
    numbers = [int(n) for n in re.findall(r"^\s*(\d+)\. ", text, flags=re.MULTILINE)]
    assert numbers == list(range(1, len(numbers) + 1))
    markers = re.findall(r"\[(school policy|Doorstep default)", text)
    assert len(markers) == len(numbers)


@pytest.mark.parametrize("pack_id", ALL)
def test_every_section_source_is_quoted_at_the_end(pack_id):
    chosen = pack(pack_id)
    tail = flat(explain(chosen).split("Where these rules come from", 1)[1])
    for name in PolicyPack.model_fields:
        section = getattr(chosen, name)
        if isinstance(section, Section):
            assert f"{name}: {section.source}" in tail


def test_clause_labels_are_the_text_before_each_cited_part():
    doorstep = pack("st-michaels").doorstep
    assert clauses_of(doorstep) == ["8.1.2", "6.6", "8.1.4-8.1.5"]
    assert clauses_of(pack("st-michaels").overdue) == []
