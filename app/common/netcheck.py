"""Is an IP address on the public Internet? The one rule behind the webhook SSRF refusal.

Python's `is_global` is not enough: an IPv6 address can carry an IPv4 one (IPv4-compatible `::a.b.c.d`,
IPv4-mapped `::ffff:a.b.c.d`, 6to4 `2002:AABB:CCDD::`, NAT64 `64:ff9b::a.b.c.d`), and on a network with a
NAT64 gateway or 6to4 relay a request to it reaches that IPv4 host (127.0.0.1, 10.x, the cloud metadata
address). So the embedded IPv4 address is judged instead; NAT64's local-use prefix (`64:ff9b:1::/48`,
RFC 8215) and Teredo (`2001::/32`) are refused outright (their mapping is private to a site, or obfuscated).
Outside those, only global unicast (`2000::/3`) that is not a special-purpose block passes.
"""
from __future__ import annotations

import ipaddress

_V4_NOT_PUBLIC = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
    "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
))
_V6_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")
_V6_NOT_PUBLIC = tuple(ipaddress.ip_network(n) for n in (
    "2001::/23",  # IETF protocol assignments (Teredo, benchmarking, ORCHID)
    "2001:db8::/32", "3fff::/20",  # documentation
    "64:ff9b:1::/48",  # NAT64 local use
))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, compatible, 6to4, NAT64), else None."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _IPV4_COMPATIBLE or ip in _NAT64_WELL_KNOWN:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _SIX_TO_FOUR:
        return ip.sixtofour
    return None


def refusal(address: str) -> str | None:
    """Why `address` (an IP literal, optionally with a `%zone`) is not a public destination, or None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if inner is not None:
            why = refusal(str(inner))
            return f"{ip}, which carries {why}" if why else None
        if (ip not in _V6_GLOBAL_UNICAST or any(ip in net for net in _V6_NOT_PUBLIC)
                or not ip.is_global or ip.is_multicast):
            return f"{ip}, an address that is not public (loopback, private, link-local, reserved or documentation)"
        return None
    if any(ip in net for net in _V4_NOT_PUBLIC) or not ip.is_global or ip.is_multicast or ip.is_reserved:
        return f"{ip}, an address inside a private network (loopback, private, link-local or reserved)"
    return None
