"""Webhook targets: every address class inside the network is refused (literal, encoded or
resolved), the allow-list lets an on-premise receiver through, and signatures are HMAC-SHA256."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket

import pytest

from ccops.notifications import webhook_delivery, webhook_targets
from ccops.notifications.webhook_targets import AllowList, RefusedTarget, check, parse_allow_list

NOBODY = AllowList()


def _resolves_to(*addresses: str) -> webhook_targets.Resolver:
    def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolve


def _no_dns(host: str, port: int) -> list[str]:
    raise AssertionError(f"a literal address is not resolved ({host})")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://127.0.0.1/hook", "loopback"),
        ("http://127.8.9.10:8080/", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://10.1.2.3/", "private"),
        ("http://172.16.0.1/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://[fd00::1]/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://[::]/", "unspecified"),
        ("http://224.0.0.1/", "multicast"),
        ("http://[ff02::1]/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://100.64.0.1/", "carrier-grade NAT"),
        ("http://[::ffff:127.0.0.1]/", "IPv4-mapped"),
        ("http://[::ffff:8.8.8.8]/", "IPv4-mapped"),
        ("http://[2002:7f00:1::]/", "leads to 127.0.0.1"),  # 6to4 of loopback
        ("http://[2002:a9fe:a9fe::1]/", "leads to 169.254.169.254"),  # 6to4 of the metadata
        ("http://[64:ff9b::a9fe:a9fe]/", "169.254.169.254"),  # NAT64 of the metadata service
        ("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "2001:0:4136"),  # Teredo
    ],
)
def test_every_address_class_inside_the_network_is_refused(url: str, says: str) -> None:
    with pytest.raises(RefusedTarget, match="public internet receivers only") as refused:
        check(url, NOBODY, _no_dns)
    assert says in str(refused.value)


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",  # 127.0.0.1 as one decimal number
        "http://0x7f.1/",  # hex and a short form
        "http://0x7f000001/",
        "http://017700000001/",  # octal
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://1.2.3.4.5/",
    ],
)
def test_numeric_hosts_not_written_as_an_address_are_refused(url: str) -> None:
    with pytest.raises(RefusedTarget, match="not a host name"):
        check(url, NOBODY, _no_dns)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://hooks.example.com/", "only http:// and https://"),
        ("file:///etc/passwd", "only http:// and https://"),
        ("gopher://hooks.example.com/", "only http:// and https://"),
        ("http://user:pw@hooks.example.com/", "user name or password"),
        ("http://hooks.example.com@127.0.0.1/", "user name or password"),
        ("http:///nohost", "names no host"),
        ("http://hooks.example.com:99999/", "not a valid URL"),
        ("http://[fe80::1%25eth0]/", "zone"),
    ],
)
def test_urls_no_receiver_needs_are_refused(url: str, says: str) -> None:
    with pytest.raises(RefusedTarget, match=says):
        check(url, NOBODY, _resolves_to("93.184.216.34"))


def test_a_name_is_judged_by_every_address_it_resolves_to_without_saying_which() -> None:
    target = check("https://hooks.example.com/in?x=1", NOBODY, _resolves_to("93.184.216.34"))
    assert (target.address, target.parsed.port, target.parsed.path) == (
        "93.184.216.34",
        443,
        "/in?x=1",
    )
    for addresses in (("93.184.216.34", "10.0.0.5"), ("169.254.169.254",), ("::1",), ()):
        with pytest.raises(RefusedTarget) as refused:
            check("http://hooks.example.com/", NOBODY, _resolves_to(*addresses))
        message = str(refused.value)
        assert "does not resolve to public internet addresses only" in message
        assert not any(a in message for a in addresses)  # nothing learnt about the network


def test_a_name_that_does_not_resolve_is_refused_like_a_private_one() -> None:
    def fails(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(RefusedTarget, match="does not resolve to public internet addresses only"):
        check("http://nowhere.invalid/", NOBODY, fails)


def test_the_allow_list_lets_an_on_premise_receiver_through_and_nothing_else() -> None:
    allow = parse_allow_list(" 127.0.0.1/32, 10.20.0.0/16 ,hooks.corp.local., fd00::/8")
    assert allow.hosts == frozenset({"hooks.corp.local"})
    assert check("http://127.0.0.1:9000/", allow, _no_dns).address == "127.0.0.1"
    assert check("http://10.20.3.4/", allow, _no_dns).address == "10.20.3.4"
    assert check("http://[fd00::7]/", allow, _no_dns).address == "fd00::7"
    named = check("http://hooks.corp.local/x", allow, _resolves_to("192.168.5.5"))
    assert named.address == "192.168.5.5"
    for url in ("http://127.0.0.2/", "http://10.21.0.1/", "http://169.254.169.254/"):
        with pytest.raises(RefusedTarget):
            check(url, allow, _no_dns)
    with pytest.raises(RefusedTarget):
        check("http://other.corp.local/", allow, _resolves_to("192.168.5.5"))


@pytest.mark.parametrize("text", ["10.0.0.0/33", "not a host!", "0x7f.1", "hooks..x"])
def test_an_unreadable_allow_list_entry_is_named(text: str) -> None:
    with pytest.raises(ValueError, match="webhook_allowed_networks"):
        parse_allow_list(text)


def test_public_addresses_pass() -> None:
    for text in ("8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "2002:808:808::1"):
        assert webhook_targets.refusal(ipaddress.ip_address(text)) is None


def test_the_signature_is_an_hmac_of_timestamp_dot_body() -> None:
    body = b'{"event": "exception.opened"}'
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert webhook_delivery.signature(b"s3cret", 1700000000, body) == f"sha256={expected}"
    assert webhook_delivery.signature(b"other", 1700000000, body) != f"sha256={expected}"


def test_a_refused_target_at_delivery_never_connects(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: calls.append(a))
    policy = webhook_delivery.WebhookPolicy(secret=b"k")
    for url in ("http://127.0.0.1/", "http://[::ffff:10.0.0.1]/", "http://0x7f.1/"):
        assert webhook_delivery.post(url, b"{}", policy=policy, timestamp=1) is False
    rebinding = _resolves_to("127.0.0.1")  # the name was public when it was saved
    assert not webhook_delivery.post(
        "http://hooks.example.com/", b"{}", policy=policy, timestamp=1, resolve=rebinding
    )
    assert calls == []
