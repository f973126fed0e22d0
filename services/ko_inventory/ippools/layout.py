"""Check a pool's subnet, gateway, DNS servers and ranges, and list the addresses it hands out.

Pure functions: every refusal is an InvalidInput naming the field (``ranges[1].start``) and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import AddressValueError, IPv4Address, IPv4Network, NetmaskValueError, ip_network

from ko_common.errors import InvalidInput

MAX_ADDRESSES = 4096


@dataclass(frozen=True)
class Layout:
    subnet: IPv4Network
    gateway: IPv4Address
    dns: tuple[IPv4Address, ...]
    ranges: tuple[tuple[IPv4Address, IPv4Address], ...]

    def addresses(self) -> list[IPv4Address]:
        """Every address the ranges hold, in order, except the gateway and the DNS servers."""
        skip = {self.gateway, *self.dns}
        out: list[IPv4Address] = []
        for start, end in self.ranges:
            out.extend(a for a in (IPv4Address(v) for v in range(int(start), int(end) + 1)) if a not in skip)
        return out


def _bad(field: str, detail: str) -> InvalidInput:
    return InvalidInput(f"{field}: {detail}", field=field)


def parse_subnet(text: str) -> IPv4Network:
    if "/" not in text:
        raise _bad("subnet", f"{text!r} has no prefix length: give a CIDR, e.g. 10.10.0.0/24.")
    try:
        net = ip_network(text.strip(), strict=False)
    except ValueError as exc:
        raise _bad("subnet", f"{text!r} is not an IPv4 CIDR ({exc}): e.g. 10.10.0.0/24.") from exc
    if not isinstance(net, IPv4Network):
        raise _bad("subnet", "only IPv4 subnets are supported: e.g. 10.10.0.0/24.")
    if str(net) != text.strip():
        raise _bad("subnet", f"{text} has host bits set: did you mean {net}?")
    if net.prefixlen > 30:
        raise _bad("subnet", f"a /{net.prefixlen} leaves no room for a gateway and hosts: use /30 or wider, e.g. /24.")
    return net


def _address(field: str, text: str, net: IPv4Network, what: str) -> IPv4Address:
    try:
        addr = IPv4Address(text.strip())
    except (AddressValueError, NetmaskValueError) as exc:
        raise _bad(field, f"{text!r} is not an IPv4 address, e.g. {net.network_address + 1}.") from exc
    if addr not in net:
        raise _bad(field, f"{addr} is outside the subnet {net}: give {what} inside it.")
    if addr == net.network_address:
        raise _bad(field, f"{addr} is the network address of {net}: start at {addr + 1} or later.")
    if addr == net.broadcast_address:
        raise _bad(field, f"{addr} is the broadcast address of {net}: end at {addr - 1} or earlier.")
    return addr


def parse_layout(subnet: str, gateway: str, dns: list[str], ranges: list[tuple[str, str]]) -> Layout:
    net = parse_subnet(subnet)
    gw = _address("gateway", gateway, net, "a gateway")
    servers: list[IPv4Address] = []
    for i, text in enumerate(dns):
        try:
            server = IPv4Address(text.strip())
        except (AddressValueError, NetmaskValueError) as exc:
            raise _bad(f"dns[{i}]", f"{text!r} is not an IPv4 address, e.g. 10.10.0.2.") from exc
        if server in servers:
            raise _bad(f"dns[{i}]", f"{server} is listed twice: list each DNS server once.")
        servers.append(server)
    spans: list[tuple[IPv4Address, IPv4Address]] = []
    total = 0
    for i, (start_text, end_text) in enumerate(ranges):
        start = _address(f"ranges[{i}].start", start_text, net, "a range")
        end = _address(f"ranges[{i}].end", end_text, net, "a range")
        if end < start:
            raise _bad(f"ranges[{i}].end", f"{end} comes before start {start}: give the lower address as start.")
        for j, (other_start, other_end) in enumerate(spans):
            if start <= other_end and other_start <= end:
                raise _bad(
                    f"ranges[{i}]",
                    f"{start}-{end} overlaps ranges[{j}] ({other_start}-{other_end}): make the ranges disjoint.",
                )
        spans.append((start, end))
        total += int(end) - int(start) + 1
    layout = Layout(net, gw, tuple(servers), tuple(spans))
    # Counted before listing them, so a /8 range costs nothing to refuse.
    if total > MAX_ADDRESSES + 1 + len(servers) or len(layout.addresses()) > MAX_ADDRESSES:
        raise _bad(
            "ranges",
            f"the ranges hold {total} addresses, more than the {MAX_ADDRESSES} a pool may have: "
            "narrow the ranges or split them over several pools.",
        )
    if not layout.addresses():
        raise _bad("ranges", "hold no address to hand out (the gateway and DNS servers are never handed out).")
    return layout
