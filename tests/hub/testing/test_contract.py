"""``adapter_contract`` builds a pytest class: one test per check and case, opt-outs
shown as skips with their reason. The template's adapter passes the whole suite."""

from __future__ import annotations

import pytest

from hub.testing import SuiteConfig, adapter_contract
from tests.hub.testing import example

TestExampleContract = adapter_contract(
    example.ExampleAdapter, fake=example.fake, settings=example.settings
)

SUITE_MODULE = """
from hub.testing import SuiteConfig, adapter_contract
from tests.hub.testing import example

TestExampleContract = adapter_contract(
    example.ExampleAdapter,
    fake=example.fake,
    settings=example.settings,
    suite=SuiteConfig(skip={SKIP}),
)
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess("-o", "asyncio_default_fixture_loop_scope=function", *args)


def write_suite(pytester: pytest.Pytester, skip: dict[str, str]) -> None:
    pytester.makepyfile(test_suite=SUITE_MODULE.replace("{SKIP}", repr(skip)))


def test_test_ids_name_the_check_and_the_case(pytester: pytest.Pytester) -> None:
    write_suite(pytester, {})
    result = run(pytester, "--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "*TestExampleContract::test_registers",
            "*TestExampleContract::test_roles_match_hooks[[]safeguarding[]]",
            "*TestExampleContract::test_pull_follows_every_page[[]hub_pull_pupils[]]",
            "*TestExampleContract::test_push_is_idempotent[[]hub_push_visit_note[]]",
            "*TestExampleContract::test_unavailable_and_recovered_logged_once",
        ]
    )


def test_an_opt_out_is_a_skip_with_its_reason(pytester: pytest.Pytester) -> None:
    write_suite(
        pytester,
        {
            "push_is_idempotent": "API has no writes",
            "pull_unknown_id[hub_pull_contacts]": "contacts of anyone are public",
        },
    )
    result = run(pytester, "-rs", "-k", "idempotent or unknown_id or registers")
    result.assert_outcomes(passed=4, skipped=2)
    result.stdout.fnmatch_lines(["SKIPPED*API has no writes"])
    result.stdout.fnmatch_lines(["SKIPPED*contacts of anyone are public"])


def test_a_check_with_nothing_to_check_says_why(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_suite="""
from hub import hookimpl
from hub.testing import adapter_contract
from tests.hub.testing import example

class ReadOnly(example.ExampleAdapter):
    hub_push_visit_note = None

TestReadOnly = adapter_contract(ReadOnly, fake=example.fake, settings=example.settings)
"""
    )
    result = run(pytester, "-rs", "-k", "push_is_idempotent")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*the adapter implements no push or send hook*"])


def test_an_unknown_opt_out_is_refused() -> None:
    with pytest.raises(ValueError, match="names no check: push_is_idempotnet"):
        adapter_contract(
            example.ExampleAdapter,
            fake=example.fake,
            settings=example.settings,
            suite=SuiteConfig(skip={"push_is_idempotnet": "typo"}),
        )


def test_a_failing_check_fails_its_test_only(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_suite="""
from hub.testing import adapter_contract
from tests.hub.testing import example

TestLeaky = adapter_contract(example.LeakyAdapter, fake=example.fake, settings=example.settings)
"""
    )
    result = run(pytester, "-k", "no_personal_data or registers")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*personal value #* found in log event 'pulled pupil'*"])
