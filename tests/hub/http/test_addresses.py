"""The address rules of the egress guard, table-driven, and the settings that feed them."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network

import pytest
from pydantic import ValidationError

from hub.http import HttpSettings
from hub.http.addresses import IPNetwork, check_allowed_network, refusal_reason, unwrap

EVERY_PRIVATE: list[IPNetwork] = [
    IPv4Network("10.0.0.0/8"),
    IPv4Network("172.16.0.0/12"),
    IPv4Network("192.168.0.0/16"),
    IPv4Network("100.64.0.0/10"),
    IPv4Network("127.0.0.0/8"),
    IPv6Network("fc00::/7"),
    IPv6Network("::1/128"),
]


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("169.254.169.254", "cloud metadata"),
        ("169.254.170.2", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("100.100.100.200", "cloud metadata"),
        ("::ffff:169.254.169.254", "cloud metadata"),
        ("64:ff9b::a9fe:a9fe", "cloud metadata"),
        ("2002:a9fe:a9fe::1", "cloud metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("::ffff:169.254.1.1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("0.1.2.3", "this-network"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
    ],
)
def test_never_allowed_whatever_the_allow_list(address: str, reason: str) -> None:
    assert refusal_reason(address) == reason
    assert refusal_reason(address, EVERY_PRIVATE) == reason


@pytest.mark.parametrize(
    ("address", "reason", "allowed_by"),
    [
        ("10.0.0.5", "private", "10.0.0.0/24"),
        ("172.20.1.1", "private", "172.16.0.0/12"),
        ("192.168.1.10", "private", "192.168.1.0/24"),
        ("100.64.3.4", "private", "100.64.0.0/10"),
        ("fd12:3456::1", "private", "fd12:3456::/32"),
        ("::ffff:10.0.0.5", "private", "10.0.0.0/8"),
        ("192.0.2.10", "private", "192.0.2.0/24"),
        ("127.0.0.1", "loopback", "127.0.0.0/8"),
        ("::1", "loopback", "::1/128"),
    ],
)
def test_private_and_loopback_only_inside_an_allowed_cidr(
    address: str, reason: str, allowed_by: str
) -> None:
    assert refusal_reason(address) == reason
    assert refusal_reason(address, [ip_network("10.9.9.0/24")]) == reason
    assert refusal_reason(address, [ip_network(allowed_by)]) is None


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700::1111", "::ffff:93.184.216.34"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal_reason(address) is None


def test_unwrap_leaves_plain_addresses_alone() -> None:
    assert str(unwrap(ip_network("2606:4700::1111/128").network_address)) == "2606:4700::1111"


@pytest.mark.parametrize("cidr", ["169.254.0.0/16", "169.254.169.0/24", "fe80::/64", "0.0.0.0/0"])
def test_a_cidr_overlapping_link_local_cannot_be_allowed(cidr: str) -> None:
    with pytest.raises(ValueError, match="can never be allowed"):
        check_allowed_network(ip_network(cidr))
    with pytest.raises(ValidationError):
        HttpSettings.model_validate({"base_url": "https://x.test/", "allow_private_cidrs": [cidr]})


def test_settings_parse_cidrs_and_keep_safe_defaults() -> None:
    settings = HttpSettings.model_validate(
        {"base_url": "https://x.test/", "allow_private_cidrs": ["10.20.0.0/24", "fd00:1::/64"]}
    )
    assert settings.allow_private_cidrs == [IPv4Network("10.20.0.0/24"), IPv6Network("fd00:1::/64")]
    assert settings.verify_tls is True
    assert settings.follow_redirects is False
    assert (settings.timeout_s, settings.connect_timeout_s, settings.deadline_s) == (10, 5, 30)
    assert (settings.max_attempts, settings.retry_after_cap_s, settings.max_connections) == (
        4,
        30,
        10,
    )


def test_settings_forbid_unknown_keys_and_describe_every_field() -> None:
    with pytest.raises(ValidationError):
        HttpSettings.model_validate({"base_url": "https://x.test/", "timeout": 3})
    assert all(field.description for field in HttpSettings.model_fields.values())


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://x.test/", "ftp://x.test/"])
def test_only_http_and_https_base_urls(url: str) -> None:
    with pytest.raises(ValidationError):
        HttpSettings.model_validate({"base_url": url})
