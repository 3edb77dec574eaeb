"""Each contract check passes for the template's adapter and fails for a variant that
breaks its rule, with a message naming the rule (never a personal value)."""

from __future__ import annotations

import pytest

from hub.testing import checks, marks
from hub.testing.check import Check
from hub.testing.config import SuiteConfig
from tests.hub.testing import example


@pytest.mark.parametrize("check", checks.ALL_CHECKS, ids=lambda c: c.name)
async def test_every_check_passes_for_the_template(check: Check) -> None:
    reads_marks = check in marks.SESSION_MARK_CHECKS  # the template holds no register
    subject = example.subject(example.MarksAdapter if reads_marks else example.ExampleAdapter)
    cases = check.cases(subject)
    for case in cases if cases is not None else [None]:
        await check.run(subject, case)
    assert cases is None or cases, f"{check.name} has nothing to check for the template"


BROKEN = [
    (example.LeakyAdapter, checks.NoPersonalDataInLogsOrErrors(), None, "personal value #"),
    (example.CalendarClaimingAdapter, checks.RolesMatchHooks(), "calendar", "role 'calendar'"),
    (example.AuthRetryingAdapter, checks.AuthFailureIsNotRetried(), None, "requests on a 401"),
    (
        example.FreshKeyAdapter,
        checks.PushIsIdempotent(),
        "hub_push_visit_note",
        "twice made two records",
    ),
    (example.FirstPageAdapter, checks.PullFollowsEveryPage(), "hub_pull_pupils", "one per page"),
    (example.LeakyStopAdapter, checks.StopClosesClient(), None, "left the HTTP client open"),
    (example.NoisyHealthAdapter, checks.UnavailableLoggedOnce(), None, "'unavailable' once"),
    (example.LateMarksAdapter, marks.SessionMarksInWindow(), None, "marks outside"),
    (example.OddCodeAdapter, marks.SessionMarksInWindow(), None, "table does not know"),
    (example.StrangerMarksAdapter, marks.SessionMarksInWindow(), None, "not on the school's roll"),
    (
        example.CrashingMarksAdapter,
        marks.SessionMarksBadDataIsAnError(),
        "wrong_shape",
        "crashed on a wrong_shape answer with KeyError",
    ),
    (
        example.LenientMarksAdapter,
        marks.SessionMarksBadDataIsAnError(),
        "truncated",
        "accepted a spoiled answer",
    ),
]


@pytest.mark.parametrize(
    ("adapter_cls", "check", "case", "message"), BROKEN, ids=[b[0].__name__ for b in BROKEN]
)
async def test_a_broken_adapter_fails_its_check(
    adapter_cls: type, check: Check, case: str | None, message: str
) -> None:
    with pytest.raises(AssertionError, match=message):
        await check.run(example.subject(adapter_cls), case)


def plain_settings(base_url: str) -> example.PlainSettings:
    return example.PlainSettings(base_url=base_url)


@pytest.mark.parametrize(
    ("check", "message"),
    [
        (checks.SettingsForbidUnknownKeys(), "without extra='forbid': PlainSettings"),
        (checks.SettingsFieldsDescribed(), "without a description: deadline_s"),
        (checks.SettingsSecretsAreSecretStr(), "not SecretStr: api_token"),
        (checks.TlsVerificationOn(), "verify_tls is off"),
    ],
    ids=lambda value: getattr(value, "name", ""),
)
async def test_bad_settings_fail_the_settings_checks(check: Check, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        await check.run(example.subject(settings=plain_settings), None)


async def test_env_check_reads_every_field_back() -> None:
    subject = example.subject(
        settings=lambda url: example.ExampleSettings(
            base_url=url, token="another-token", school_ref="north", max_attempts=3
        )
    )
    await checks.SettingsEnvReachesEveryField().run(subject, None)
    assert getattr(subject.make_settings(), "max_attempts", None) == 3


def test_cases_follow_what_the_adapter_implements() -> None:
    subject = example.subject()
    assert checks.PullUnknownId().cases(subject) == [
        "hub_pull_pupil",
        "hub_pull_contacts",
        "hub_pull_risk_flags",
    ]
    assert checks.PushIsIdempotent().cases(subject) == ["hub_push_visit_note"]
    assert checks.RolesMatchHooks().cases(subject) == ["mis", "safeguarding"]
    assert checks.HealthOk().cases(subject) is None
    assert marks.SessionMarksInWindow().cases(subject) == []
    assert marks.SessionMarksBadDataIsAnError().cases(subject) == []
    with_marks = example.subject(example.MarksAdapter)
    assert marks.SessionMarksInWindow().cases(with_marks) is None
    assert marks.SessionMarksBadDataIsAnError().cases(with_marks) == [
        "not_json",
        "truncated",
        "wrong_shape",
    ]


def test_suite_config_is_frozen_data() -> None:
    suite = SuiteConfig(skip={"push_is_idempotent": "API has no writes"})
    assert suite.skip["push_is_idempotent"] == "API has no writes"
    with pytest.raises(ValueError, match="frozen"):
        suite.auth_failure_requests = 3  # type: ignore[misc]
