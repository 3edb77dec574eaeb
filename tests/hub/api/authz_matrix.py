"""The authorization matrix: every API operation x role x own/other visit x own/other school.

One row per OpenAPI ``operationId`` (``test_authz_matrix`` fails when an operation has
no row, or a row names no operation). Codes are what the API must answer:

- ``own``: a visit of the caller's school that the caller is on (lead staff);
- ``other``: a visit of the caller's school the caller is not on;
- a school where the caller holds no role answers 404 to everything, the anonymous
  caller 401 (public: ``healthz``, ``readyz``).

Operations without a visit give one code per role (``own`` and ``other`` alike).
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.models import VisitState

ROLES = ("staff", "office", "dsl", "senior_leader", "admin")

S = VisitState


@dataclass(frozen=True)
class Row:
    """One operation: the visit state it is tried in, the body, and the expected codes."""

    method: str
    path: str
    expect: dict[str, int | tuple[int, int]]
    """role -> code, or (own visit code, other visit code)."""
    state: VisitState | None = None
    body: object = None
    public: bool = False


def _all(code: int) -> dict[str, int | tuple[int, int]]:
    return dict.fromkeys(ROLES, code)


V = "/api/v1/schools/{school_id}/visits/{visit_id}"
SCH = "/api/v1/schools/{school_id}"

MATRIX: dict[str, Row] = {
    "healthz": Row("GET", "/healthz", _all(200), public=True),
    "readyz": Row("GET", "/readyz", _all(200), public=True),
    "metrics": Row("GET", "/metrics", {**_all(403), "admin": 200}),
    "get_school": Row("GET", SCH, _all(200)),
    "get_policy": Row("GET", f"{SCH}/policy", _all(200)),
    "explain_policy": Row("GET", f"{SCH}/policy/explain", _all(200)),
    "search_pupils": Row(
        "POST", f"{SCH}/pupils/search", {**_all(200), "admin": 403}, body={"q": "zz"}
    ),
    "list_visits": Row("GET", f"{SCH}/visits", {**_all(200), "admin": 403}),
    "request_visit": Row(
        "POST",
        f"{SCH}/visits",
        {"staff": 201, "office": 403, "dsl": 201, "senior_leader": 201, "admin": 403},
        body="request",
    ),
    "list_deliveries": Row("GET", f"{SCH}/deliveries", {**_all(403), "admin": 200}),
    "retry_delivery": Row(
        "POST", f"{SCH}/deliveries/{{key}}/retry", {**_all(403), "admin": 503}, body={}
    ),
    "visits_report": Row(
        "POST",
        f"{SCH}/reports/visits",
        {**_all(403), "dsl": 200, "senior_leader": 200, "admin": 200},
        body={"month": "2026-11"},
    ),
    "get_visit": Row(
        "GET",
        V,
        {
            "staff": (200, 404),
            "office": (200, 200),
            "dsl": (200, 200),
            "senior_leader": (200, 200),
            "admin": (200, 404),
        },
        state=S.REQUESTED,
    ),
    "assess_visit": Row(
        "POST",
        f"{V}/assessment",
        {
            "staff": (200, 404),
            "office": (200, 403),
            "dsl": (200, 200),
            "senior_leader": (200, 200),
            "admin": (200, 404),
        },
        state=S.REQUESTED,
        body="questionnaire",
    ),
    "submit_visit": Row(
        "POST",
        f"{V}/submit",
        {
            "staff": (200, 404),
            "office": (200, 403),
            "dsl": (200, 200),
            "senior_leader": (200, 200),
            "admin": (200, 404),
        },
        state=S.ASSESSED,
        body={},
    ),
    # senior leaders pass the API's check; St Michael's pack lets only the deputy head
    # authorise, so the workflow refuses them (409).
    "authorise_visit": Row(
        "POST",
        f"{V}/authorise",
        {
            "staff": (403, 404),
            "office": (403, 403),
            "dsl": (200, 200),
            "senior_leader": (409, 409),
            "admin": (403, 404),
        },
        state=S.AWAITING_AUTHORISATION,
        body={},
    ),
    "reject_visit": Row(
        "POST",
        f"{V}/reject",
        {
            "staff": (403, 404),
            "office": (403, 403),
            "dsl": (200, 200),
            "senior_leader": (409, 409),
            "admin": (403, 404),
        },
        state=S.AWAITING_AUTHORISATION,
        body={},
    ),
    "require_second_staff": Row(
        "POST",
        f"{V}/second-staff",
        {
            "staff": (403, 404),
            "office": (403, 403),
            "dsl": (200, 200),
            "senior_leader": (409, 409),
            "admin": (403, 404),
        },
        state=S.AWAITING_AUTHORISATION,
        body={"staff_id": "s-3"},
    ),
    "schedule_visit": Row(
        "POST",
        f"{V}/schedule",
        {
            "staff": (200, 404),
            "office": (200, 200),
            "dsl": (200, 200),
            "senior_leader": (200, 200),
            "admin": (200, 404),
        },
        state=S.AUTHORISED,
        body={"written_confirmation": True},
    ),
    # office staff and leaders record a phoned check-in for the visit's lead.
    "check_in": Row(
        "POST",
        f"{V}/check-ins",
        {
            "staff": (201, 404),
            "office": (201, 201),
            "dsl": (201, 201),
            "senior_leader": (201, 201),
            "admin": (201, 404),
        },
        state=S.SCHEDULED,
        body="check_in",
    ),
    "doorstep_report": Row(
        "POST",
        f"{V}/doorstep",
        {
            "staff": (200, 404),
            "office": (200, 403),
            "dsl": (200, 403),
            "senior_leader": (200, 403),
            "admin": (200, 404),
        },
        state=S.ON_SITE,
        body={"kind": "parent_present"},
    ),
    "record_outcome": Row(
        "POST",
        f"{V}/outcome",
        {
            "staff": (200, 404),
            "office": (200, 403),
            "dsl": (200, 403),
            "senior_leader": (200, 403),
            "admin": (200, 404),
        },
        state=S.ON_SITE,
        body={"kind": "completed"},
    ),
    "record_note": Row(
        "POST",
        f"{V}/note",
        {
            "staff": (201, 404),
            "office": (201, 403),
            "dsl": (201, 403),
            "senior_leader": (201, 403),
            "admin": (201, 404),
        },
        state=S.COMPLETED,
        body={"discussion": "Spoke with the family."},
    ),
    # staff on the visit may never acknowledge its escalations: the workflow says 409.
    "acknowledge_escalation": Row(
        "POST",
        f"{V}/acknowledgements",
        {
            "staff": (403, 404),
            "office": (409, 200),
            "dsl": (409, 200),
            "senior_leader": (409, 200),
            "admin": (403, 404),
        },
        state=S.DEPARTED,
        body={"rung": 1},
    ),
}
