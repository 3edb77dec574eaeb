import pytest
from structlog.testing import capture_logs

from hub.workflow.duress import matches_code_phrase, normalise
from tests.factories import pack
from tests.hub.workflow.builders import with_values

PHRASE = "Please let Mrs Smith know I will be late for our appointment"


def with_phrase(phrase: str | None = PHRASE):
    return with_values(pack(), duress={"code_phrase": phrase})


def test_normalise_drops_case_punctuation_and_extra_spaces():
    assert normalise("  Please,  let MRS. Smith\tknow!  ") == "please let mrs smith know"
    assert normalise("Mrs Smith’s") == "mrs smith s"


@pytest.mark.parametrize(
    "said",
    [
        PHRASE,
        "please let mrs smith know i will be late for our appointment",
        "Please let Mrs. Smith know, I will be late for our appointment!",
        "PLEASE   LET MRS SMITH KNOW I WILL BE LATE FOR OUR APPOINTMENT",
        "Hi office. Please let Mrs Smith know I will be late for our appointment. Thanks",
    ],
)
def test_the_phrase_matches_however_it_is_typed(said):
    assert matches_code_phrase(said, with_phrase())


@pytest.mark.parametrize(
    "said",
    [
        "Please let Mrs Smith know I will be early for our appointment",
        "let Mrs Smith know I will be late",
        "Please let Mrs Smithson know I will be late for our appointment",
        "",
    ],
)
def test_other_messages_do_not_match(said):
    assert not matches_code_phrase(said, with_phrase())


def test_no_phrase_in_the_pack_never_matches():
    assert pack().duress.code_phrase is None
    assert not matches_code_phrase(PHRASE, pack())


def test_the_phrase_is_never_logged_or_shown():
    duress_pack = with_phrase()
    with capture_logs() as logs:
        assert matches_code_phrase(PHRASE, duress_pack)
    assert logs == []
    assert "Smith" not in repr(duress_pack.duress)
