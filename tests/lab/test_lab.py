"""The lab gives real, SSH-reachable hosts with systemd, isolated from everything but each other."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

from tests.lab.fixtures import scratch_lab
from tests.lab.lab import REPO_PACKAGES, Lab
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


def test_a_host_installs_a_package_from_the_lab_repository(lab: Lab) -> None:
    host = lab.hosts[-1]
    no_route = subprocess.run(["ip", "-n", host.netns, "route", "show", "default"], capture_output=True, text=True)
    assert no_route.stdout.strip() == ""
    sources = ssh_root(host, "grep -rhs '^deb' /etc/apt/sources.list /etc/apt/sources.list.d/")
    assert sources.stdout.splitlines() == [f"deb [trusted=yes] {lab.repo_url} ./"], sources.stdout
    install = ssh_root(
        host,
        "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q haproxy"
        " && haproxy -v && systemctl is-active haproxy",
        timeout=300,
    )
    try:
        assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
        assert "HAProxy version" in install.stdout and install.stdout.split()[-1] == "active", install.stdout
        assert lab.gateway in install.stdout  # fetched from the lab's server, the only source
    finally:
        ssh_root(host, "DEBIAN_FRONTEND=noninteractive apt-get purge -y -q --autoremove haproxy", timeout=300)


def test_every_repository_package_resolves_on_a_host(lab: Lab) -> None:
    host = lab.hosts[0]
    out = ssh_root(host, f"apt-get update -q && apt-get install -s -y {' '.join(REPO_PACKAGES)}", timeout=120)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]


def test_var_lib_containerd_is_a_plain_directory_not_on_overlayfs(lab: Lab) -> None:
    for host in lab.hosts:
        out = ssh_root(host, "stat -f -c %T / /var/lib/containerd; echo probe > /var/lib/containerd/ko-probe")
        assert out.returncode == 0, (host.name, out.stderr)
        root_fs, containerd_fs = out.stdout.split()
        assert root_fs == "overlayfs" and containerd_fs != "overlayfs", (host.name, out.stdout)
        outside = Path(host.root).parent / "containerd" / "ko-probe"
        assert outside.read_text() == "probe\n"
        outside.unlink()


def test_extra_directories_are_served_to_the_hosts(lab: Lab, tmp_path: Path) -> None:
    (tmp_path / "offline.txt").write_text("the offline package\n")
    url = lab.serve(tmp_path, "extra-test")
    assert url == f"http://{lab.gateway}:{lab.repo_port}/extra-test/"
    fetch = (
        "python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())'"
    )
    out = ssh_root(lab.hosts[0], f"{fetch} {url}offline.txt")
    assert out.returncode == 0 and out.stdout == "the offline package\n", out.stderr


def test_restart_sshd_brings_a_stopped_sshd_back(lab: Lab) -> None:
    host = lab.hosts[-1]
    stopped = lab.run(host, "systemctl stop ssh.service && systemctl is-active ssh.service")
    assert stopped.stdout.strip() == "inactive", stopped
    assert ssh_root(host, "true", timeout=20).returncode != 0
    lab.restart_sshd(host)
    assert ssh_root(host, "true").returncode == 0


def test_every_host_has_its_own_host_keys(lab: Lab) -> None:
    keys = [ssh_root(h, "cat /etc/ssh/ssh_host_ed25519_key.pub").stdout.split()[1] for h in lab.hosts]
    assert len(set(keys)) == len(lab.hosts)


def test_hosts_give_a_real_kubelet_what_a_container_lacks(lab: Lab) -> None:
    # What kubelet v1.36 needed in these hosts (docs/container-hosts.md): a readable /dev/kmsg,
    # writable kernel.panic, kernel.panic_on_oops and vm.overcommit_memory, IPv4 forwarding on.
    writes = {"kernel.panic": "10", "kernel.panic_on_oops": "1", "vm.overcommit_memory": "1"}
    machine = {key: Path("/proc/sys", key.replace(".", "/")).read_text() for key in writes}
    for host in lab.hosts:
        kmsg = ssh_root(host, "exec 3</dev/kmsg && echo opened")
        assert kmsg.stdout.strip() == "opened", (host.name, kmsg.stderr)
        for key, value in writes.items():
            out = ssh_root(host, f"sysctl -w {key}={value} >/dev/null && sysctl -n {key}")
            assert out.returncode == 0 and out.stdout.strip() == value, (host.name, key, out.stdout, out.stderr)
        forward = ssh_root(host, "sysctl -n net.ipv4.ip_forward")
        assert forward.stdout.strip() == "1", (host.name, forward.stdout, forward.stderr)
    # Each host's values are its own: nothing written above reached this machine's kernel.
    assert {key: Path("/proc/sys", key.replace(".", "/")).read_text() for key in writes} == machine


def test_a_host_installs_the_cni_plugins_from_the_lab_repository(lab: Lab) -> None:
    host = lab.hosts[0]
    install = ssh_root(
        host,
        "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q containernetworking-plugins"
        " && test -x /usr/lib/cni/bridge && test -x /usr/lib/cni/host-local && echo plugins-ok",
        timeout=300,
    )
    try:
        assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
        assert install.stdout.split()[-1] == "plugins-ok", install.stdout[-1000:]
    finally:
        ssh_root(host, "DEBIAN_FRONTEND=noninteractive apt-get purge -y -q --autoremove containernetworking-plugins")


def test_teardown_leaves_nothing_behind() -> None:
    # A second, one-host lab on its own bridge and range, brought up and down inside the test.
    small = scratch_lab(1)
    try:
        small.up()
        host = small.hosts[0]
        assert ssh_root(host, "true").returncode == 0
        # with the kubelet facts in place (in-host mounts, the namespace's ip_forward)
        facts = ssh_root(host, "sysctl -n net.ipv4.ip_forward; mountpoint /proc/sys/kernel/panic; test -c /dev/kmsg")
        assert facts.returncode == 0, (facts.stdout, facts.stderr)
        assert facts.stdout.splitlines() == ["1", "/proc/sys/kernel/panic is a mountpoint"], facts.stdout
        present = small.leftovers()
        assert all(present[k] for k in ("netns", "links", "mounts", "processes", "servers")), present
    finally:
        small.down()
    assert small.leftovers() == {
        "netns": [],
        "links": [],
        "mounts": [],
        "processes": [],
        "cgroups": [],
        "servers": [],
    }
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert f"{small.name}-" not in listed
    for pattern in (f"systemd-nspawn.*{small.state}/", f"http.server.*{small.www}"):
        left = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
        assert left.stdout.strip() == "", pattern
    kept = sorted(p.name for p in small.state.iterdir())  # the lab key and the hosts' keys
    assert kept == ["hostkeys", "id_ed25519", "id_ed25519.pub"], kept
