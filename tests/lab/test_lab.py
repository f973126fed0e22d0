"""The lab gives real, SSH-reachable hosts with systemd, isolated from everything but each other."""

from __future__ import annotations

import shlex
import subprocess

import pytest

from tests.lab.lab import Lab
from tests.lab.sshutil import ssh_password, ssh_root

pytestmark = pytest.mark.lab


def test_root_logs_in_with_the_lab_key_and_systemd_is_up(lab: Lab) -> None:
    assert len(lab.hosts) >= 1
    for host in lab.hosts:
        out = ssh_root(host, "id -u; hostname; systemctl is-system-running --wait")
        lines = out.stdout.split()
        assert lines[:2] == ["0", host.name], (host.name, out.stdout, out.stderr)
        assert lines[2] in ("running", "degraded"), (host.name, out.stdout, out.stderr)


def test_ko_logs_in_with_the_password_and_sudo_works(lab: Lab) -> None:
    for host in lab.hosts:
        cmd = f"id -un; echo {shlex.quote(host.password)} | sudo -S -p '' id -u"
        out = ssh_password(host, cmd)
        assert out.returncode == 0, (host.name, out.stderr)
        assert out.stdout.split() == [host.user, "0"], (host.name, out.stdout)


def test_a_wrong_password_is_refused(lab: Lab) -> None:
    host = lab.hosts[0]
    wrong = type(host)(**{**host.__dict__, "password": "not-the-password"})
    out = ssh_password(wrong, "true")
    assert out.returncode != 0


def test_hosts_have_no_route_out(lab: Lab) -> None:
    # Checked on the routing tables; no traffic is sent outside the lab.
    for host in lab.hosts:
        outside = subprocess.run(["ip", "-n", host.netns, "route", "show", "default"], capture_output=True, text=True)
        assert outside.returncode == 0 and outside.stdout.strip() == "", (host.name, outside.stdout)
        inside = ssh_root(host, "ip route show default; ip -6 route show default; ip -4 route show")
        assert inside.returncode == 0, inside.stderr
        routes = [line.strip() for line in inside.stdout.splitlines() if line.strip()]
        assert routes == [f"{lab.net} dev eth0 proto kernel scope link src {host.ip}"], (host.name, routes)


def test_hosts_reach_each_other(lab: Lab) -> None:
    for host in lab.hosts:
        for other in lab.hosts:
            if other is host:
                continue
            probe = (
                f"ping -c1 -W2 {other.ip} >/dev/null && "
                f"timeout 5 bash -c 'exec 3<>/dev/tcp/{other.ip}/22; head -c4 <&3' && "
                f"getent hosts {other.name}"
            )
            out = ssh_root(host, probe)
            assert out.returncode == 0, (host.name, other.name, out.stderr)
            assert out.stdout.startswith("SSH-"), (host.name, other.name, out.stdout)
            assert other.ip in out.stdout


def test_teardown_leaves_nothing_behind() -> None:
    # A second, one-host lab on its own bridge and range, brought up and down inside the test.
    small = Lab(1, name="kolabt", subnet="10.213.1.0/24")
    try:
        small.up()
        host = small.hosts[0]
        assert ssh_root(host, "true").returncode == 0
        assert any(small.leftovers().values())
    finally:
        small.down()
    assert small.leftovers() == {"netns": [], "links": [], "mounts": [], "processes": [], "cgroups": []}
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert "kolabt-" not in listed
    nspawn = subprocess.run(["pgrep", "-f", "systemd-nspawn.*kolabt"], capture_output=True, text=True)
    assert nspawn.stdout.strip() == ""
