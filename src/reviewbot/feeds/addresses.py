"""Which addresses a feed may be fetched from: http(s) only, and no private networks unless allowed.

A feed's address is typed by a server admin, not by the operator: without these checks it could
make the bot read the operator's own network (a router's page, a cloud metadata service). The
host is checked after DNS, on every redirect, and aiohttp connects only to the addresses that
were checked (`CheckingResolver`), so a name that changes its answer in between gains nothing.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from ..review import URL_MAX, shown
from .errors import AddressRefused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Networks = Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]
# IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64, well known and local).
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def check_url(url: str) -> str:
    """`url` trimmed, if it is a full http(s) address the bot may try; `AddressRefused` if not."""
    url = url.strip()
    if len(url) > URL_MAX:
        raise AddressRefused(f"That address is longer than {URL_MAX:,} characters.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it checks it
    except ValueError:
        raise AddressRefused(f"“{shown(url)}” is not a web address I can read.") from None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise AddressRefused(
            f"“{shown(url)}” is not a feed address: give a full http(s) address,"
            " like https://example.com/feed"
        )
    if parts.username is not None or parts.password is not None:
        raise AddressRefused("Feed addresses with a user name or password are not supported.")
    if not url.isprintable() or " " in url:
        raise AddressRefused("That address holds spaces or invisible characters; copy it again.")
    return url


def literal_address(host: str) -> IPAddress | None:
    """The address when `host` is written as one (`127.0.0.1`, `[::1]`), else None."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def refusal(address: IPAddress) -> str | None:
    """Why the bot may not connect to `address`, or None when it is a public internet address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return refusal(embedded)
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address (this machine)"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_private:
        return "a private network address"
    if address.is_reserved or not address.is_global:
        return "a reserved address"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client's address, which the relay forwards to
    if any(address in network for network in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def check_address(
    host: str, address: IPAddress, *, allow_private: bool, trusted: Networks = ()
) -> None:
    """`AddressRefused` unless the bot may connect to `address` (which `host` named): a public
    address, or any when private ones are allowed, or one within the `trusted` networks."""
    if allow_private or any(address in network for network in trusted):
        return
    reason = refusal(address)
    if reason is not None:
        where = host if host == str(address) else f"{host} ({address})"
        raise AddressRefused(
            f"{where} is {reason}: feeds are fetched from public internet addresses only"
            " (the bot's operator can allow private ones with REVIEWBOT_FEEDS_ALLOW_PRIVATE)."
        )


class CheckingResolver(AbstractResolver):
    """Resolves a host with `inner` (the system's resolver by default) and hands aiohttp only
    addresses that passed `check_address`: what is checked is what is connected to."""

    def __init__(
        self,
        *,
        allow_private: bool,
        inner: AbstractResolver | None = None,
        trusted: Networks = (),
    ) -> None:
        self.allow_private = allow_private
        self.trusted = trusted
        self._inner = inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if self._inner is None:
            self._inner = ThreadedResolver()  # made here: it needs the running loop
        try:
            found = await self._inner.resolve(host, port, family)
        except OSError as error:
            raise AddressRefused(f"The host {shown(host, 80)} could not be found.") from error
        if not found:
            raise AddressRefused(f"The host {shown(host, 80)} has no address.")
        for result in found:
            address = literal_address(result["host"])
            if address is None:  # a resolver answers with addresses; anything else is refused
                raise AddressRefused(f"The host {shown(host, 80)} has no usable address.")
            check_address(host, address, allow_private=self.allow_private, trusted=self.trusted)
        return found

    async def close(self) -> None:
        if self._inner is not None:
            await self._inner.close()
