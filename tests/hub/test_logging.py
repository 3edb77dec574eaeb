"""Logging: the redaction processor, the configured chain, and the capture helpers."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
import structlog
from pydantic import BaseModel, SecretStr

from hub.logging import (
    MASKED,
    REDACTED,
    assert_no_personal_data,
    capture_redacted_logs,
    choose_log_format,
    configure_logging,
    redact_personal_data,
    scrub_text,
)
from tests.factories import fake, pupil


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    yield
    root.handlers = handlers
    root.setLevel(level)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    structlog.reset_defaults()


def redact(**event: Any) -> dict[str, Any]:
    return dict(redact_personal_data(None, "info", {"event": "test.event", **event}))


class Plain(BaseModel):
    value: int = 1


class Exploding(BaseModel):
    @property
    def reference(self) -> str:
        raise RuntimeError("cannot say")


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("name", "Amelia Example", REDACTED),
        ("First_Name", "Amelia", REDACTED),
        ("SURNAME", "Example", REDACTED),
        ("date_of_birth", "2012-03-04", REDACTED),
        ("postcode", "LS1 4AP", REDACTED),
        ("mobile", "07700 900123", REDACTED),
        ("email", "a@example.com", REDACTED),
        ("discussion", "Talked about mornings", REDACTED),
        ("registration", "AB12 CDE", REDACTED),
        ("code_phrase", "blue umbrella", REDACTED),
        ("Authorization", "Bearer abc", REDACTED),
        ("api_key", "k-123", REDACTED),
        ("pupil_name", "Amelia", REDACTED),
        ("access_token", "t-1", REDACTED),
        ("school_name", "Harrogate High School", "Harrogate High School"),
        ("hook", "hub_pull_pupil", "hub_pull_pupil"),
        ("attempt", 3, 3),
        ("ok", True, True),
        ("missing", None, None),
    ],
)
def test_keys_on_the_denylist_are_redacted_whatever_their_case(key, value, expected):
    assert redact(**{key: value})[key] == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            {"pupil": {"first_name": "Amelia", "year_group": "9"}},
            {"pupil": {"first_name": REDACTED, "year_group": "9"}},
        ),
        ([{"phone": "01632 960123"}, {"id": "c-1"}], [{"phone": REDACTED}, {"id": "c-1"}]),
        (({"note": "x"},), [{"note": REDACTED}]),
        ({"deep": [[{"Address": {"line1": "1 High St"}}]]}, {"deep": [[{"Address": REDACTED}]]}),
        (SecretStr("hunter2"), MASKED),
        (Plain(), "<Plain>"),
        (object(), "<object>"),
        (ValueError("ring 07700 900123"), "ValueError: ring [phone]"),
    ],
)
def test_values_are_walked_and_replaced(value, expected):
    assert redact(details=value)["details"] == expected


def test_a_domain_model_becomes_its_reference():
    child = pupil("p-42")
    assert redact(pupil=child, pupils=[child])["pupil"] == "pupil:p-42"
    assert redact(pupils=[child])["pupils"] == ["pupil:p-42"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to amelia.example@example.org today", "write to [email] today"),
        ("call 07700 900123 or +44 (0)113 496 0123", "call [phone] or [phone]"),
        ("lives near LS1 4AP", "lives near [postcode]"),
        ("car AB12 CDE parked", "car [registration] parked"),
        (
            "GET https://api.example.test/v1/pupils?token=abc&q=Amelia 200",
            "GET https://api.example.test/v1/pupils 200",
        ),
        ("POST /visits/v-1/check-in?pin=1234 HTTP/1.1", "POST /visits/v-1/check-in HTTP/1.1"),
        ("postgresql://hub:s3cret@db:5432/x", f"postgresql://hub:{MASKED}@db:5432/x"),
        (
            "visit v-12 moved to on_site at 2026-11-23T09:00:00Z",
            "visit v-12 moved to on_site at 2026-11-23T09:00:00Z",
        ),
        (
            "attempt 3 of 4, retry in 2.5 s (status 503)",
            "attempt 3 of 4, retry in 2.5 s (status 503)",
        ),
    ],
)
def test_free_text_loses_contact_details_and_url_queries(text, expected):
    assert scrub_text(text) == expected
    assert redact(detail=text)["detail"] == expected


def test_the_event_itself_is_scrubbed_too():
    assert redact_personal_data(None, "info", {"event": "mail bob@example.com"}) == {
        "event": "mail [email]"
    }


def test_faker_contact_details_never_survive_the_scrub():
    faker = fake(99)
    for _ in range(200):
        for value in (
            faker.phone_number(),
            faker.cellphone_number(),
            faker.postcode(),
            faker.license_plate(),
            faker.email(),
        ):
            assert value not in scrub_text(f"seen {value} today")


def test_redaction_fails_closed_keeping_only_the_event_and_the_error_type():
    event = {"event": "pupil.loaded", "level": "info", "pupil": Exploding(), "line1": "x"}
    assert redact_personal_data(None, "info", event) == {
        "event": "pupil.loaded",
        "level": "info",
        "redaction_error": "RuntimeError",
    }


def test_json_output_is_valid_json_lines_with_everything_redacted(restore_logging):
    stream = io.StringIO()
    configure_logging("json", "info", stream=stream)
    log = structlog.get_logger("hub.test")
    child = pupil("p-7")
    log.info("visit.requested", pupil=child, token=SecretStr("tok-1"), first_name="Amelia")
    log.debug("dropped below the level")
    logging.getLogger("uvicorn.access").info("GET /board?who=%s 200", "amelia@example.com")
    logging.getLogger("httpx").info("HTTP Request: GET https://x.test/a?token=abc")
    try:
        raise ValueError("phone 07700 900123 failed")
    except ValueError:
        log.exception("push.failed")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["event"] for line in lines] == [
        "visit.requested",
        "GET /board 200",
        "push.failed",
    ]
    first = lines[0]
    assert first["pupil"] == "pupil:p-7"
    assert (first["token"], first["first_name"]) == (REDACTED, REDACTED)
    assert first["level"] == "info"
    assert first["timestamp"].endswith("Z")
    exception = lines[2]["exception"][0]
    assert exception["exc_value"] == "phone [phone] failed"
    assert all(frame.get("locals") is None for frame in exception["frames"])
    assert_no_personal_data(lines, [child.first_name, child.last_name, "07700 900123"])


def test_console_output_has_no_locals_and_no_personal_data(restore_logging):
    stream = io.StringIO()
    configure_logging("console", "debug", stream=stream)
    secret_local = "Amelia-local-value"
    try:
        raise RuntimeError(f"failed for {len(secret_local)} chars, mail a@example.com")
    except RuntimeError:
        structlog.get_logger("hub.test").exception("step.failed", postcode="LS1 4AP")
    output = stream.getvalue()
    assert "step.failed" in output
    assert "RuntimeError: failed for 18 chars, mail [email]" in output
    assert secret_local not in output
    assert "LS1 4AP" not in output


def test_httpx_and_httpcore_are_held_at_warning(restore_logging):
    configure_logging("json", "debug", stream=io.StringIO())
    assert logging.getLogger("httpx").level == logging.WARNING
    assert logging.getLogger("httpcore").level == logging.WARNING
    assert logging.getLogger().level == logging.DEBUG


def test_capture_redacted_logs_yields_events_after_redaction():
    child = pupil("p-9")
    with capture_redacted_logs() as events:
        structlog.contextvars.bind_contextvars(visit_id="v-1")
        try:
            structlog.get_logger().info("pupil.pulled", pupil=child, surname=child.last_name)
        finally:
            structlog.contextvars.clear_contextvars()
    assert events == [
        {
            "event": "pupil.pulled",
            "pupil": "pupil:p-9",
            "surname": REDACTED,
            "visit_id": "v-1",
            "log_level": "info",
        }
    ]
    assert_no_personal_data(events, [child.first_name, child.last_name])


def test_assert_no_personal_data_finds_a_value_without_repeating_it():
    events = [{"event": "x", "nested": {"list": ["call 07700 900 123"]}}]
    with pytest.raises(AssertionError) as excinfo:
        assert_no_personal_data(events, ["LS1 4AP", "07700900123"])
    assert "personal value #1" in str(excinfo.value)
    assert "07700" not in str(excinfo.value)
    assert_no_personal_data(events, ["LS1 4AP"])


@pytest.mark.parametrize(
    ("setting", "tty", "expected"),
    [
        ("json", True, "json"),
        ("console", False, "console"),
        ("auto", True, "console"),
        ("auto", False, "json"),
    ],
)
def test_auto_log_format_is_console_on_a_terminal_else_json(setting, tty, expected):
    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return bool(tty)

    assert choose_log_format(setting, Stream()) == expected
