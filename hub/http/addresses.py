"""Which IP addresses the hub may connect to: pure rules, no I/O.

Never allowed, whatever the settings say: link-local (169.254.0.0/16, fe80::/10),
cloud metadata addresses, unspecified, multicast and reserved addresses. Loopback and
private ranges (10/8, 172.16/12, 192.168/16, fc00::/7, 100.64/10 and every other
non-global range) only inside a CIDR the admin allowed. IPv4 addresses wrapped in
IPv6 (mapped ``::ffff:a.b.c.d``, 6to4, NAT64 ``64:ff9b::/96``) are unwrapped first.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    {
        IPv4Address("169.254.169.254"),  # AWS, Azure, GCP, OpenStack
        IPv4Address("169.254.170.2"),  # AWS ECS task metadata
        IPv6Address("fd00:ec2::254"),  # AWS over IPv6
        IPv4Address("100.100.100.200"),  # Alibaba Cloud
    }
)
"""Cloud instance metadata endpoints: refused even inside an allowed CIDR."""

NEVER_ALLOWED_NETWORKS: tuple[IPNetwork, ...] = (
    IPv4Network("169.254.0.0/16"),
    IPv6Network("fe80::/10"),
    IPv4Network("0.0.0.0/8"),
)
"""Ranges no allow-list can open (an allowed CIDR may not overlap them)."""

PRIVATE_NETWORKS: tuple[IPNetwork, ...] = (
    IPv4Network("10.0.0.0/8"),
    IPv4Network("172.16.0.0/12"),
    IPv4Network("192.168.0.0/16"),
    IPv4Network("100.64.0.0/10"),
    IPv6Network("fc00::/7"),
)
"""Private ranges an on-prem MIS server may sit in: allowed per CIDR only."""

_NAT64 = IPv6Network("64:ff9b::/96")
_LINK_LOCAL = NEVER_ALLOWED_NETWORKS[:2]
_THIS_NETWORK = IPv4Network("0.0.0.0/8")


def unwrap(address: IPAddress) -> IPAddress:
    """The IPv4 address carried inside an IPv6 one (mapped, 6to4, NAT64), else itself."""
    if isinstance(address, IPv4Address):
        return address
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def refusal_reason(address: str | IPAddress, allowed: Iterable[IPNetwork] = ()) -> str | None:
    """Why the hub must not connect to ``address``, or None when it may.

    ``allowed`` are the admin's CIDRs for loopback and private ranges. The reason is a
    short phrase ("link-local", "cloud metadata", "private") safe to put in a message.
    """
    ip = _parse(address)
    fixed = never_allowed_reason(ip)
    if fixed is not None:
        return fixed
    if any(ip in network for network in allowed if network.version == ip.version):
        return None
    if ip.is_loopback:
        return "loopback"
    if any(ip in network for network in PRIVATE_NETWORKS) or not ip.is_global:
        return "private"
    return None


def never_allowed_reason(address: str | IPAddress) -> str | None:
    """Why ``address`` can never be reached, whatever is allowed; None for the rest."""
    ip = _parse(address)
    if ip in METADATA_ADDRESSES:
        return "cloud metadata"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_link_local or any(ip in net for net in _LINK_LOCAL if net.version == ip.version):
        return "link-local"
    if ip in _THIS_NETWORK:
        return "this-network"
    if ip.is_multicast:
        return "multicast"
    if ip.is_reserved and not ip.is_loopback:  # ::1 sits inside the reserved ::/8
        return "reserved"
    return None


def host_literal(host: str) -> IPAddress | None:
    """The IP address a URL host spells out (``[fe80::1]`` included), or None for a name."""
    try:
        return ip_address(host.removeprefix("[").removesuffix("]"))
    except ValueError:
        return None


def _parse(address: str | IPAddress) -> IPAddress:
    return unwrap(ip_address(address) if isinstance(address, str) else address)


def check_allowed_network(network: IPNetwork) -> IPNetwork:
    """``network`` itself if an admin may allow it; ValueError if it overlaps a range
    that can never be reached (link-local, metadata, ``0.0.0.0/8``)."""
    for never in NEVER_ALLOWED_NETWORKS:
        if never.version == network.version and network.overlaps(never):
            raise ValueError(f"{network} overlaps {never}, which can never be allowed")
    return network
