"""Feed addresses typed by strangers: only http(s), and no private networks after DNS."""

from __future__ import annotations

import ipaddress

import pytest

from reviewbot.feeds.addresses import check_address, check_url, literal_address, refusal
from reviewbot.feeds.errors import AddressRefused

REFUSED = [
    "127.0.0.1",
    "127.255.0.9",
    "0.0.0.0",
    "10.0.0.1",
    "172.16.5.4",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # carrier-grade NAT
    "192.0.0.1",  # IETF protocol assignments
    "198.51.100.1",
    "192.0.2.10",  # documentation
    "198.18.0.1",  # benchmarking
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.1.2.3",
    "::ffff:169.254.169.254",
    "2002:7f00:1::1",  # 6to4 around 127.0.0.1
    "2002:c0a8:0101::1",  # 6to4 around 192.168.1.1
    "64:ff9b::7f00:1",  # NAT64 around 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 around 169.254.169.254
    "2001:db8::1",  # documentation
    "2001::1",  # Teredo, client address in the bits
]
ALLOWED = ["93.184.215.14", "1.1.1.1", "8.8.4.4", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("address", REFUSED)
def test_private_and_special_addresses_are_refused(address: str) -> None:
    ip = ipaddress.ip_address(address)
    assert refusal(ip) is not None
    with pytest.raises(AddressRefused, match="public internet addresses only"):
        check_address(address, ip, allow_private=False)
    check_address(address, ip, allow_private=True)  # the operator may allow them


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_allowed(address: str) -> None:
    ip = ipaddress.ip_address(address)
    assert refusal(ip) is None
    check_address(address, ip, allow_private=False)


def test_the_refusal_names_the_host_and_what_it_resolved_to() -> None:
    with pytest.raises(AddressRefused) as refused:
        check_address("blog.test", ipaddress.ip_address("10.0.0.5"), allow_private=False)
    assert str(refused.value).startswith("blog.test (10.0.0.5) is a private network address")
    assert "REVIEWBOT_FEEDS_ALLOW_PRIVATE" in str(refused.value)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://blog.example/feed",
        "file:///etc/passwd",
        "gopher://127.0.0.1:70/",
        "javascript:alert(1)",
        "blog.example/feed",
        "https://",
        "http://[::1",
        "https://user:secret@blog.example/feed",
        "https://blog.example/fe ed",
        "https://blog.example/\u200bfeed",
        "https://blog.example/" + "a" * 2100,
    ],
)
def test_only_full_http_addresses_are_tried(url: str) -> None:
    with pytest.raises(AddressRefused):
        check_url(url)


def test_a_good_address_is_kept_trimmed() -> None:
    assert check_url("  https://blog.example/feed?format=rss \n") == (
        "https://blog.example/feed?format=rss"
    )


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("fe80::1%eth0", "fe80::1"),
        ("blog.example", None),
    ],
)
def test_hosts_written_as_addresses_are_recognised(host: str, expected: str | None) -> None:
    found = literal_address(host)
    assert (str(found) if found else None) == expected
