"""The DSL's queue, the phone check-in page (PIN and duress PIN), the outcome form and
the visit record."""

from __future__ import annotations

import re

import httpx

from hub.models import OutcomeKind, VisitState
from hub.store.requests import RequestStore
from tests.factories import SCHOOL, pupil
from tests.hub.api.conftest import DURESS_PIN, PIN
from tests.hub.web.conftest import WebHub, post_form, sign_in

BASE = f"/web/schools/{SCHOOL}"
TIMES = re.compile(r"\d\d:\d\d")


async def test_the_dsl_sees_the_queue_with_findings_and_authorises(
    web: WebHub, browser: httpx.AsyncClient
) -> None:
    web.hub.add_visit("v-q", VisitState.AWAITING_AUTHORISATION)
    await sign_in(browser, "dsl")
    queue = await browser.get(f"{BASE}/queue")
    assert queue.status_code == 200
    assert "Dangerous animal (medium, household)" in queue.text.replace(
        "dangerous animal", "Dangerous animal"
    )
    assert 'id="authorise-v-q"' in queue.text
    response = await post_form(browser, f"{BASE}/queue", f"{BASE}/queue/v-q/authorise")
    assert response.status_code == 303
    visit = web.hub.store.get_visit(SCHOOL, "v-q")
    assert visit is not None
    assert (visit.state, visit.authorised_by) == (VisitState.AUTHORISED, "s-dsl")
    done = await browser.get(response.headers["location"])
    assert "Visit authorised." in done.text
    assert 'id="authorise-v-q"' not in done.text
    assert [r.risk_detail for r in RequestStore(web.hub.store.engine).reads(SCHOOL, "v-q")]


async def test_the_dsl_requires_a_second_member_of_staff(
    web: WebHub, browser: httpx.AsyncClient
) -> None:
    web.hub.add_visit("v-solo", VisitState.AWAITING_AUTHORISATION, staff_ids=("s-1",))
    await sign_in(browser, "dsl")
    response = await post_form(
        browser, f"{BASE}/queue", f"{BASE}/queue/v-solo/second-staff", staff_id="s-2"
    )
    assert response.status_code == 303
    visit = web.hub.store.get_visit(SCHOOL, "v-solo")
    assert visit is not None
    assert "s-2" in visit.staff_ids


async def test_a_refused_decision_says_why_in_plain_words(
    web: WebHub, browser: httpx.AsyncClient
) -> None:
    web.hub.add_visit("v-done", VisitState.AUTHORISED)
    web.hub.add_visit("v-q", VisitState.AWAITING_AUTHORISATION)
    await sign_in(browser, "dsl")
    response = await post_form(browser, f"{BASE}/queue", f"{BASE}/queue/v-done/reject")
    assert response.status_code == 409
    assert "<li>" in response.text


async def test_office_staff_cannot_open_the_queue(web: WebHub, browser: httpx.AsyncClient) -> None:
    web.hub.add_visit("v-q", VisitState.AWAITING_AUTHORISATION)
    await sign_in(browser, "office")
    assert (await browser.get(f"{BASE}/queue")).status_code == 403


async def _check_in(browser: httpx.AsyncClient, visit_id: str, pin: str) -> httpx.Response:
    page = f"{BASE}/visits/{visit_id}/check-in"
    return await post_form(browser, page, page, kind="departed", pin=pin)


async def test_a_duress_pin_leads_to_exactly_the_same_screen(
    web: WebHub, browser: httpx.AsyncClient
) -> None:
    web.hub.add_visit("v-a", VisitState.SCHEDULED)
    web.hub.add_visit("v-b", VisitState.SCHEDULED)
    await sign_in(browser, "staff")
    form = await browser.get(f"{BASE}/visits/v-a/check-in")
    assert 'id="pin"' in form.text
    assert 'type="password"' in form.text
    normal = await _check_in(browser, "v-a", PIN)
    duress = await _check_in(browser, "v-b", DURESS_PIN)
    assert normal.status_code == duress.status_code == 200
    assert TIMES.sub("", normal.text.replace("v-a", "v")) == TIMES.sub(
        "", duress.text.replace("v-b", "v")
    )
    assert "Next check-in by" in normal.text
    assert [c.duress for c in web.hub.store.check_ins(SCHOOL, "v-a")] == [False]
    assert [c.duress for c in web.hub.store.check_ins(SCHOOL, "v-b")] == [True]
    record = await browser.get(f"{BASE}/visits/v-b")
    assert "duress" not in record.text.lower()


async def test_a_wrong_or_missing_pin_records_nothing(
    web: WebHub, browser: httpx.AsyncClient
) -> None:
    web.hub.add_visit("v-a", VisitState.SCHEDULED)
    await sign_in(browser, "staff")
    wrong = await _check_in(browser, "v-a", "0000")
    missing = await _check_in(browser, "v-a", "")
    assert wrong.status_code == 403
    assert "not accepted" in wrong.text
    assert "Type your PIN" in missing.text
    assert web.hub.store.check_ins(SCHOOL, "v-a") == []


async def test_the_outcome_form_offers_the_packs_reasons_and_the_calling_card(
    web: WebHub, browser: httpx.AsyncClient
) -> None:
    web.hub.add_visit("v-a", VisitState.ON_SITE)
    await sign_in(browser, "staff")
    page = await browser.get(f"{BASE}/visits/v-a/check-in")
    for kind in (OutcomeKind.COMPLETED, OutcomeKind.PARENT_LATE, OutcomeKind.ANIMALS):
        assert f'value="{kind.value}"' in page.text
    assert 'id="calling_card_left"' in page.text
    assert "deputy head" in page.text
    refused = await post_form(
        browser, f"{BASE}/visits/v-a/check-in", f"{BASE}/visits/v-a/outcome", kind="animals"
    )
    assert refused.status_code == 409
    done = await post_form(
        browser,
        f"{BASE}/visits/v-a/check-in",
        f"{BASE}/visits/v-a/outcome",
        kind="no_access",
        calling_card_left="yes",
    )
    assert done.status_code == 303
    outcome = web.hub.store.outcome_for(SCHOOL, "v-a")
    assert outcome is not None
    assert (outcome.kind, outcome.calling_card_left) == (OutcomeKind.NO_ACCESS, True)


async def test_the_visit_record_is_shaped_to_need_to_know(
    web: WebHub, browser: httpx.AsyncClient
) -> None:
    web.hub.add_visit("v-mine", VisitState.SCHEDULED)
    web.hub.add_visit("v-other", VisitState.SCHEDULED, staff_ids=("s-2",))
    await sign_in(browser, "staff")
    mine = await browser.get(f"{BASE}/visits/v-mine")
    assert mine.status_code == 200
    assert pupil("p-1").first_name in mine.text
    assert "Risk" in mine.text
    assert (await browser.get(f"{BASE}/visits/v-other")).status_code == 404
    browser.cookies.clear()
    await sign_in(browser, "office")
    office = await browser.get(f"{BASE}/visits/v-mine")
    assert office.status_code == 200
    assert "<h2>Risk</h2>" not in office.text
    reads = RequestStore(web.hub.store.engine).reads(SCHOOL, "v-mine")
    assert [r.user_id for r in reads] == ["staff", "office"]


async def test_no_personal_data_in_any_link(web: WebHub, browser: httpx.AsyncClient) -> None:
    web.hub.add_visit("v-a", VisitState.AWAITING_AUTHORISATION)
    await sign_in(browser, "dsl")
    links = re.compile(r'(?:href|action)="([^"]*)"')
    found: set[str] = set()
    for path in (f"{BASE}/board", f"{BASE}/queue", f"{BASE}/visits/v-a"):
        found |= set(links.findall((await browser.get(path)).text))
    assert found
    assert all(re.fullmatch(r"(#main|[/a-z0-9._-]*(\?[a-z=]*)?)", link) for link in found), found
