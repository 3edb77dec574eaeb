"""`doorstep doctor`: one line per school and adapter, the fix when wrong, exit 1 then."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, SecretStr
from typer.testing import CliRunner, Result

from hub.adapters.csv.fake import FakeState, write_table
from hub.cli import app, main
from hub.cli.doctor import Check, fix_for

runner = CliRunner()


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("exports")
    FakeState(pupil_count=8, school_days=2).write(folder)
    return folder


def config(tmp_path: Path, schools: dict[str, Path]) -> Path:
    text = ""
    for school_id, folder in schools.items():
        text += (
            f'[schools.{school_id}]\nname = "School {school_id}"\npolicy_pack = "harrogate"\n'
            f'[schools.{school_id}.adapters.csv]\nfolder = "{folder}"\n\n'
        )
    path = tmp_path / "doorstep.toml"
    path.write_text(text)
    return path


def doctor(path: Path, *args: str, **env: str) -> Result:
    return runner.invoke(app, ["doctor", *args], env={"DOORSTEP_CONFIG": str(path), **env})


def test_csv_over_generated_exports_is_ok(tmp_path: Path, exports: Path) -> None:
    path = config(tmp_path, {"harrogate": exports})

    result = doctor(path)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"settings: ok ({path}, 1 school(s))",
        "school harrogate: ok (policy pack harrogate)",
        "  harrogate/csv: ok",
    ]


def test_a_missing_folder_fails_with_the_fix(tmp_path: Path, exports: Path) -> None:
    missing = tmp_path / "no-such-folder"
    path = config(tmp_path, {"harrogate": exports, "willows": missing})

    result = doctor(path)

    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[2] == "  harrogate/csv: ok"
    assert lines[3] == "school willows: ok (policy pack harrogate)"
    assert lines[4] == (
        f"  willows/csv: FAIL pupils export {missing / 'pupils.csv'} (from folder) does not "
        f"exist; contacts export {missing / 'contacts.csv'} (from folder) does not exist; "
        "fix: set folder (DOORSTEP_SCHOOLS__WILLOWS__ADAPTERS__CSV__FOLDER)"
    )


def test_school_option_checks_only_that_school(tmp_path: Path, exports: Path) -> None:
    path = config(tmp_path, {"harrogate": exports, "willows": tmp_path / "absent"})

    result = doctor(path, "--school", "harrogate")

    assert result.exit_code == 0, result.output
    assert "willows" not in result.stdout


def test_an_unknown_school_names_the_configured_ones(tmp_path: Path, exports: Path) -> None:
    result = doctor(config(tmp_path, {"harrogate": exports}), "--school", "nowhere")

    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == (
        "settings: FAIL school 'nowhere' is not configured (configured: harrogate); "
        "fix: add a [schools.nowhere] table or pick a configured school"
    )


def test_a_missing_column_names_the_setting_and_its_env_var(tmp_path: Path) -> None:
    state = FakeState(pupil_count=3, school_days=1)
    state.write(tmp_path / "exports")
    headers, rows = state.table("pupils")
    headers[2] = "Legal Surname"
    write_table(tmp_path / "exports" / "pupils.csv", headers, rows)

    result = doctor(config(tmp_path, {"harrogate": tmp_path / "exports"}))

    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1].endswith(
        "fix: set pupil_columns.last_name "
        "(DOORSTEP_SCHOOLS__HARROGATE__ADAPTERS__CSV__PUPIL_COLUMNS__LAST_NAME)"
    )


def test_a_pack_that_cannot_load_fails_its_school(tmp_path: Path, exports: Path) -> None:
    path = config(tmp_path, {"harrogate": exports})
    path.write_text(path.read_text().replace('"harrogate"', '"no-such-pack"'))

    result = doctor(path)

    assert result.exit_code == 1
    assert result.stdout.splitlines()[1] == (
        "school harrogate: FAIL policy pack 'no-such-pack' is not bundled; give a file path"
    )


def test_no_school_configured_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "doorstep.toml"
    path.write_text('log_level = "info"\n')

    result = doctor(path)

    assert result.exit_code == 1
    assert "no school is configured" in result.stdout


def test_settings_debugging_is_warned_about(tmp_path: Path, exports: Path) -> None:
    result = doctor(config(tmp_path, {"harrogate": exports}), PYDANTIC_SETTINGS_DEBUG="1")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("warning: PYDANTIC_SETTINGS_DEBUG is set")


class HttpSettings(BaseModel):
    base_url: str = "https://api.example.test"
    token: SecretStr


@pytest.mark.parametrize(
    ("detail", "fix"),
    [
        (
            "health check raised AuthError",
            "token refused: set DOORSTEP_SCHOOLS__X__ADAPTERS__WONDE__TOKEN",
        ),
        (
            "GET /schools/{id} 401 request r-1",
            "token refused: set DOORSTEP_SCHOOLS__X__ADAPTERS__WONDE__TOKEN",
        ),
        (
            "TransientError",
            "cannot reach it: check base_url "
            "(DOORSTEP_SCHOOLS__X__ADAPTERS__WONDE__BASE_URL) and the network",
        ),
        ("something odd", "see the wonde adapter's README"),
    ],
)
def test_fixes_name_the_setting_and_its_env_var(detail: str, fix: str) -> None:
    assert fix_for("x", "wonde", detail, HttpSettings) == fix


def test_check_lines_render_ok_and_failure() -> None:
    assert Check("school a", True).render() == "school a: ok"
    assert Check("  a/csv", False, "broken", "set folder").render() == (
        "  a/csv: FAIL broken; fix: set folder"
    )


def test_settings_that_cannot_load_are_one_line_naming_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "doorstep.toml"
    path.write_text('[schools.harrogate]\nname = "Harrogate"\n')
    monkeypatch.setenv("DOORSTEP_CONFIG", str(path))

    code = main(["doctor"])

    # Doctor still runs with settings that cannot load, and reports them as its check.
    assert code == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [
        "settings: FAIL schools.harrogate.policy_pack "
        "(DOORSTEP_SCHOOLS__HARROGATE__POLICY_PACK): missing"
    ]


def test_a_disabled_adapter_is_named_not_checked(tmp_path: Path) -> None:
    path = config(tmp_path, {"harrogate": tmp_path / "absent"})

    result = doctor(path, DOORSTEP_DISABLE_PLUGINS="csv")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "  harrogate/csv: ok (not loaded: disabled)"
