from datetime import UTC, datetime, timedelta

import pytest

from hub.models import CheckInKind, VisitState
from hub.workflow.deadlines import DeadlineKind, OnTheDay, next_deadline
from hub.workflow.display import local_time, show_time
from tests.factories import check_in, pack, visit
from tests.hub.workflow.builders import minutes

# British Summer Time ends on the last Sunday of October 2026 (25 October) at 01:00 UTC,
# when clocks go back from 02:00 BST to 01:00 GMT.
CHANGE = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)


def test_local_time_before_and_after_the_clocks_go_back():
    assert show_time(CHANGE - minutes(30), pack()) == "Sun 25 Oct 2026 01:30 BST"
    assert show_time(CHANGE + minutes(30), pack()) == "Sun 25 Oct 2026 01:30 GMT"
    assert local_time(CHANGE - minutes(30), pack()).utcoffset() == timedelta(hours=1)
    assert local_time(CHANGE + minutes(30), pack()).utcoffset() == timedelta(0)


def test_a_visit_across_the_change_keeps_its_deadlines_in_utc():
    across = visit(
        state=VisitState.ON_SITE,
        planned_start=CHANGE - minutes(90),
        planned_end=CHANGE - minutes(30),
        requested_at=CHANGE - minutes(600),
    )
    departed = check_in(CheckInKind.DEPARTED, CHANGE - minutes(100))
    day = OnTheDay(check_ins=(departed,))
    due = next_deadline(across, pack(), day, CHANGE - minutes(100))
    assert due is not None
    assert due.kind is DeadlineKind.RETURN_DUE
    assert due.at == CHANGE - minutes(30)
    assert show_time(due.at, pack()) == "Sun 25 Oct 2026 01:30 BST"
    overdue = next_deadline(across, pack(), day, due.at + minutes(1))
    assert overdue is not None
    assert overdue.at - due.at == timedelta(minutes=30)
    assert show_time(overdue.at, pack()) == "Sun 25 Oct 2026 01:00 GMT"


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        local_time(datetime(2026, 10, 25, 1, 0), pack())
