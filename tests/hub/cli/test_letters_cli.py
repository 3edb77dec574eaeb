"""`doorstep letters preview`: a sample letter with fake data, written 0600 where asked."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from hub.cli import main
from tests.factories import SCHOOL
from tests.hub.followup.cli_config import use_config
from tests.hub.followup.pictures import pdf_text


@pytest.fixture(autouse=True)
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return use_config(tmp_path, monkeypatch)


def test_preview_writes_html_and_pdf_of_the_kind_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "letters"
    code = main(["letters", "preview", "--school", SCHOOL, "--kind", "reminder", "--out", str(out)])
    printed = capsys.readouterr().out.split()
    assert code == 0
    assert printed == [str(out / "sample-reminder.html"), str(out / "sample-reminder.pdf")]
    for name in printed:
        assert stat.S_IMODE(Path(name).stat().st_mode) == 0o600
    text = pdf_text(out / "sample-reminder.pdf")
    assert "St Michael's Church of England High School" in text
    assert "below 90% over" in text


def test_preview_of_a_calling_card_without_pdf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cards"
    code = main(
        [
            "letters",
            "preview",
            "--school",
            SCHOOL,
            "--kind",
            "calling_card",
            "--out",
            str(out),
            "--no-pdf",
        ]
    )
    assert code == 0
    assert capsys.readouterr().out.split() == [str(out / "sample-calling_card.html")]
    assert "Sorry we missed you" in (out / "sample-calling_card.html").read_text(encoding="utf-8")


def test_an_unknown_school_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["letters", "preview", "--school", "nowhere", "--kind", "reminder", "--out", str(tmp_path)]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().splitlines() == [
        f"doorstep: error: school 'nowhere' is not configured (configured: {SCHOOL})"
    ]
