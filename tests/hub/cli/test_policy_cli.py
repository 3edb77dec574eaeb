"""`doorstep policy check|explain` through the real Typer app and through main()."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from hub.cli import app, main
from hub.policy import bundled_packs_dir
from tests.hub.cli.broken_packs import BROKEN, NEGATIVE_WAIT, write_pack

runner = CliRunner()
BUNDLED = sorted(bundled_packs_dir().glob("*.toml"))


def test_check_passes_every_bundled_pack():
    result = runner.invoke(app, ["policy", "check", *map(str, BUNDLED)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"ok: {path} ({path.stem})" for path in BUNDLED]
    assert main(["policy", "check", *map(str, BUNDLED)]) == 0


@pytest.mark.parametrize("case", BROKEN)
def test_check_names_file_and_key_in_one_line_without_the_bad_value(tmp_path, case):
    text, expected, secret = BROKEN[case]
    path = write_pack(tmp_path, text)
    result = runner.invoke(app, ["policy", "check", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{path}: {expected}")
    assert secret not in lines[0].removeprefix(f"{path}: ")
    assert "Traceback" not in result.output


def test_check_names_a_missing_file(tmp_path):
    missing = tmp_path / "no-such-pack.toml"
    result = runner.invoke(app, ["policy", "check", str(missing)])
    assert result.exit_code == 1
    assert result.stderr == f"{missing}: (file): No such file or directory\n"


def test_check_reports_every_file_before_failing(tmp_path, capsys):
    bad = write_pack(tmp_path, NEGATIVE_WAIT)
    good = bundled_packs_dir() / "harrogate.toml"
    assert main(["policy", "check", str(bad), str(good), str(tmp_path / "gone.toml")]) == 1
    out, err = capsys.readouterr()
    assert out == f"ok: {good} (harrogate)\n"
    assert [line.split(": ")[0] for line in err.splitlines()] == [
        str(bad),
        str(tmp_path / "gone.toml"),
    ]


def test_check_without_files_is_a_usage_error():
    assert main(["policy", "check"]) == 2


def test_explain_prints_numbered_rules_and_hides_the_code_phrase():
    path = str(bundled_packs_dir() / "blessed-trinity.toml")
    result = runner.invoke(app, ["policy", "explain", path])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Blessed Trinity Roman Catholic College: home visit rules")
    assert "  1. The lead designated safeguarding lead must authorise" in result.stdout
    assert "Mrs Smith" not in result.stdout
    revealed = runner.invoke(app, ["policy", "explain", path, "--reveal-code-phrase"])
    assert revealed.exit_code == 0
    assert "Please let Mrs Smith know I will be late" in revealed.stdout


def test_explain_of_a_bad_pack_is_one_line_and_exit_1(tmp_path, capsys):
    path = write_pack(tmp_path, BROKEN["unknown key"][0])
    assert main(["policy", "explain", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"{path}: doorstep.bell_colour: unknown key\n"
