"""Agreements to the MIS: one row per key in agreements.csv, written whole, no names."""

from __future__ import annotations

import csv
import io
import os
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from hub.adapters.csv import CsvAdapter
from hub.adapters.csv.fake import FakeState
from hub.adapters.csv.outbox import COLUMNS, AgreementOutbox, reference_for
from hub.adapters.csv.settings import CsvSettings
from hub.errors import TransientError
from hub.hooks.manager import Hooks, build_hooks
from hub.models import Agreement, School
from tests.factories import SCHOOL, pack, visit

SCHOOL_REF = School(id=SCHOOL, name="St Michael's", policy_pack=SCHOOL)
ACTION = "Pupil to be at the school gate by 08:40 every day next week."


def agreement(number: int = 1, *, action: str = ACTION, pupil_id: str = "100001") -> Agreement:
    return Agreement(
        id=f"visit-1-ag-{number}",
        visit_id="visit-1",
        pupil_id=pupil_id,
        action=action,
        owner="parent",
        due_by=date(2026, 11, 30),
        made_at=datetime(2026, 11, 23, 14, 40, tzinfo=UTC),
    )


def hooks_for(settings: CsvSettings) -> Hooks:
    adapter = CsvAdapter(settings)
    return build_hooks(SCHOOL_REF, pack=pack(), entry_points=False, extra=[("csv", adapter)])


@pytest.fixture
def exports(tmp_path: Path) -> FakeState:
    return FakeState(folder=tmp_path / "exports", pupil_count=4, school_days=2)


def read_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


async def test_an_agreement_becomes_one_row_the_mis_can_import(exports: FakeState) -> None:
    assert exports.folder is not None
    hooks = hooks_for(CsvSettings(folder=exports.folder))

    receipt = await hooks.push_agreement(visit=visit(), agreement=agreement(), idempotency_key="k1")

    assert (receipt.system, receipt.idempotency_key, receipt.created) == ("csv", "k1", True)
    assert receipt.external_id == reference_for("k1")
    raw = (exports.folder / "agreements.csv").read_bytes()
    assert raw.startswith(",".join(COLUMNS).encode() + b"\r\n")
    [row] = exports.records
    assert row == {
        "reference": reference_for("k1"),
        "pupil_id": "100001",
        "agreement_id": "visit-1-ag-1",
        "visit_id": "visit-1",
        "owner": "parent",
        "action": ACTION,
        "due_by": "2026-11-30",
        "made_at": "2026-11-23T14:40:00+00:00",
    }


async def test_a_repeated_key_returns_the_first_receipt_and_writes_nothing(
    exports: FakeState,
) -> None:
    assert exports.folder is not None
    hooks = hooks_for(CsvSettings(folder=exports.folder))
    first = await hooks.push_agreement(visit=visit(), agreement=agreement(), idempotency_key="k1")
    before = (exports.folder / "agreements.csv").read_bytes()

    again = await hooks.push_agreement(visit=visit(), agreement=agreement(), idempotency_key="k1")

    assert again.external_id == first.external_id
    assert again.created is False
    assert (exports.folder / "agreements.csv").read_bytes() == before


async def test_a_key_seen_before_the_import_moved_the_file_is_not_written_again(
    tmp_path: Path,
) -> None:
    outbox_folder = tmp_path / "imports"
    hooks = hooks_for(CsvSettings(folder=tmp_path, agreements_folder=outbox_folder))
    await hooks.push_agreement(visit=visit(), agreement=agreement(), idempotency_key="k1")
    (outbox_folder / "agreements.csv").rename(tmp_path / "imported.csv")

    again = await hooks.push_agreement(visit=visit(), agreement=agreement(), idempotency_key="k1")
    other = await hooks.push_agreement(visit=visit(), agreement=agreement(2), idempotency_key="k2")

    assert again.created is False
    assert other.created is True
    assert [row["agreement_id"] for row in read_rows(outbox_folder / "agreements.csv")] == [
        "visit-1-ag-2"
    ]


def test_rows_are_appended_whole_and_in_order(tmp_path: Path) -> None:
    outbox = AgreementOutbox(tmp_path)
    for number in range(1, 6):
        outbox.record(agreement(number), f"key-{number}")

    rows = outbox.rows()

    assert [row["agreement_id"] for row in rows] == [f"visit-1-ag-{n}" for n in range(1, 6)]
    assert len({row["reference"] for row in rows}) == 5
    assert not [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name]
    mode = stat.S_IMODE(os.stat(tmp_path / "agreements.csv").st_mode)
    assert mode == 0o640


def test_a_formula_in_the_action_is_not_run_by_a_spreadsheet(tmp_path: Path) -> None:
    outbox = AgreementOutbox(tmp_path)

    outbox.record(agreement(action='=HYPERLINK("x")'), "k1")

    assert outbox.rows()[0]["action"] == '\'=HYPERLINK("x")'


async def test_no_folder_means_this_adapter_records_no_agreements(tmp_path: Path) -> None:
    FakeState(folder=tmp_path, pupil_count=2, school_days=1)
    settings = CsvSettings(pupils_file=tmp_path / "pupils.csv")
    adapter = CsvAdapter(settings)

    answer = await adapter.hub_push_agreement(
        visit=visit(), agreement=agreement(), idempotency_key="k1"
    )

    assert answer is None


async def test_an_unwritable_outbox_is_transient_and_names_no_value(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be", encoding="utf-8")
    hooks = hooks_for(CsvSettings(folder=tmp_path, agreements_folder=blocked))

    with pytest.raises(TransientError) as caught:
        await hooks.push_agreement(visit=visit(), agreement=agreement(), idempotency_key="k1")

    assert ACTION not in str(caught.value)
    assert "not-a-folder" not in str(caught.value)


async def test_the_file_and_the_logs_hold_no_name(exports: FakeState) -> None:
    assert exports.folder is not None
    pupil = exports.pupils[0]
    hooks = hooks_for(CsvSettings(folder=exports.folder))

    with capture_logs() as logs:
        await hooks.push_agreement(
            visit=visit(),
            agreement=agreement(pupil_id=pupil["pupil_id"]),
            idempotency_key="k1",
        )

    text = (exports.folder / "agreements.csv").read_text(encoding="utf-8")
    for value in exports.personal_values():
        assert value not in text
    logged = repr(logs)
    assert ACTION not in logged
    assert pupil["last_name"] not in logged
    assert any(line["event"] == "csv.agreement_recorded" for line in logs)
