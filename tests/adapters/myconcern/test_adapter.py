"""The MyConcern adapter against its fake: family flags, no details, one concern per key."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from hub.adapters.myconcern import MyConcernAdapter
from hub.adapters.myconcern.fake import API_KEY, ORGANISATION_ID, FakeState, create_app
from hub.adapters.myconcern.settings import MyConcernSettings
from hub.errors import TransientError
from hub.hooks.manager import build_hooks
from hub.models import Agreement, School, Signature, Visit, VisitNote
from tests.factories import SCHOOL, T0, fake, pack, visit

BASE_URL = "https://api.myconcern.test/v1/"


class Sleeps:
    """An injected sleep that never waits."""

    async def __call__(self, seconds: float) -> None:
        return None


def adapter_for(state: FakeState, **overrides: Any) -> MyConcernAdapter:
    values: dict[str, Any] = {
        "base_url": BASE_URL,
        "api_key": API_KEY,
        "organisation_id": ORGANISATION_ID,
        **overrides,
    }
    transport = httpx.ASGITransport(app=create_app(state))
    return MyConcernAdapter(
        MyConcernSettings.model_validate(values), transport=transport, sleep=Sleeps()
    )


def note_for(the_visit: Visit, *, concern: bool = False) -> VisitNote:
    faker = fake(91)
    return VisitNote(
        id="note-1",
        visit_id=the_visit.id,
        pupil_id=the_visit.pupil_id,
        written_by="staff-1",
        written_at=T0 + timedelta(hours=3),
        location=faker.street_address(),
        seen=("father",),
        discussion=faker.paragraph(nb_sentences=2),
        concerns=faker.sentence() if concern else None,
        safeguarding_concern=concern,
        agreements=(
            Agreement(
                id="agr-1",
                visit_id=the_visit.id,
                pupil_id=the_visit.pupil_id,
                action=faker.sentence(),
                owner="pupil",
                made_at=T0 + timedelta(hours=2),
            ),
        ),
        signatures=(
            Signature(signer="staff", signer_id="staff-1", signed_at=T0 + timedelta(hours=2)),
        ),
    )


@pytest.fixture
def state() -> FakeState:
    return FakeState()


async def test_a_siblings_indicator_is_a_household_flag_and_low_levels_are_skipped(
    state: FakeState,
) -> None:
    adapter = adapter_for(state, indicator_flags={"aggressive_adult": "violence_to_staff"})
    flags = await adapter.hub_pull_risk_flags(pupil_id="pupil-1", household_id=None)
    await adapter.stop()
    assert [(f.category, f.severity, f.applies_to, f.household_id) for f in flags] == [
        ("violence_to_staff", "high", "household", "fam-1")
    ]


async def test_family_wide_indicators_reach_every_sibling(state: FakeState) -> None:
    adapter = adapter_for(state)
    own = await adapter.hub_pull_risk_flags(pupil_id="pupil-3", household_id=None)
    sibling = await adapter.hub_pull_risk_flags(pupil_id="pupil-4", household_id=None)
    await adapter.stop()
    assert [(f.category, f.applies_to) for f in own] == [("dog", "household")]
    assert [(f.category, f.severity, f.applies_to) for f in sibling] == [
        ("dog", "medium", "household")
    ]


async def test_the_hubs_household_id_finds_a_family_for_an_unknown_pupil(
    state: FakeState,
) -> None:
    adapter = adapter_for(state)
    flags = await adapter.hub_pull_risk_flags(pupil_id="newcomer", household_id="fam-3")
    await adapter.stop()
    assert [(f.category, f.applies_to, f.household_id) for f in flags] == [
        ("domestic_abuse", "household", "fam-3")
    ]


async def test_indicator_details_never_reach_a_flag_or_a_log(state: FakeState) -> None:
    school = School(id=SCHOOL, name="St Michael's", policy_pack=SCHOOL)
    hooks = build_hooks(
        school,
        pack=pack(),
        entry_points=False,
        extra=[("myconcern", adapter_for(state))],
        trace=True,
    )
    with capture_logs() as events:
        flags = [
            flag
            for mis_id in state.pupil_ids()
            for flag in await hooks.pull_risk_flags(pupil_id=mis_id, household_id=None)
        ]
    await hooks.aclose()
    assert len(flags) >= 5
    shown = " ".join(f.model_dump_json() for f in flags) + repr(events)
    for details in state.details():
        for sentence in details.split(". "):
            assert sentence.strip(". ") not in shown


async def test_a_note_is_raised_once_into_the_dsl_triage_queue(state: FakeState) -> None:
    adapter = adapter_for(state, notify_user_ids=["u-3"])
    the_visit = visit(pupil_id="pupil-2")
    note = note_for(the_visit)
    first = await adapter.hub_push_visit_note(visit=the_visit, note=note, idempotency_key="k-1")
    second = await adapter.hub_push_visit_note(visit=the_visit, note=note, idempotency_key="k-1")
    await adapter.stop()
    (concern,) = state.triage_queue()
    assert (first.created, second.created) == (True, False)
    assert first.external_id == second.external_id == concern["id"]
    assert concern["subject_ids"] == ["sub-2"]
    assert concern["client_reference"] == "k-1"
    assert concern["concern_type"] == "home_visit"
    assert concern["summary"] == note.discussion
    assert concern["triage"] == {"queue": "dsl", "priority": "routine"}
    assert concern["agreed_actions"][0]["by"] == "pupil"
    assert concern["signed"][0]["role"] == "staff"
    assert concern["notify_user_ids"] == ["u-3"]
    assert state.dsl_alerts == []


async def test_a_safeguarding_concern_is_urgent_and_alerts_the_dsl_once_across_a_crash(
    state: FakeState,
) -> None:
    adapter = adapter_for(state)
    the_visit = visit(pupil_id="pupil-2")
    note = note_for(the_visit, concern=True)
    state.fail_after_write(status=503, times=1, then=20)
    with pytest.raises(TransientError):
        await adapter.hub_push_visit_note(visit=the_visit, note=note, idempotency_key="k-2")
    state.fail_next(times=0)
    receipt = await adapter.hub_push_visit_note(visit=the_visit, note=note, idempotency_key="k-2")
    await adapter.stop()
    (concern,) = state.records
    assert receipt.created is False
    assert receipt.external_id == concern["id"]
    assert concern["triage"]["priority"] == "urgent"
    assert state.dsl_alerts == [concern["id"]]


async def test_a_lost_receipt_is_recovered_in_the_same_call(state: FakeState) -> None:
    adapter = adapter_for(state)
    the_visit = visit(pupil_id="pupil-2")
    state.fail_after_write(status=502, times=1)
    receipt = await adapter.hub_push_visit_note(
        visit=the_visit, note=note_for(the_visit), idempotency_key="k-3"
    )
    await adapter.stop()
    assert [c["id"] for c in state.records] == [receipt.external_id]


async def test_an_unknown_pupil_is_sent_by_mis_id_for_the_dsl_to_link(state: FakeState) -> None:
    adapter = adapter_for(state)
    the_visit = visit(pupil_id="newcomer")
    await adapter.hub_push_visit_note(
        visit=the_visit, note=note_for(the_visit), idempotency_key="k-4"
    )
    await adapter.stop()
    (concern,) = state.records
    assert concern["subject_ids"] == []
    assert concern["unlinked_mis_id"] == "newcomer"


async def test_health_names_what_to_fix(state: FakeState) -> None:
    adapter = adapter_for(state)
    assert (await adapter.hub_health(now=T0)).ok
    state.integration_enabled = False
    disabled = await adapter.hub_health(now=T0)
    wrong_org = adapter_for(state, organisation_id="org-0")
    missing = await wrong_org.hub_health(now=T0)
    await adapter.stop()
    await wrong_org.stop()
    assert not disabled.ok
    assert "Integrations" in disabled.detail
    assert not missing.ok
    assert "organisation_id" in missing.detail
