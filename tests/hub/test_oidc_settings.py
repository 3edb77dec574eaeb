"""The ``[oidc]`` settings: off by default, env and secret references, literal secrets
refused, https only, and ``missing()`` naming what a half-set block still needs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.settings import OidcSettings, load_settings

ISSUER = "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"
BLOCK = f"""
[oidc]
issuer = "{ISSUER}"
client_id = "doorstep-web"
allowed_domains = ["StMichaels.example.org"]
"""


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("DOORSTEP_"):
            monkeypatch.delenv(name)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "doorstep.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_oidc_is_off_by_default() -> None:
    oidc = load_settings().oidc
    assert not oidc.enabled
    assert oidc.missing() == []


def test_a_secret_reference_completes_the_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OIDC_SECRET", "client-secret-7")
    oidc = load_settings(write(tmp_path, BLOCK + 'client_secret = { env = "OIDC_SECRET" }\n')).oidc
    assert oidc.enabled
    assert oidc.missing() == []
    assert oidc.client_secret is not None
    assert oidc.client_secret.get_secret_value() == "client-secret-7"
    assert oidc.allowed_domains == frozenset({"stmichaels.example.org"})
    assert "client-secret-7" not in repr(oidc)


def test_a_literal_client_secret_in_the_file_is_refused_outside_dev_mode(tmp_path: Path) -> None:
    path = write(tmp_path, BLOCK + 'client_secret = "client-secret-8"\n')
    with pytest.raises(ConfigError) as refused:
        load_settings(path)
    message = str(refused.value)
    assert message.startswith("oidc.client_secret (DOORSTEP_OIDC__CLIENT_SECRET): a secret written")
    assert "client-secret-8" not in message
    assert load_settings(path, dev_mode=True).oidc.missing() == []


def test_env_vars_set_the_block_with_comma_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOORSTEP_OIDC__ISSUER", "https://accounts.google.com")
    monkeypatch.setenv("DOORSTEP_OIDC__ALLOWED_DOMAINS", "a.example.org, @B.example.org")
    oidc = load_settings().oidc
    assert oidc.allowed_domains == frozenset({"a.example.org", "b.example.org"})
    assert oidc.missing() == ["oidc.client_id", "oidc.client_secret"]


@pytest.mark.parametrize(
    "issuer", ["http://id.example.org", "ftp://id.example.org", "https://id.example.org/?x=1"]
)
def test_an_issuer_must_be_https(issuer: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOORSTEP_OIDC__ISSUER", issuer)
    with pytest.raises(ConfigError, match=r"^oidc.issuer \(DOORSTEP_OIDC__ISSUER\): "):
        load_settings()


def test_http_is_allowed_for_localhost() -> None:
    assert OidcSettings(issuer="http://localhost:8081/realms/school").enabled


def test_an_http_issuer_needs_dev_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOORSTEP_OIDC__ISSUER", "http://localhost:8081/realms/school")
    with pytest.raises(ConfigError, match=r"^oidc.issuer \(DOORSTEP_OIDC__ISSUER\): .*dev_mode"):
        load_settings()
    assert load_settings(dev_mode=True).oidc.enabled
