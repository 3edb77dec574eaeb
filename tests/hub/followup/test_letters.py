"""Letters: the school's name and the pack's wording, HTML and PDF, 0600 files, and a
picture check of the PDF's first page."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from hub.followup.letters import LetterFacts, produce_letter, render_html
from hub.followup.records import LetterKind
from hub.followup.samples import sample_facts
from hub.models import School
from tests.factories import SCHOOL, T0, pack
from tests.hub.followup.pictures import dark_blue_share, ink, page_one, pdf_text

ST_MICHAELS = School(
    id=SCHOOL, name="St Michael's Church of England High School", policy_pack=SCHOOL
)


def facts(kind: LetterKind) -> LetterFacts:
    return sample_facts(kind, ST_MICHAELS, pack(), T0)


@pytest.mark.parametrize("kind", list(LetterKind))
def test_every_letter_names_the_school_and_the_family(kind: LetterKind) -> None:
    letter = facts(kind)
    html = render_html(letter)
    assert ST_MICHAELS.name.replace("'", "&#39;") in html
    assert letter.contact is not None
    assert f"Dear {letter.contact.name}" in html.replace("&#39;", "'")
    assert letter.pupil.reference in html


def test_the_reminder_quotes_the_agreement_and_the_packs_attendance_rule() -> None:
    html = render_html(facts(LetterKind.REMINDER))
    assert "Make sure the pupil arrives by 8:40 every morning" in html
    assert "below 90% over 3 months" in html


def test_the_appointment_letter_carries_the_packs_doorstep_wording() -> None:
    html = render_html(facts(LetterKind.APPOINTMENT))
    assert "wait no longer than 20 minutes" in html  # St Michael's 8.1.2
    assert "A parent or carer must be at home" in html
    assert "Thursday 26 November 2026 at 10:00" in html  # shown in school time (UTC+0 in Nov)


def test_values_are_escaped(tmp_path: Path) -> None:
    letter = facts(LetterKind.REMINDER)
    assert letter.agreement is not None
    hostile = letter.agreement.model_copy(update={"action": "<script>alert(1)</script>"})
    html = render_html(LetterFacts(**{**letter.__dict__, "agreement": hostile}))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_a_school_template_folder_overrides_the_built_in_one(tmp_path: Path) -> None:
    (tmp_path / "calling_card.html").write_text(
        '{% extends "base.html" %}{% block body %}Our own card{% endblock %}', encoding="utf-8"
    )
    html = render_html(facts(LetterKind.CALLING_CARD), templates=tmp_path)
    assert "Our own card" in html
    assert ST_MICHAELS.name.replace("'", "&#39;") in html


def test_a_reminder_without_its_agreement_is_refused() -> None:
    letter = facts(LetterKind.REMINDER)
    with pytest.raises(ValueError, match="agreement"):
        render_html(LetterFacts(**{**letter.__dict__, "agreement": None}))


def test_letters_are_written_with_mode_0600_and_the_pdf_looks_like_a_letter(
    tmp_path: Path,
) -> None:
    out = tmp_path / "letters"
    record = produce_letter(facts(LetterKind.REMINDER), letter_id="l-1", out_dir=out, created_at=T0)

    assert record.html_path == str(out / "l-1.html")
    assert record.pdf_path == str(out / "l-1.pdf")
    for path in (out / "l-1.html", out / "l-1.pdf"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.stat().st_mode) == 0o700

    pdf = Path(record.pdf_path)
    assert pdf.read_bytes().startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "St Michael's Church of England High School" in text
    assert "Reminder of what we agreed" in text
    assert "pupil:sample-pupil" in text

    picture = page_one(pdf)
    assert picture.size[1] == 842  # A4 at 72 dpi
    assert abs(picture.size[0] - 595) <= 1
    assert ink(picture, (0.0, 0.0, 1.0, 0.06)) < 0.001  # the top margin is blank
    assert dark_blue_share(picture, (0.15, 0.08, 0.85, 0.15)) > 0.6  # the school's banner
    assert ink(picture, (0.1, 0.2, 0.6, 0.6)) > 0.01  # address and body text on the left
    assert ink(picture, (0.05, 0.9, 0.95, 1.0)) < 0.001  # the bottom margin is blank


def test_files_already_there_are_replaced_and_made_private(tmp_path: Path) -> None:
    old = tmp_path / "l-2.html"
    old.write_text("old", encoding="utf-8")
    old.chmod(0o644)
    produce_letter(
        facts(LetterKind.CALLING_CARD), letter_id="l-2", out_dir=tmp_path, created_at=T0, pdf=False
    )
    assert stat.S_IMODE(old.stat().st_mode) == 0o600
    assert "Sorry we missed you" in old.read_text(encoding="utf-8")
    assert not (tmp_path / "l-2.pdf").exists()
