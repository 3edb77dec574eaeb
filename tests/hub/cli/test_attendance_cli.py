"""`doorstep attendance`: evaluate a school by hand, list prompts, and a person decides."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from hub.cli import main
from hub.followup.records import Decision
from hub.followup.repository import FollowUpStore
from hub.models import StaffRole
from hub.store import Store
from tests.factories import SCHOOL, pupil, staff
from tests.hub.followup.cli_config import use_config
from tests.hub.followup.conftest import SCHOOL_MODEL, day_marks

DEPUTY = "s-deputy"
OFFICER = "s-officer"


@pytest.fixture(autouse=True)
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """p-1 away every Monday and Tuesday since 1 September (60 %), and two staff."""
    url = use_config(tmp_path, monkeypatch)
    with Store.open(url) as store:
        store.save_school(SCHOOL_MODEL)
        store.upsert_pupils([pupil("p-1")])
        store.save_staff(staff(DEPUTY, roles=(StaffRole.DEPUTY_HEAD,)))
        store.save_staff(staff(OFFICER))
        followups = FollowUpStore(store.engine)
        day = date.today() - timedelta(days=84)
        while day <= date.today():
            if day.weekday() < 5:
                followups.save_marks(SCHOOL, day_marks("p-1", day, absent=day.weekday() < 2))
            day += timedelta(days=1)
    return url


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = main(["attendance", *args])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def open_prompt(capsys: pytest.CaptureFixture[str], measure: str) -> str:
    code, lines, _ = run(capsys, "prompts", "--school", SCHOOL)
    assert code == 0
    return next(line.split()[0] for line in lines if f"  {measure}  " in line)


def test_evaluate_raises_prompts_once_a_day(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run(capsys, "evaluate", "--school", SCHOOL)
    assert code == 0
    assert lines == [
        f"{SCHOOL}: 2 referral prompts, 1 suggested visits, 0 reminder letters, 0 agreements kept"
    ]
    code, lines, _ = run(capsys, "evaluate", "--school", SCHOOL)
    assert lines == [
        f"{SCHOOL}: 0 referral prompts, 0 suggested visits, 0 reminder letters, 0 agreements kept"
    ]

    code, lines, _ = run(capsys, "prompts", "--school", SCHOOL)
    assert lines[-1] == "2 prompts"
    assert all("pupil:p-1" in line and "to:deputy_head  open" in line for line in lines[:-1])
    code, lines, _ = run(capsys, "suggestions", "--school", SCHOOL)
    today = datetime.now(UTC).date().isoformat()
    assert lines == [
        f"attendance:p-1:{today}  attendance_concern  pupil:p-1  {today}  attendance",
        "1 suggested visit",
    ]


def test_a_person_decides_with_a_reason_and_it_is_kept(
    capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    run(capsys, "evaluate", "--school", SCHOOL)
    prompt_id = open_prompt(capsys, "penalty_notice")

    code, lines, _ = run(
        capsys,
        "decide",
        "--school", SCHOOL,
        "--prompt", prompt_id,
        "--decision", "support_first",
        "--by", DEPUTY,
        "--reason", "Attendance contract first; review in four weeks.",
    )  # fmt: skip

    assert code == 0
    assert lines[0].endswith("support_first by s-deputy")
    with Store.open(database_url) as store:
        [decided] = [p for p in FollowUpStore(store.engine).prompts(SCHOOL) if p.id == prompt_id]
    assert decided.decision is Decision.SUPPORT_FIRST
    assert decided.reason == "Attendance contract first; review in four weeks."
    _, lines, _ = run(capsys, "prompts", "--school", SCHOOL)
    assert lines[-1] == "1 prompt"


@pytest.mark.parametrize(
    ("by", "reason", "problem"),
    [
        (OFFICER, "Refer now.", "only staff holding one of these roles may decide it: deputy_head"),
        ("s-nobody", "Refer now.", f"school '{SCHOOL}' has no member of staff 's-nobody'"),
        (DEPUTY, "   ", "--reason must say why"),
    ],
)
def test_a_decision_is_refused_in_one_line(
    capsys: pytest.CaptureFixture[str], by: str, reason: str, problem: str
) -> None:
    run(capsys, "evaluate", "--school", SCHOOL)
    prompt_id = open_prompt(capsys, "pack_referral")

    code, _, err = run(
        capsys,
        "decide",
        "--school", SCHOOL,
        "--prompt", prompt_id,
        "--decision", "refer",
        "--by", by,
        "--reason", reason,
    )  # fmt: skip

    assert code == 2
    assert err.strip().splitlines() == [f"doorstep: error: {problem}"]


def test_a_prompt_is_decided_once(capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "evaluate", "--school", SCHOOL)
    prompt_id = open_prompt(capsys, "pack_referral")
    args = ["decide", "--school", SCHOOL, "--prompt", prompt_id, "--by", DEPUTY]
    assert run(capsys, *args, "--decision", "refer", "--reason", "Below 90 %.")[0] == 0

    code, _, err = run(capsys, *args, "--decision", "no_referral", "--reason", "Changed my mind.")

    assert code == 2
    assert "is decided already" in err
    unknown = ["decide", "--school", SCHOOL, "--prompt", "nope", "--by", DEPUTY]
    code, _, err = run(capsys, *unknown, "--decision", "refer", "--reason", "x")
    assert code == 2
    assert err.strip() == f"doorstep: error: school '{SCHOOL}' holds no referral prompt 'nope'"
