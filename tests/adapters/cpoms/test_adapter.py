"""The CPOMS adapter against its fake: household flags, no narrative, one incident per key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from hub.adapters.cpoms import CpomsAdapter
from hub.adapters.cpoms.fake import API_KEY, FakeState, create_app
from hub.adapters.cpoms.models import DSL_ALERT_TEXT
from hub.adapters.cpoms.settings import CpomsSettings
from hub.errors import AdapterConfigError, RejectedError, TransientError
from hub.hooks.manager import build_hooks
from hub.models import (
    Agreement,
    RiskAssessment,
    RiskQuestionnaire,
    School,
    Signature,
    Visit,
    VisitNote,
)
from hub.store import Store
from tests.factories import SCHOOL, T0, fake, pack, visit

BASE_URL = "https://stmichaels.cpoms.test/api/v1/"


class Sleeps:
    """An injected sleep that records its waits and never waits."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def adapter_for(state: FakeState, **overrides: Any) -> CpomsAdapter:
    values: dict[str, Any] = {"base_url": BASE_URL, "api_key": API_KEY, **overrides}
    settings = CpomsSettings.model_validate(values)
    transport = httpx.ASGITransport(app=create_app(state))
    return CpomsAdapter(settings, transport=transport, sleep=Sleeps())


def note_for(the_visit: Visit, *, concern: bool = False, pupil_id: str | None = None) -> VisitNote:
    faker = fake(77)
    pupil = pupil_id or the_visit.pupil_id
    return VisitNote(
        id="note-1",
        visit_id=the_visit.id,
        pupil_id=pupil,
        written_by="staff-1",
        written_at=T0 + timedelta(hours=3),
        location=faker.street_address(),
        seen=("mother", "pupil"),
        discussion=faker.paragraph(nb_sentences=2),
        concerns=faker.sentence() if concern else None,
        safeguarding_concern=concern,
        agreements=(
            Agreement(
                id="agr-1",
                visit_id=the_visit.id,
                pupil_id=pupil,
                action=faker.sentence(),
                owner="parent",
                made_at=T0 + timedelta(hours=2),
            ),
        ),
        signatures=(
            Signature(signer="parent", signer_id="contact-1", signed_at=T0 + timedelta(hours=2)),
            Signature(signer="staff", signer_id="staff-1", signed_at=T0 + timedelta(hours=2)),
        ),
    )


@pytest.fixture
def state() -> FakeState:
    return FakeState()


# --- pull -------------------------------------------------------------------------------


async def test_a_siblings_flag_reaches_the_pupil_as_a_household_flag(state: FakeState) -> None:
    adapter = adapter_for(state)
    flags = await adapter.hub_pull_risk_flags(pupil_id="pupil-1", household_id=None)
    await adapter.stop()
    assert [(f.category, f.applies_to, f.household_id, f.pupil_id) for f in flags] == [
        ("violence_to_staff", "household", "hh-1", None)
    ]
    assert flags[0].severity == "high"
    assert flags[0].source == "cpoms"


async def test_the_pupils_own_and_household_categories(state: FakeState) -> None:
    adapter = adapter_for(state)
    own = await adapter.hub_pull_risk_flags(pupil_id="pupil-2", household_id=None)
    sibling = await adapter.hub_pull_risk_flags(pupil_id="pupil-4", household_id=None)
    await adapter.stop()
    assert [(f.category, f.applies_to, f.pupil_id) for f in own] == [
        ("violence_to_staff", "pupil", "pupil-2")
    ]
    assert {(f.category, f.applies_to) for f in sibling} == {
        ("dangerous_animal", "household"),
        ("child_in_need", "household"),
    }


async def test_the_hubs_household_id_finds_siblings_of_a_pupil_cpoms_does_not_know(
    state: FakeState,
) -> None:
    adapter = adapter_for(state)
    flags = await adapter.hub_pull_risk_flags(pupil_id="new-pupil", household_id="hh-3")
    await adapter.stop()
    assert [(f.category, f.applies_to, f.household_id) for f in flags] == [
        ("domestic_abuse", "household", "hh-3")
    ]


async def test_restricted_and_unmapped_categories_give_no_flag(state: FakeState) -> None:
    adapter = adapter_for(state)
    restricted = await adapter.hub_pull_risk_flags(pupil_id="pupil-8", household_id=None)
    await adapter.stop()
    assert [f.category for f in restricted] == ["looked_after"]  # the sibling's, not pupil-8's


async def test_the_narrative_never_enters_a_hub_model_the_store_or_a_log(
    state: FakeState, tmp_path: Path
) -> None:
    school = School(id=SCHOOL, name="St Michael's", policy_pack=SCHOOL)
    narratives = state.narratives()
    assert len(narratives) >= 8
    assert all(len(n) > 40 for n in narratives)
    hooks = build_hooks(
        school, pack=pack(), entry_points=False, extra=[("cpoms", adapter_for(state))], trace=True
    )
    with capture_logs() as events:
        flags = [
            flag
            for n in range(1, 9)
            for flag in await hooks.pull_risk_flags(pupil_id=f"pupil-{n}", household_id=None)
        ]
    await hooks.aclose()
    assert flags, "the fake seeds risk incidents"
    with Store.open(f"sqlite:///{tmp_path / 'hub.db'}") as store:
        store.save_school(school)
        the_visit = visit()
        store.save_visit(the_visit)
        assessment = RiskAssessment(
            id="ra-1",
            visit_id=the_visit.id,
            completed_by="staff-1",
            completed_at=T0,
            questionnaire=RiskQuestionnaire(),
            flags=tuple(flags),
        )
        store.save_risk_assessment(SCHOOL, assessment)
    stored = (tmp_path / "hub.db").read_bytes().decode("utf-8", "replace")
    models = " ".join(f.model_dump_json() + repr(f) for f in flags)
    logged = repr(events)
    for narrative in narratives:
        for sentence in narrative.split(". "):
            probe = sentence.strip(". ")
            assert probe not in models
            assert probe not in stored
            assert probe not in logged
    assert "violence_to_staff" in stored  # the flags themselves were stored


# --- push -------------------------------------------------------------------------------


async def test_a_note_becomes_one_incident_with_structured_fields(state: FakeState) -> None:
    adapter = adapter_for(state, alert_staff=["user-9"], alert_groups=["Pastoral"])
    the_visit = visit(pupil_id="pupil-1")
    note = note_for(the_visit)
    receipt = await adapter.hub_push_visit_note(visit=the_visit, note=note, idempotency_key="k-1")
    await adapter.stop()
    (incident,) = state.records
    assert receipt.external_id == incident["id"]
    assert receipt.created is True
    assert receipt.system == "cpoms"
    assert incident["student_ids"] == ["stu-1"]
    assert incident["category_ids"] == [state.category_id("Home visit")]
    assert incident["external_ref"] == "k-1"
    assert incident["source"] == "Doorstep"
    assert incident["alert"] == {"user_ids": ["user-9"], "groups": ["Pastoral"]}
    assert incident["narrative"] == note.discussion
    assert incident["agreements"][0]["action"] == note.agreements[0].action
    assert incident["agreements"][0]["owner"] == "parent"
    assert [s["signer"] for s in incident["signatures"]] == ["parent", "staff"]
    assert incident["signatures"][0]["signed_at"] == (T0 + timedelta(hours=2)).isoformat()
    assert incident["concern"] == {"safeguarding": False, "detail": None}
    assert incident["actions"] == []


async def test_the_same_key_twice_files_one_incident(state: FakeState) -> None:
    adapter = adapter_for(state)
    the_visit = visit(pupil_id="pupil-1")
    note = note_for(the_visit)
    first = await adapter.hub_push_visit_note(visit=the_visit, note=note, idempotency_key="k-2")
    second = await adapter.hub_push_visit_note(visit=the_visit, note=note, idempotency_key="k-2")
    await adapter.stop()
    assert len(state.records) == 1
    assert second.external_id == first.external_id
    assert (first.created, second.created) == (True, False)


async def test_a_lost_receipt_is_found_by_its_reference_before_any_retry(
    state: FakeState,
) -> None:
    adapter = adapter_for(state)
    the_visit = visit(pupil_id="pupil-1")
    note = note_for(the_visit)
    state.fail_after_write(status=503, times=1)
    receipt = await adapter.hub_push_visit_note(visit=the_visit, note=note, idempotency_key="k-3")
    await adapter.stop()
    assert len(state.with_ref("k-3")) == 1
    assert receipt.external_id == state.with_ref("k-3")[0]["id"]
    assert [m for m, _ in state.requests].count("POST") == 1


async def test_a_crash_between_the_write_and_the_receipt_makes_one_incident(
    state: FakeState,
) -> None:
    adapter = adapter_for(state)
    the_visit = visit(pupil_id="pupil-1")
    note = note_for(the_visit)
    state.fail_after_write(status=503, times=1, then=20)
    with pytest.raises(TransientError) as caught:
        await adapter.hub_push_visit_note(visit=the_visit, note=note, idempotency_key="k-4")
    assert note.discussion not in str(caught.value)
    state.fail_next(times=0)  # CPOMS is back; the engine retries with the same key
    receipt = await adapter.hub_push_visit_note(visit=the_visit, note=note, idempotency_key="k-4")
    await adapter.stop()
    (incident,) = state.with_ref("k-4")
    assert len(state.records) == 1
    assert receipt.external_id == incident["id"]
    assert receipt.created is False


async def test_a_safeguarding_concern_alerts_the_dsl_group_once(state: FakeState) -> None:
    adapter = adapter_for(state)
    the_visit = visit(pupil_id="pupil-1")
    note = note_for(the_visit, concern=True)
    await adapter.hub_push_visit_note(visit=the_visit, note=note, idempotency_key="k-5")
    await adapter.hub_push_visit_note(visit=the_visit, note=note, idempotency_key="k-5")
    await adapter.stop()
    (incident,) = state.records
    (alert,) = incident["actions"]
    assert alert["urgent"] is True
    assert alert["alert"]["groups"] == ["DSL Team"]
    assert alert["text"] == DSL_ALERT_TEXT
    assert incident["concern"] == {"safeguarding": True, "detail": note.concerns}


async def test_an_alert_lost_after_a_crash_is_raised_on_the_retry_exactly_once(
    state: FakeState,
) -> None:
    adapter = adapter_for(state)
    the_visit = visit(pupil_id="pupil-1")
    note = note_for(the_visit, concern=True)
    state.fail_after_write(status=503, times=2, then=20)  # the incident, then its alert
    with pytest.raises(TransientError):
        await adapter.hub_push_visit_note(visit=the_visit, note=note, idempotency_key="k-6")
    state.fail_next(times=0)
    with pytest.raises(TransientError):  # found the incident; the alert's answer is lost
        await adapter.hub_push_visit_note(visit=the_visit, note=note, idempotency_key="k-6")
    state.fail_next(times=0)
    receipt = await adapter.hub_push_visit_note(visit=the_visit, note=note, idempotency_key="k-6")
    await adapter.stop()
    (incident,) = state.with_ref("k-6")
    assert receipt.created is False
    assert len(incident["actions"]) == 1


async def test_a_pupil_cpoms_does_not_know_goes_to_the_incident_tray(state: FakeState) -> None:
    adapter = adapter_for(state)
    the_visit = visit(pupil_id="unknown-pupil")
    await adapter.hub_push_visit_note(
        visit=the_visit, note=note_for(the_visit), idempotency_key="k-7"
    )
    await adapter.stop()
    (incident,) = state.records
    assert incident["student_ids"] == []
    assert incident["status"] == "tray"


async def test_reject_mode_refuses_an_unknown_pupil_without_filing(state: FakeState) -> None:
    adapter = adapter_for(state, unmatched_pupils="reject")
    the_visit = visit(pupil_id="unknown-pupil")
    with pytest.raises(RejectedError):
        await adapter.hub_push_visit_note(
            visit=the_visit, note=note_for(the_visit), idempotency_key="k-8"
        )
    await adapter.stop()
    assert state.records == []


@pytest.mark.parametrize("category", ["Attendance", "No such category"])
async def test_a_category_the_key_may_not_write_is_a_config_error(
    state: FakeState, category: str
) -> None:
    adapter = adapter_for(state, note_category=category)
    the_visit = visit(pupil_id="pupil-1")
    with pytest.raises(AdapterConfigError) as caught:
        await adapter.hub_push_visit_note(
            visit=the_visit, note=note_for(the_visit), idempotency_key="k-9"
        )
    await adapter.stop()
    assert "note_category" in str(caught.value)
    assert state.records == []


async def test_the_key_may_go_in_an_api_key_header(state: FakeState) -> None:
    adapter = adapter_for(state, auth_scheme="header")
    flags = await adapter.hub_pull_risk_flags(pupil_id="pupil-2", household_id=None)
    await adapter.stop()
    assert flags


# --- health and packaging ---------------------------------------------------------------


async def test_health_names_what_to_fix(state: FakeState) -> None:
    adapter = adapter_for(state)
    assert (await adapter.hub_health(now=T0)).ok
    state.integration_status = "pending"
    pending = await adapter.hub_health(now=T0)
    wrong_key = adapter_for(state, api_key="not-the-key")
    refused = await wrong_key.hub_health(now=T0)
    await adapter.stop()
    await wrong_key.stop()
    assert not pending.ok
    assert "Admin → Integrations" in pending.detail
    assert not refused.ok
    assert "api_key" in refused.detail
