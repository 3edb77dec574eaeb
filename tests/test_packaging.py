"""The wheel ships every package, mapped the way the project is laid out."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def _package_of(folder: Path) -> str:
    package_dir: dict[str, str] = SETUPTOOLS["package-dir"]
    rel = folder.relative_to(ROOT).as_posix()
    for package, path in sorted(package_dir.items(), key=lambda item: -len(item[1])):
        if rel == path or rel.startswith(path + "/"):
            rest = rel[len(path) :].strip("/")
            return package + ("." + rest.replace("/", ".") if rest else "")
    raise AssertionError(f"{rel} is outside every package-dir mapping")


def test_every_package_folder_is_listed():
    listed = set(SETUPTOOLS["packages"])
    found = {
        _package_of(init.parent)
        for top in ("hub", "plugins", "adapters")
        for init in (ROOT / top).rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    missing = sorted(found - listed)
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_plugins_and_adapters_install_under_hub():
    assert SETUPTOOLS["package-dir"]["hub.plugins"] == "plugins"
    assert SETUPTOOLS["package-dir"]["hub.adapters"] == "adapters"


def test_builtin_plugins_are_declared_as_entry_points():
    declared = PYPROJECT["project"]["entry-points"]["doorstep.plugins"]
    for name, target in declared.items():
        assert target == f"hub.plugins.{name}"
        assert (ROOT / "plugins" / f"{name}.py").exists(), name
