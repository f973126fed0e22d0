"""The facts script's output parsed, for OS families the lab cannot boot (samples as those systems print)."""

from __future__ import annotations

from ko_inventory.hosts.facts import parse_facts

CENTOS7 = """\
@@os
NAME="CentOS Linux"
VERSION="7 (Core)"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="7"
PRETTY_NAME="CentOS Linux 7 (Core)"
@@kernel
3.10.0-1160.el7.x86_64
@@arch
x86_64
@@hostname
node-7
@@cpus
4
@@meminfo
MemTotal:        8009080 kB
MemAvailable:    7000000 kB
SwapTotal:       2097148 kB
@@swaps
/dev/dm-1                               partition	2097148	0	-2
@@disks
NAME="sda" SIZE="107374182400" TYPE="disk"
NAME="sr0" SIZE="1073741312" TYPE="rom"
@@df
/dev/mapper/centos-root  52403200 1600000  50803200       4% /
@@addrs
1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
2: ens192    inet 192.168.10.21/24 brd 192.168.10.255 scope global ens192\\       valid_lft forever
2: ens192    inet6 fe80::250:56ff:fe8e:1/64 scope link \\       valid_lft forever preferred_lft forever
2: ens192    inet6 2001:db8::21/64 scope global \\       valid_lft forever preferred_lft forever
@@tcp
00000000:0016
00000000:0019
00000000:1A0B
@@udp
00000000:2118
@@end
"""


def test_a_centos_host() -> None:
    facts = parse_facts(CENTOS7)
    assert facts["os"] == {
        "id": "centos",
        "version_id": "7",
        "name": "CentOS Linux 7 (Core)",
        "family": "rhel",
        "supported": True,
        "unsupported_reason": None,
    }
    assert (facts["kernel"], facts["arch"], facts["hostname"], facts["cpus"]) == (
        "3.10.0-1160.el7.x86_64", "x86_64", "node-7", 4
    )  # fmt: skip
    assert facts["memory_bytes"] == 8009080 * 1024
    assert facts["swap_on"] is True and facts["swap_bytes"] == 2097148 * 1024
    assert facts["disks"] == [{"name": "sda", "size_bytes": 107374182400}]
    assert facts["root_free_bytes"] == 50803200 * 1024 and facts["var_free_bytes"] == facts["root_free_bytes"]
    assert facts["addresses"] == [
        {"interface": "ens192", "address": "192.168.10.21", "prefix": 24, "family": "ipv4"},
        {"interface": "ens192", "address": "2001:db8::21", "prefix": 64, "family": "ipv6"},
    ]
    # 22 and 25 are not Kubernetes ports; 6667 (0x1A0B) neither; UDP 8472 (0x2118) is Flannel's VXLAN.
    assert facts["ports_in_use"] == [{"protocol": "udp", "port": 8472, "purpose": "Flannel VXLAN"}]


def test_unsupported_and_unknown_systems_say_why() -> None:
    alpine = parse_facts('@@os\nID=alpine\nVERSION_ID=3.20.0\nPRETTY_NAME="Alpine Linux v3.20"\n@@end\n')
    assert alpine["os"]["supported"] is False and alpine["os"]["family"] == "other"
    assert "Alpine Linux v3.20 is not supported" in alpine["os"]["unsupported_reason"]
    old = parse_facts("@@os\nID=ubuntu\nVERSION_ID=20.04\nID_LIKE=debian\n@@end\n")
    assert old["os"]["family"] == "debian" and old["os"]["supported"] is False
    assert "22.04, 24.04" in old["os"]["unsupported_reason"]
    empty = parse_facts("")
    assert empty["cpus"] is None and empty["disks"] == [] and empty["ports_in_use"] == [] and not empty["swap_on"]
