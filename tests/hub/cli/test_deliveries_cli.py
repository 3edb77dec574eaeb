"""`doorstep deliveries list|retry|discard` over the outbox in the store."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli import app
from hub.engine.records import Delivery, DeliveryPurpose, DeliveryStatus, delivery_key
from hub.models import School, VisitState
from hub.store import Store
from tests import factories
from tests.factories import T0

runner = CliRunner()
KEY = delivery_key("st-michaels", "v-1", DeliveryPurpose.VISIT_NOTE, "n-1", 1, "mis")


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("DOORSTEP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DOORSTEP_CONFIG", raising=False)
    opened = Store.open(f"sqlite:///{tmp_path / 'doorstep.db'}")
    opened.save_school(School(id="st-michaels", name="St Michael's", policy_pack="st-michaels"))
    opened.save_visit(factories.visit(state=VisitState.RETURNED))
    opened.save_delivery(
        Delivery(
            school_id="st-michaels",
            key=KEY,
            visit_id="v-1",
            purpose=DeliveryPurpose.VISIT_NOTE,
            object_id="n-1",
            object_version=1,
            destination="mis",
            status=DeliveryStatus.DEAD,
            attempts=8,
            reason="gave up after 8 attempts: TransientError (status 503)",
            created_at=T0,
            updated_at=T0,
        )
    )
    return opened


def test_list_shows_dead_letters_with_their_reason(store: Store) -> None:
    result = runner.invoke(app, ["deliveries", "list"])
    assert result.exit_code == 0, result.output
    header, row = [line for line in result.output.splitlines() if not line.startswith("{")]
    assert header.split() == ["school", "status", "purpose", "attempts", "updated", "key", "reason"]
    assert KEY in row
    assert row.endswith("gave up after 8 attempts: TransientError (status 503)")


def test_retry_puts_it_back_in_a_new_round_with_the_same_key(store: Store) -> None:
    result = runner.invoke(app, ["deliveries", "retry", "st-michaels", KEY])
    assert result.exit_code == 0, result.output
    again = store.get_delivery("st-michaels", KEY)
    assert again is not None
    assert again.status is DeliveryStatus.PENDING
    assert again.round == 1
    assert again.workflow_id == f"deliver:{KEY}:1"
    listed = runner.invoke(app, ["deliveries", "list", "--status", "pending", "--json"])
    assert KEY in listed.output


def test_discard_keeps_it_listed_with_the_reason_given(store: Store) -> None:
    result = runner.invoke(
        app, ["deliveries", "discard", "st-michaels", KEY, "--reason", "sent by hand"]
    )
    assert result.exit_code == 0, result.output
    gone = store.get_delivery("st-michaels", KEY)
    assert gone is not None
    assert gone.status is DeliveryStatus.DISCARDED
    assert gone.reason == "sent by hand"


def test_an_unknown_key_is_one_line_naming_it(store: Store) -> None:
    result = runner.invoke(app, ["deliveries", "retry", "st-michaels", "nope"])
    assert result.exit_code != 0
    assert "no delivery nope" in str(result.exception)
