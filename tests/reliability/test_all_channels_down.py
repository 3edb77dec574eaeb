"""L-03: every channel down → the board shows the visit ``exhausted`` (loud) within 60 s of
it falling due; when one channel recovers the escalations are delivered, each once."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub.engine.records import Board
from hub.store import Store
from tests.hub.engine.harness import config_for, store_url, wall_time
from tests.hub.engine.ledger import LedgerRow, read_ledger, refusals
from tests.reliability.harness import start_hub
from tests.reliability.switchable import set_down

pytestmark = pytest.mark.reliability

ALARM_LIMIT_S = 60.0


def delivered_first_and_last(rows: list[LedgerRow]) -> bool:
    """Rung 1 and the exhausted alert both reached people (each pass over the failing
    escalations may be cut by the recovery: wait for both, not for either)."""
    keys = [row.key for row in rows]
    return any(":overdue:" in k and k.endswith(":1:email") for k in keys) and any(
        ":ladder_exhausted:" in k for k in keys
    )


def test_all_channels_down_raises_the_alarm_and_delivers_when_one_recovers(
    tmp_path: Path,
) -> None:
    anchor = datetime.now(UTC).replace(microsecond=0)
    ledger = tmp_path / "ledger.db"
    set_down(ledger, {"sms", "email", "teams"})
    hub = start_hub(tmp_path, anchor, "--depart", "1", "--first-end", "2", "--switchable")
    hub.wait_ready()
    config = config_for(tmp_path, clock_anchor=anchor)
    due = wall_time(config, hub.planned_ends["v-0"] + timedelta(minutes=1))
    seen: list[Board] = []
    alarm_at: float | None = None
    with Store.open(store_url(tmp_path)) as store:
        while time.time() < due + ALARM_LIMIT_S:
            state = store.board_state("st-michaels", "v-0")
            if state is not None and (not seen or seen[-1] is not state.state):
                seen.append(state.state)
            if state is not None and state.state is Board.EXHAUSTED:
                alarm_at = time.time()
                break
            time.sleep(0.1)
        assert alarm_at is not None, seen
        assert alarm_at - due <= ALARM_LIMIT_S
        assert Board.CHANNELS_FAILING in seen  # loud before the ladder ran out
        assert read_ledger(ledger) == []
        assert refusals(ledger)

        set_down(ledger, {"sms"})  # e-mail and Teams are back
        recovered = time.time()
        deadline = recovered + 20
        while time.time() < deadline and not delivered_first_and_last(read_ledger(ledger)):
            time.sleep(0.1)
        board = store.board_state("st-michaels", "v-0")
    assert hub.terminate() == 0
    rows = read_ledger(ledger)
    assert {row.channel for row in rows} <= {"email", "teams"}
    first = min(row.accepted_at for row in rows)
    assert first - recovered <= 10.0, [(r.key, r.accepted_at - recovered) for r in rows]
    assert rows, "nothing delivered after the recovery"
    assert any(":overdue:" in row.key and row.key.endswith(":1:email") for row in rows)
    assert any(":ladder_exhausted:" in row.key for row in rows), [r.key for r in rows]
    per_escalation = Counter(row.key.rsplit(":", 1)[0] for row in rows)
    assert set(per_escalation.values()) == {1}, per_escalation  # each reached people once
    assert board is not None
    assert board.state is Board.EXHAUSTED  # still loud until a person acknowledges
