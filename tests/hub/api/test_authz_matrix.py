"""S-01: every operation of the OpenAPI spec x every role x own/other visit x own/other school.

The expected codes are the table in ``authz_matrix.py``; an operation in the spec
without a row there fails ``test_every_operation_has_a_row``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.api.app import spec_app
from hub.engine.records import Delivery, DeliveryPurpose
from hub.models import VisitState
from tests.factories import SCHOOL, T0, staff
from tests.hub.api.authz_matrix import MATRIX, ROLES, Row
from tests.hub.api.conftest import OTHER, USERS, Hub, build_hub, full_questionnaire

VARIANTS = ("own", "other")
SCHOOLS = {"own-school": SCHOOL, "other-school": OTHER}
DELIVERY = "st-michaels:v-delivery:visit_note:n-1:v1:cpoms"


def _spec_operations() -> dict[str, tuple[str, str]]:
    found = {}
    for path, operations in spec_app().openapi()["paths"].items():
        for method, operation in operations.items():
            found[operation["operationId"]] = (method.upper(), path)
    return found


def test_every_operation_has_a_row() -> None:
    spec = _spec_operations()
    assert sorted(spec) == sorted(MATRIX), "add a row to tests/hub/api/authz_matrix.py"
    for op, (method, path) in spec.items():
        assert (MATRIX[op].method, MATRIX[op].path) == (method, path), op


@pytest.fixture(scope="module")
def matrix_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    hub = build_hub(Path(tmp_path_factory.mktemp("authz")))
    hub.store.save_staff(staff("s-3"))
    hub.add_visit("v-delivery", VisitState.RETURNED)
    hub.store.save_delivery(
        Delivery(
            school_id=SCHOOL,
            key=DELIVERY,
            visit_id="v-delivery",
            purpose=DeliveryPurpose.VISIT_NOTE,
            object_id="n-1",
            object_version=1,
            destination="cpoms",
            created_at=T0,
            updated_at=T0,
        )
    )
    yield hub
    hub.store.close()


def _body(row: Row, me: str, lead: str) -> Any:
    if row.body == "questionnaire":
        return {"questionnaire": full_questionnaire().model_dump(mode="json", exclude_none=True)}
    if row.body == "check_in":
        return {"kind": "departed", "staff_id": lead}
    if row.body == "request":
        return {
            "pupil_id": "p-1",
            "reason": "attendance_concern",
            "planned_start": (T0 + timedelta(hours=1)).isoformat(),
            "planned_end": (T0 + timedelta(hours=2)).isoformat(),
            "staff_ids": [me, "s-2"],
        }
    return row.body


def _expected(row: Row, role: str | None, variant: str, school: str) -> int:
    if role is None:
        return 200 if row.public else 401
    if school != SCHOOL and not row.public and "{school_id}" in row.path:
        return 404
    code = row.expect[role]
    if isinstance(code, tuple):
        return code[VARIANTS.index(variant)]
    return code


CASES = [
    pytest.param(op, role, variant, where, id=f"{op}-{role or 'anon'}-{variant}-{where}")
    for op in MATRIX
    for role in (*ROLES, None)
    for variant in VARIANTS
    for where in SCHOOLS
]


@pytest.mark.parametrize(("op", "role", "variant", "where"), CASES)
async def test_authz_matrix(
    matrix_hub: Hub, op: str, role: str | None, variant: str, where: str
) -> None:
    row = MATRIX[op]
    school = SCHOOLS[where]
    me = USERS[role][0] if role else "s-1"
    lead = me if variant == "own" else "s-2"
    visit_id = f"{op}.{role}.{variant}.{where}"
    if row.state is not None:
        crew = (me, "s-2") if variant == "own" else ("s-2", "s-9")
        planned: dict[str, Any] = {}
        if row.state in (VisitState.DEPARTED, VisitState.ON_SITE):
            # already out and past the planned end, so the ladder's first rung is due
            planned = {
                "planned_start": T0 - timedelta(hours=2),
                "planned_end": T0 - timedelta(hours=1),
                "requested_at": T0 - timedelta(hours=3),
            }
        matrix_hub.add_visit(visit_id, row.state, school_id=school, staff_ids=crew, **planned)
    path = row.path.format(school_id=school, visit_id=visit_id, key=DELIVERY)
    body = _body(row, me, lead)
    async with matrix_hub.client() as client:
        response = await client.request(
            row.method, path, json=body, headers=matrix_hub.headers(role)
        )
    assert response.status_code == _expected(row, role, variant, school), response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
