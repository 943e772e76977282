"""Which URLs a webhook may call: public internet receivers only, unless an administrator allows
an on-premise network or host.

A planner types the URL; the server calls it. Without these checks the server would call for
them what they cannot reach themselves (loopback services, the private network, the cloud
metadata service at 169.254.169.254). A URL is checked when it is saved and again just before
each delivery, on the addresses its host resolves to then; the delivery connects to the address
that was checked (``Target.address``), so a name that resolves differently a moment later (DNS
rebinding) changes nothing.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
SHARED_ADDRESS_SPACE = ipaddress.IPv4Network("100.64.0.0/10")


class RefusedTarget(ValueError):
    """A webhook URL the server must not call; the message says why (safe to show its author)."""


@dataclass(frozen=True)
class AllowList:
    """Networks and host names an administrator allows although they are not public."""

    networks: tuple[IPNetwork, ...] = ()
    hosts: frozenset[str] = field(default_factory=frozenset)

    def allows(self, host: str, address: IPAddress) -> bool:
        """Whether ``address`` (resolved from ``host``) is allowed by name or by network."""
        if host.lower().rstrip(".") in self.hosts:
            return True
        return any(address.version == n.version and address in n for n in self.networks)


def parse_allow_list(text: str) -> AllowList:
    """Read the ``webhook_allowed_networks`` setting: comma-separated networks or host names.

    Raises ValueError naming an entry that is neither."""
    networks: list[IPNetwork] = []
    hosts: set[str] = set()
    for raw in text.split(","):
        entry = raw.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
            continue
        except ValueError:
            pass
        if not _is_host_name(entry):
            raise ValueError(f"webhook_allowed_networks: {entry!r} is no network nor host name")
        hosts.add(entry.lower().rstrip("."))
    return AllowList(tuple(networks), frozenset(hosts))


def _is_host_name(text: str) -> bool:
    labels = text.rstrip(".").split(".")
    return all(
        0 < len(label) <= 63 and all(c.isalnum() or c == "-" for c in label) for label in labels
    ) and not _ends_in_number(text)


def _ends_in_number(host: str) -> bool:
    """Whether the host's last label is a number (decimal, octal or 0x hex): then it can only be
    an IPv4 address, which must be written as four decimal numbers (WHATWG "ends in a number")."""
    last = host.rstrip(".").rsplit(".", 1)[-1].lower()
    if last.startswith("0x"):
        return all(c in "0123456789abcdef" for c in last[2:])
    return last.isdigit()


def refusal(address: IPAddress) -> str | None:
    """Why the server must not call ``address`` (None: it is a public internet address).

    IPv6 addresses that carry an IPv4 address (IPv4-mapped, 6to4, Teredo, NAT64) are refused when
    they are mapped, and else judged by the IPv4 address they lead to as well."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return f"{address} is an IPv4-mapped IPv6 address"
        embedded: list[ipaddress.IPv4Address] = []
        if address.sixtofour is not None:
            embedded.append(address.sixtofour)
        if address.teredo is not None:
            embedded.extend(address.teredo)
        if address in NAT64:
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        for inner in embedded:
            reason = refusal(inner)
            if reason is not None:
                return f"{address} leads to {inner}: {reason}"
    kinds = (
        ("is_unspecified", "an unspecified address"),
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address (such as the cloud metadata service)"),
        ("is_multicast", "a multicast address"),
        ("is_reserved", "a reserved address"),
        ("is_private", "a private network address"),
    )
    for attribute, name in kinds:
        if getattr(address, attribute):
            return f"{address} is {name}"
    if isinstance(address, ipaddress.IPv4Address) and address in SHARED_ADDRESS_SPACE:
        return f"{address} is a carrier-grade NAT address"
    if not address.is_global:
        return f"{address} is not a public internet address"
    return None


@dataclass(frozen=True)
class ParsedUrl:
    """A webhook URL taken apart: what to connect to and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    literal: IPAddress | None


def parse(url: str) -> ParsedUrl:
    """Take a webhook URL apart, refusing what no receiver needs: another scheme than http or
    https, a user name or password, a missing host, a numeric host not written as an address."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise RefusedTarget(f"not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise RefusedTarget("only http:// and https:// URLs can receive webhooks")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise RefusedTarget("a webhook URL may not carry a user name or password")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise RefusedTarget("the URL names no host")
    literal: IPAddress | None = None
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        if _ends_in_number(host) or not _is_host_name(host):
            raise RefusedTarget(
                f"{host!r} is not a host name; write an IP address as four decimal numbers "
                "(IPv4) or in brackets (IPv6)"
            ) from None
    if isinstance(literal, ipaddress.IPv6Address) and literal.scope_id:
        raise RefusedTarget("an IPv6 address with a zone cannot receive webhooks")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    default = 443 if scheme == "https" else 80
    return ParsedUrl(scheme, host.lower(), port or default, path, literal)


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to now (the operating system's resolver)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class Target:
    """A checked webhook URL and the one address the delivery connects to."""

    url: str
    parsed: ParsedUrl
    address: str


def check(url: str, allow: AllowList, resolve: Resolver | None = None) -> Target:
    """Check a webhook URL and resolve its host once; raise RefusedTarget saying why not.

    Every address the host resolves to must be public (or allowed): a name with one private
    address among public ones is refused, since the resolver picks which one is used. The
    message names the class of a literal address but not what a host name resolves to, so that
    it tells nothing about the internal network."""
    parsed = parse(url)
    if parsed.literal is not None:
        reason = refusal(parsed.literal)
        if reason is not None and not allow.allows(parsed.host, parsed.literal):
            raise RefusedTarget(f"{reason}: webhooks go to public internet receivers only")
        return Target(url, parsed, str(parsed.literal))
    try:
        found = (resolve or system_resolver)(parsed.host, parsed.port)
        addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in found]
    except (OSError, UnicodeError, ValueError):
        addresses = []
    usable = [a for a in addresses if refusal(a) is None or allow.allows(parsed.host, a)]
    if not addresses or len(usable) != len(addresses):
        raise RefusedTarget(
            f"host {parsed.host!r} does not resolve to public internet addresses only: webhooks "
            "go to public internet receivers (an administrator can allow an on-premise one)"
        )
    return Target(url, parsed, str(usable[0]))
