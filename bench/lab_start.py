"""Benchmark: cold and warm start of the test lab for 3 and 6 hosts, and its teardown.

Cold = an empty cache and state (a temporary `KO_LAB_CACHE` and `KO_LAB_STATE`): debootstrap of
the base root filesystem from this machine's Debian mirror, download (with this machine's apt)
and indexing of the lab's apt repository, then the start of the hosts (with their new SSH host
keys); each part is timed. Warm = all of that cached: only the start (bridge, HTTP server,
overlays, namespaces, nspawn boots until every sshd answers). Teardown is timed after each start.
Target (issue 3): a warm start of 3 hosts under 10 s.

Runs its own lab (`kobench`, 10.213.8.0/24 by default), never the developer's `kolab0`. Needs root.

    .venv/bin/python bench/lab_start.py [--hosts 3 6] [--repeat 3] [--no-cold]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.lab import lab as labmod
from tests.lab.lab import Lab


def timed_up_down(n: int, name: str, subnet: str) -> tuple[float, float]:
    lab = Lab(n, name=name, subnet=subnet)
    start = time.monotonic()
    try:
        lab.up()
        up = time.monotonic() - start
    finally:
        start = time.monotonic()
        lab.down()
        down = time.monotonic() - start
    left = {k: v for k, v in lab.leftovers().items() if v}
    if left:
        raise SystemExit(f"the lab left things behind: {left}")
    return up, down


def cold(n: int, name: str, subnet: str) -> None:
    cache = Path(tempfile.mkdtemp(prefix="ko-lab-cold-", dir="/var/tmp"))
    saved = labmod.CACHE_DIR, labmod.STATE_ROOT
    os.environ["KO_LAB_CACHE"], os.environ["KO_LAB_STATE"] = str(cache / "cache"), str(cache / "state")
    labmod.CACHE_DIR, labmod.STATE_ROOT = cache / "cache", cache / "state"
    try:
        t0 = time.monotonic()
        base = labmod.base_rootfs()
        t1 = time.monotonic()
        labmod.deb_repository(base)
        t2 = time.monotonic()
        up, down = timed_up_down(n, name, subnet)
        debs = sum(f.stat().st_size for f in cache.glob("cache/debs-*/*.deb")) / 2**20
        print(
            f"cold start, {n} hosts: {t2 - t0 + up:6.1f} s  = base rootfs (debootstrap) {t1 - t0:.1f} s"
            f" + apt repository (download {debs:.0f} MiB, index, check) {t2 - t1:.1f} s"
            f" + start with new host keys {up:.1f} s;"
            f" teardown {down:.1f} s"
        )
    finally:
        labmod.CACHE_DIR, labmod.STATE_ROOT = saved
        os.environ.pop("KO_LAB_CACHE", None)
        os.environ.pop("KO_LAB_STATE", None)
        shutil.rmtree(cache, ignore_errors=True)


def warm(n: int, name: str, subnet: str, repeat: int) -> None:
    ups, downs = [], []
    for _ in range(repeat):
        up, down = timed_up_down(n, name, subnet)
        ups.append(up)
        downs.append(down)
    print(
        f"warm start, {n} hosts: median {statistics.median(ups):5.1f} s (min {min(ups):.1f}, max {max(ups):.1f},"
        f" {repeat} runs); teardown median {statistics.median(downs):.1f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, nargs="+", default=[3, 6])
    parser.add_argument("--repeat", type=int, default=3, help="warm starts per size")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold starts (each downloads the base)")
    parser.add_argument("--name", default="kobench")
    parser.add_argument("--subnet", default="10.213.8.0/24")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("lab_start: skipped, the lab needs root")
        return 0
    print(f"lab start benchmark: lab {args.name} ({args.subnet}), cache {labmod.CACHE_DIR}")
    if not args.no_cold:
        print("cold = empty cache and state (temporary KO_LAB_CACHE, KO_LAB_STATE): debootstrap + apt repository")
        print("       download + start with new SSH host keys")
        for n in args.hosts:
            cold(n, args.name, args.subnet)
    labmod.deb_repository(labmod.base_rootfs())  # the real cache, built once if missing (not timed)
    print("warm = base root filesystem and apt repository cached: start only")
    for n in args.hosts:
        warm(n, args.name, args.subnet, args.repeat)
    print("target (issue 3): warm start of 3 hosts < 10 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
